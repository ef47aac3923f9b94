"""Text normalisation: moved to core.text (documents use it too); kept here so existing imports keep working."""

from core.text import fold, hidden_character, hidden_character_errors, tidy  # noqa: F401
