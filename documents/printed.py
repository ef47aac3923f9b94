"""The document-layer form of core.text's hidden-character check: every printed text field refuses them."""

from mongoengine import ValidationError

from core.text import hidden_character_errors


def refuse_hidden_characters(document, labels, multiline=()):
    """Raise a Dutch ValidationError naming each field (of `labels`: field -> label) with a hidden character."""
    errors = hidden_character_errors(document, labels, multiline)
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationError(
            message, field_name=field, errors={f: ValidationError(m, field_name=f) for f, m in errors.items()}
        )
