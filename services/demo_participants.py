"""Demo data of the participants area (filled by its issue)."""


def seed(schools, users):
    """Create this area's demo data when missing (idempotent)."""
