"""Begeleidingsdocument: chosen werkprocessen of one or more kwalificaties, concept -> afgerond (final)."""

from mongoengine import (
    CASCADE,
    NULLIFY,
    BinaryField,
    BooleanField,
    DateTimeField,
    DictField,
    Document,
    EmbeddedDocument,
    EmbeddedDocumentListField,
    IntField,
    ListField,
    ObjectIdField,
    ReferenceField,
    StringField,
)

from core.clock import utcnow
from documents.constants import GUIDANCE_STATUSES
from documents.files import StoredBytes, owns_files
from documents.finality import CONCEPT, FinalGuardMixin, FinalGuardQuerySet
from documents.institutions import Institution
from documents.users import User


class Selection(EmbeddedDocument):
    """The werkprocessen chosen from one kwalificatie (and which of them show the gedrag table)."""

    crebo = StringField(required=True, max_length=10)
    qualification_id = StringField(max_length=40)
    codes = ListField(StringField(max_length=30))
    behaviour_codes = ListField(StringField(max_length=30))

    def __str__(self):
        return f"{self.crebo}: {len(self.codes)} werkprocessen"

    def copy(self):
        """A detached copy, for a new document made from this one's choice."""
        return Selection(
            crebo=self.crebo,
            qualification_id=self.qualification_id,
            codes=list(self.codes),
            behaviour_codes=list(self.behaviour_codes),
        )


class GuidanceDocument(FinalGuardMixin, Document):
    institution = ReferenceField(Institution, required=True)
    participant = ReferenceField("Participant", required=True, reverse_delete_rule=CASCADE)
    # The company and trainer it was made with (a later placement does not change it); the snapshot keeps what the
    # document says, so a final document may lose this link when the placement is deleted (detachable_references).
    placement = ReferenceField("Placement", reverse_delete_rule=NULLIFY)
    status = StringField(required=True, choices=GUIDANCE_STATUSES, default=CONCEPT)
    selections = EmbeddedDocumentListField(Selection)
    # What the document was made with: participant, institution, company, trainer and werkproces texts
    # (services/pdf snapshot format). Later registry edits never change it.
    snapshot = DictField()
    created_at = DateTimeField(default=utcnow)
    created_by = ReferenceField(User, reverse_delete_rule=NULLIFY)  # created_by_name is what is shown
    created_by_name = StringField(max_length=200)
    changed_at = DateTimeField()
    finalized_at = DateTimeField()
    finalized_by_name = StringField(max_length=200)
    version = IntField(default=1)

    # References MongoEngine may unset on a final document when the referenced document is deleted.
    detachable_references = ("placement", "created_by")

    meta = {
        "collection": "guidance_documents",
        "queryset_class": FinalGuardQuerySet,
        "indexes": [
            ("participant", "-created_at"),
            ("institution", "status"),
            ("institution", "-created_at"),
            "-created_at",
            "status",
        ],
        "ordering": ["-created_at"],
    }

    @property
    def document_id(self):
        return f"BD-{str(self.pk)[-8:].upper()}" if self.pk else "BD-NIEUW"

    @property
    def werkproces_count(self):
        return sum(len(s.codes) for s in self.selections)

    def __str__(self):
        return f"Begeleidingsdocument {self.document_id}"


class FilledCopy(Document):
    """A filled-in copy of a guidance PDF returned by the trainer; the final document itself stays untouched."""

    guidance = ReferenceField(GuidanceDocument, required=True, reverse_delete_rule=CASCADE)
    institution = ReferenceField(Institution, required=True)
    file_name = StringField(max_length=200)
    # The bytes live in a StoredFile (documents.files); copies written before it keep them inline (fallback).
    pdf_file = ObjectIdField()
    pdf_size = IntField()
    pdf_sha256 = StringField(max_length=64)
    pdf_inline = BinaryField(db_field="pdf")
    pdf = StoredBytes("pdf")
    fields = DictField()
    progress = DictField()  # {werkproces code: {"moments": [{"datum", "niveau"}], "opmerkingen": str}}
    uploaded_at = DateTimeField(default=utcnow)
    uploaded_by_name = StringField(max_length=200)
    is_latest = BooleanField(default=True)

    meta = {"collection": "guidance_filled_copies", "indexes": [("guidance", "-uploaded_at")]}


class RenderedGuidancePdf(Document):
    """The PDF bytes of one version of a guidance document, kept apart so the document itself stays small.

    A final document's record is written at Afronden, together with the transition, and is what every download
    serves (its SHA-256 is checked first). A concept's record is a cache: valid for one version and one render
    input (input_sha256 covers the snapshot and the current logos), replaced when either changes.
    """

    guidance = ReferenceField(GuidanceDocument, required=True, reverse_delete_rule=CASCADE)
    version = IntField(required=True)
    # The bytes live in a StoredFile (documents.files); records written before it keep them inline (fallback).
    pdf_file = ObjectIdField()
    pdf_size = IntField()
    pdf_inline = BinaryField(db_field="pdf")
    pdf = StoredBytes("pdf")
    sha256 = StringField(max_length=64)  # of pdf; older records (rendered at the first download) lack it
    concept = BooleanField(default=False)
    input_sha256 = StringField(max_length=64)  # concepts only: what the cached bytes were rendered from
    rendered_at = DateTimeField(default=utcnow)

    meta = {
        "collection": "guidance_rendered_pdfs",
        # sha256: /verificatie finds a signed original by the hash of its signed bytes.
        "indexes": [{"fields": ["guidance", "version"], "unique": True}, ("sha256", "concept")],
    }


owns_files(FilledCopy, "pdf")
owns_files(RenderedGuidancePdf, "pdf")
