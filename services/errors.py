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


class DomainError(Exception):
    """A refusal by the domain; the message is Dutch and says what is wrong (the web layer picks the answer)."""

    default_message = "Dit kan niet."

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(self.message)


class NotFound(DomainError):
    """The object does not exist, or belongs to another school (never confirm that another school's id exists)."""

    default_message = "Deze pagina of dit gegeven bestaat niet (meer), of hoort niet bij uw onderwijsinstelling."


class NotPermitted(DomainError):
    """The user's role does not allow this."""

    default_message = (
        "U hebt geen toegang tot deze pagina met uw rol. Denkt u dat dit niet klopt? Neem contact op met SBB."
    )


class RuleBroken(DomainError, ValueError):
    """A rule of the domain refuses the change (a ValueError, so forms that flash those show it too)."""
