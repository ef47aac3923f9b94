"""Documents of the companies area (filled by its issue)."""
