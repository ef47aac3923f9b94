"""Stored files: the bytes of PDFs and logos, one document per file, apart from the documents that use them.

Hot documents (statements, schools, companies, branch organisations, guidance PDFs and filled copies) keep only
the file's id, size and SHA-256, so lists, exports and aggregates never carry the bytes; a file is read only to be
downloaded or rendered (`StoredFile.read`, the one loader).

One document per file is enough here: our files are at most 10 MB (uploads and logos are capped well below that),
under MongoDB's 16 MB document limit. On a real MongoDB, GridFS is the alternative for anything above 16 MB.

Files are write-once: nothing updates one, so a final statement's PDF stays exactly as issued. A file goes away
only with its owner (the owner's delete signal, see `owns_files`) or when the owning service replaces it
(`StoredFile.discard`).

Migration: documents written before this module kept the bytes inline under the old field name. Those bytes are
still read as a fallback (`<slot>_inline`, same database field), so no migration step is needed; the next write
of a slot moves it to a StoredFile and unsets the inline copy.
"""

import hashlib

from bson import ObjectId
from mongoengine import BinaryField, DateTimeField, Document, IntField, QuerySet, StringField, signals

from core.clock import utcnow

MAX_FILE_BYTES = 10 * 1024 * 1024


class FileImmutableError(Exception):
    """Raised when anything tries to change or delete a stored file outside its owner."""

    def __init__(self, message="Een opgeslagen bestand wordt nooit gewijzigd; het gaat alleen weg met zijn eigenaar."):
        super().__init__(message)


class WriteOnceQuerySet(QuerySet):
    """No update and no delete through the queryset: files are written once and discarded by their owner."""

    def update(self, *args, **kwargs):
        raise FileImmutableError()

    def update_one(self, *args, **kwargs):
        raise FileImmutableError()

    def modify(self, *args, **kwargs):
        raise FileImmutableError()

    def delete(self, *args, **kwargs):
        raise FileImmutableError()


class StoredFile(Document):
    """The bytes of one file (PDF or image) with what a download needs."""

    data = BinaryField(required=True, max_bytes=MAX_FILE_BYTES)
    content_type = StringField(required=True, max_length=100)
    size = IntField(required=True)
    sha256 = StringField(required=True, max_length=64)
    created_at = DateTimeField(default=utcnow)

    meta = {"collection": "stored_files", "queryset_class": WriteOnceQuerySet, "indexes": ["sha256"]}

    def save(self, *args, **kwargs):
        raise FileImmutableError("Sla een bestand op met StoredFile.store.")

    def delete(self, *args, **kwargs):
        raise FileImmutableError()

    @classmethod
    def store(cls, data, content_type):
        """Write the bytes once as a new file; return it (without reading anything back)."""
        data = bytes(data)
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(f"file of {len(data)} bytes is above {MAX_FILE_BYTES}")
        stored = cls(
            id=ObjectId(),
            data=data,
            content_type=content_type or "application/octet-stream",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        stored.validate()
        cls._get_collection().insert_one(stored.to_mongo().to_dict())
        return stored

    @classmethod
    def read(cls, file_id):
        """The bytes of one file, or None: the only place that loads file contents."""
        if not file_id:
            return None
        raw = cls._get_collection().find_one({"_id": file_id}, {"data": 1})
        return bytes(raw["data"]) if raw and raw.get("data") is not None else None

    @classmethod
    def discard(cls, *file_ids):
        """Remove files whose owner is gone or has replaced them (owners and their services only)."""
        ids = [i for i in file_ids if i]
        if ids:
            cls._get_collection().delete_many({"_id": {"$in": ids}})


class StoredBytes:
    """A document attribute that reads a slot's bytes: from its StoredFile, else from the old inline field.

    Reading it is a database load, so lists test presence with `has_file(doc, slot)` instead.
    """

    def __init__(self, slot):
        self.slot = slot

    def __get__(self, instance, owner):
        if instance is None:
            return self
        file_id = instance._data.get(f"{self.slot}_file")
        if file_id:
            return StoredFile.read(file_id)
        inline = instance._data.get(f"{self.slot}_inline")
        return bytes(inline) if inline else None

    def __set__(self, instance, value):
        raise AttributeError(f"set {self.slot} with documents.files.attach")


def has_file(document, slot):
    """Say whether the slot holds bytes, without loading them."""
    data = document._data
    return bool(data.get(f"{slot}_file") or data.get(f"{slot}_inline") or data.get(f"{slot}_size"))


def attach(document, slot, data, content_type=None):
    """Store bytes as a new file and point the (unsaved) document's slot at it; return the replaced file id.

    The caller saves the document and then discards the returned id (the old file), or discards the new one
    (`document.<slot>_file`) if its save fails.
    """
    old = document._data.get(f"{slot}_file")
    if data:
        stored = StoredFile.store(data, content_type)
        values = {"file": stored.pk, "size": stored.size, "sha256": stored.sha256}
    else:
        values = {"file": None, "size": None, "sha256": None}
    for suffix, value in values.items():
        if f"{slot}_{suffix}" in document._fields:
            setattr(document, f"{slot}_{suffix}", value)
    if f"{slot}_inline" in document._fields:
        setattr(document, f"{slot}_inline", None)
    if f"{slot}_type" in document._fields:
        setattr(document, f"{slot}_type", content_type if data else None)
    return old


def file_updates(slot, stored):
    """The set__ keyword arguments that point a slot at a stored file (or clear it when stored is None)."""
    return {
        f"set__{slot}_file": stored.pk if stored else None,
        f"set__{slot}_size": stored.size if stored else None,
        f"set__{slot}_sha256": stored.sha256 if stored else None,
        f"unset__{slot}_inline": True,
    }


def owns_files(document_class, *slots):
    """Discard a document's files when it is deleted (however it is deleted: one by one or by a cascade)."""

    def discard_files(sender, document, **kwargs):
        StoredFile.discard(*(document._data.get(f"{slot}_file") for slot in slots))

    signals.post_delete.connect(discard_files, sender=document_class, weak=False)
    return document_class
