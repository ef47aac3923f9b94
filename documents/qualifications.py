"""Documents of the qualifications area (filled by its issue)."""
