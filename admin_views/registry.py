"""Extension points the step areas add to (home-page panels), so areas do not edit each other's files."""

# Callables taking the current user and returning a dict {"title", "template", ...} or None.
HOME_PANELS = []
