"""Screens of the access-request area (filled by its issue)."""


def register(admin, app):
    """Add this area's views, blueprints and home panels."""
