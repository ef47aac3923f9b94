"""Screens of the statements area (filled by its issue)."""


def register(admin, app):
    """Add this area's views, blueprints and home panels."""
