"""Documents of the participants area (filled by its issue)."""
