"""Computed views kept in MongoDB for a short while, shared by every app server (the SBB dashboard)."""

from mongoengine import DateTimeField, DictField, Document, StringField


class CachedView(Document):
    """One computed view, keyed by the view and its filters; `data` is plain BSON the view can rebuild from."""

    key = StringField(primary_key=True, max_length=200)
    data = DictField()
    computed_at = DateTimeField(required=True)
    # MongoDB drops an entry once it is past this time (a TTL index; mongomock keeps it, reads check the age).
    expires_at = DateTimeField(required=True)

    meta = {
        "collection": "view_cache",
        "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 0}],
    }
