"""The one function every service calls to leave a trace in the audit log."""

from contextlib import contextmanager

from flask import current_app, has_app_context

from documents.audit import AuditEvent
from services.ids import ref_id


def request_context():
    """(user, IP address) of the request being served, as the web layer provides it (app.extensions); else none."""
    provider = current_app.extensions.get("audit_context") if has_app_context() else None
    return provider() if provider is not None else (None, None)


def record(action, obj=None, *, label=None, changes=None, user=None, institution=None, object_type=None):
    """Write one audit event; user, institution and IP default to the current request's."""
    request_user, ip_address = request_context()
    user = user or request_user
    if institution is None:
        institution = getattr(obj, "institution", None) or getattr(user, "institution", None)
    event = AuditEvent(
        action=action,
        user_id=user.pk if user else None,
        user_email=user.email if user else None,
        institution_id=institution.pk if institution else None,
        institution_name=institution.name if institution else None,
        object_type=object_type or (type(obj).__name__ if obj is not None else None),
        object_id=str(obj.pk) if obj is not None and getattr(obj, "pk", None) else None,
        object_label=(label if label is not None else (str(obj) if obj is not None else None)),
        participant_id=_participant_id(obj),
        changes=_plain(changes or {}),
        ip_address=ip_address,
    )
    event.save()
    return event


@contextmanager
def recorded(action, obj=None, **kwargs):
    """Write the audit event before the change it describes; take it back when the change fails.

    Either both stand or neither: an audit write that fails leaves the data untouched (the body never
    runs), and a change that fails removes its event again. Everything the event says must be known
    before the change (give a new document its id first: ``doc.id = ObjectId()``).
    """
    event = record(action, obj, **kwargs)
    try:
        yield event
    except BaseException:
        AuditEvent.objects(pk=event.pk).delete()
        raise


def _participant_id(obj):
    if obj is None:
        return None
    if type(obj).__name__ == "Participant":
        return obj.pk
    # The raw reference is enough; no need to load the participant.
    return ref_id(obj._data.get("participant")) if hasattr(obj, "_data") else None


def _plain(value):
    """Make a changes dict storable: dates and ids become strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
