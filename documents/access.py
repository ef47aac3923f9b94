"""Documents of the access area (filled by its issue)."""
