"""Connect MongoEngine to a real MongoDB, or to an in-memory mongomock database in demo mode."""

import mongoengine
from mongoengine.connection import disconnect_all


def connect(app):
    """Connect the default alias for this app; return True when running on mongomock."""
    disconnect_all()
    uri = app.config.get("MONGODB_URI")
    db = app.config["MONGODB_DB"]
    if uri:
        mongoengine.connect(db=db, host=uri, tz_aware=False, uuidRepresentation="standard")
        return False
    import mongomock

    mongoengine.connect(db=db, host="mongodb://localhost", mongo_client_class=mongomock.MongoClient)
    return True


def all_documents():
    """Every top-level document class of the project (for index creation and test resets)."""
    from mongoengine.base import _document_registry

    import documents  # noqa: F401  (registers every module)

    return [
        cls
        for cls in _document_registry.values()
        if issubclass(cls, mongoengine.Document)
        and not cls._meta.get("abstract")
        and cls.__module__.startswith("documents.")
    ]


def ensure_indexes():
    """Create the declared indexes of every document (run at start)."""
    for cls in all_documents():
        cls.ensure_indexes()


def drop_all():
    """Empty every collection (tests and the demo seed use it)."""
    for cls in all_documents():
        cls.drop_collection()
