"""Documents of the statements area (filled by its issue)."""
