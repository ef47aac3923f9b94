"""Documents of the guidance area (filled by its issue)."""
