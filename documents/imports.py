"""Uploads waiting for confirmation (staged rows, with expiry) and the import batches they become."""

from mongoengine import (
    BinaryField,
    DateTimeField,
    Document,
    IntField,
    ListField,
    ObjectIdField,
    ReferenceField,
    StringField,
)

from core.clock import utcnow
from documents.constants import IMPORT_KINDS
from documents.institutions import Institution
from documents.users import User


class StagedUpload(Document):
    """The parsed rows of an uploaded spreadsheet, kept server-side until the user confirms or it expires."""

    kind = StringField(required=True, max_length=40)
    token = StringField(required=True, unique=True, max_length=64)
    user = ReferenceField(User, required=True)
    institution = ReferenceField(Institution)
    file_name = StringField(max_length=255)
    # The rows as compressed JSON (services.spreadsheet encodes them): thousands of small dicts as one value,
    # which MongoEngine stores and loads without walking each one. Loaded rows appear as `staged.rows`.
    payload = BinaryField(required=True)
    row_count = IntField(default=0)
    created_at = DateTimeField(default=utcnow)
    # MongoDB's TTL monitor removes the document after this moment; readers check it as well.
    expires_at = DateTimeField(required=True)

    meta = {
        "collection": "staged_uploads",
        "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 0}, ("kind", "user")],
    }


class ImportBatch(Document):
    """One confirmed import: who, when, which file, how many records; it can be undone as a whole."""

    kind = StringField(required=True, max_length=40, choices=IMPORT_KINDS, verbose_name="Soort")
    institution = ReferenceField(Institution, verbose_name="Onderwijsinstelling")
    created_by = ReferenceField(User, verbose_name="Geïmporteerd door")
    created_by_name = StringField(max_length=200, verbose_name="Geïmporteerd door")
    created_at = DateTimeField(default=utcnow, verbose_name="Geïmporteerd op")
    file_name = StringField(max_length=255, verbose_name="Bestand")
    count = IntField(default=0, verbose_name="Aantal")
    object_ids = ListField(ObjectIdField())
    undone_at = DateTimeField(verbose_name="Ongedaan gemaakt op")
    undone_by_name = StringField(max_length=200, verbose_name="Ongedaan gemaakt door")

    meta = {
        "collection": "import_batches",
        "ordering": ["-created_at"],
        "indexes": [("institution", "kind", "-created_at"), ("institution", "kind", "undone_at", "-created_at")],
    }

    def __str__(self):
        return f"Import {self.file_name or ''} ({self.count})"
