"""Object ids from URLs and forms: a malformed id is never a 500."""

from bson import DBRef, ObjectId
from bson.errors import InvalidId

from services.errors import NotFound


def parse_object_id(value):
    """Return an ObjectId, or None for anything that is not one."""
    try:
        return ObjectId(str(value))
    except (InvalidId, TypeError):
        return None


def ref_id(value):
    """The id behind a stored reference (ObjectId, DBRef or loaded document) without loading anything."""
    if value is None or isinstance(value, ObjectId):
        return value
    if isinstance(value, DBRef):
        return value.id
    return getattr(value, "pk", value)


def object_id_or_404(value):
    """Return an ObjectId, or raise NotFound for anything that is not one."""
    oid = parse_object_id(value)
    if oid is None:
        raise NotFound()
    return oid
