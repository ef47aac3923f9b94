"""Dutch messages out of MongoEngine's validation errors (documents raise them with Dutch text in clean())."""


def validation_messages(exc):
    """Every message of a ValidationError: per field when it has them, else its own message."""
    errors = getattr(exc, "errors", None) or {}
    messages = [getattr(err, "message", None) or str(err) for err in errors.values()]
    messages = [m for m in messages if m]
    return messages or [getattr(exc, "message", None) or str(exc)]


def first_error(exc):
    """The first Dutch message of a ValidationError."""
    return validation_messages(exc)[0]
