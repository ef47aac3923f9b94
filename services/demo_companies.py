"""Demo data of the companies area (filled by its issue)."""


def seed(schools, users):
    """Create this area's demo data when missing (idempotent)."""
