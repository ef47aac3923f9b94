"""Documents of the imports area (filled by its issue)."""
