"""Praktijkverklaring (concept -> definitief), its verification record, branch organisations and counters."""

import contextlib
from datetime import timedelta

from mongoengine import (
    CASCADE,
    NULLIFY,
    PULL,
    BinaryField,
    BooleanField,
    DateTimeField,
    DictField,
    Document,
    EmbeddedDocumentListField,
    IntField,
    ListField,
    ObjectIdField,
    Q,
    ReferenceField,
    StringField,
    signals,
)
from mongoengine.errors import NotUniqueError

from core.clock import utcnow
from documents.constants import EDUCATION_FORMS, STATEMENT_STATUSES, VERIFICATION_STATUSES
from documents.files import StoredBytes, owns_files
from documents.finality import CONCEPT, FINAL, FinalGuardMixin, FinalGuardQuerySet
from documents.guidance import GuidanceDocument, Selection
from documents.institutions import Institution
from documents.printed import refuse_hidden_characters
from documents.users import User


class BranchOrganisation(Document):
    """An industry body whose logo a school may print on a statement (managed by SBB admins)."""

    name = StringField(required=True, unique=True, max_length=200, verbose_name="Naam")
    # The logo's bytes live in a StoredFile (documents.files); old inline bytes are read as a fallback.
    logo_file = ObjectIdField()
    logo_size = IntField()
    logo_sha256 = StringField(max_length=64)
    logo_inline = BinaryField(db_field="logo")
    logo_type = StringField(max_length=40)
    logo = StoredBytes("logo")
    created_at = DateTimeField(default=utcnow)

    meta = {"collection": "branch_organisations", "ordering": ["name"]}

    def clean(self):
        # Schools tick logos by this name: it must read as what it is.
        refuse_hidden_characters(self, {"name": "Naam"})

    def __str__(self):
        return self.name


class Counter(Document):
    """A numbering sequence (statement numbers per year): `value` is the last number issued.

    Numbers are drawn under a lease that one finalize at a time holds: it reads `value`, stores the statement with
    the next number and only then moves `value` on. A failure releases the lease without moving it, so the number
    is issued to the next statement instead and no hole appears. A lease left by a crashed process expires.
    """

    name = StringField(primary_key=True, max_length=40)
    value = IntField(default=0)
    lease_token = StringField(max_length=64)
    lease_until = DateTimeField()

    meta = {"collection": "counters"}

    @classmethod
    def take_lease(cls, name, token, seconds):
        """Take the lease when it is free or expired (atomic); return the counter, or None while another holds it."""
        now = utcnow()
        if not cls.objects(name=name).count():
            with contextlib.suppress(NotUniqueError):  # another process created it at the same moment
                cls(name=name, value=0).save(force_insert=True)
        free = Q(lease_token=None) | Q(lease_until=None) | Q(lease_until__lt=now)
        return cls.objects(free, name=name).modify(
            new=True, set__lease_token=token, set__lease_until=now + timedelta(seconds=seconds)
        )

    @classmethod
    def advance(cls, name, value):
        """Record `value` as issued (never moves back)."""
        cls.objects(name=name, value__lt=value).update_one(set__value=value)

    @classmethod
    def release(cls, name, token):
        """Give the lease back (only the holder's token does)."""
        cls.objects(name=name, lease_token=token).update_one(unset__lease_token=True, unset__lease_until=True)


class PracticeStatement(FinalGuardMixin, Document):
    institution = ReferenceField(Institution, required=True)
    participant = ReferenceField("Participant", required=True, reverse_delete_rule=CASCADE)
    # The company and trainer it was made with (a later placement does not change it).
    placement = ReferenceField("Placement", reverse_delete_rule=NULLIFY)
    source_guidance = ReferenceField(GuidanceDocument, reverse_delete_rule=NULLIFY)
    status = StringField(required=True, choices=STATEMENT_STATUSES, default=CONCEPT)
    education_form = StringField(choices=EDUCATION_FORMS, verbose_name="Onderwijsvorm")
    selections = EmbeddedDocumentListField(Selection)
    bpv_hours = IntField(verbose_name="BPV-uren")
    # Bytes live in StoredFiles (documents.files): the statement keeps id, size and SHA-256 only.
    company_logo_file = ObjectIdField()
    company_logo_size = IntField()
    company_logo_sha256 = StringField(max_length=64)
    company_logo_inline = BinaryField(db_field="company_logo")  # written before StoredFile: read as a fallback
    company_logo_type = StringField(max_length=40)
    company_logo = StoredBytes("company_logo")
    # PULL: deleting a branch organisation takes it off the list (NULLIFY would drop the whole list).
    branch_organisations = ListField(ReferenceField(BranchOrganisation, reverse_delete_rule=PULL))
    # Print "Beoordeeld door de praktijkopleider op <datum>" (only with an online sign-off of source_guidance).
    print_trainer_review = BooleanField(default=False)
    # Set when made final: what is printed, the number, the code and the exact bytes issued.
    snapshot = DictField()
    number = StringField(max_length=20)
    verification_code = StringField(max_length=40)
    pdf_file = ObjectIdField()
    pdf_size = IntField()
    pdf_sha256 = StringField(max_length=64)
    pdf_inline = BinaryField(db_field="pdf")  # written before StoredFile: read as a fallback
    pdf = StoredBytes("pdf")
    created_at = DateTimeField(default=utcnow)
    created_by = ReferenceField(User, reverse_delete_rule=NULLIFY)
    created_by_name = StringField(max_length=200)
    changed_at = DateTimeField()
    finalized_at = DateTimeField()
    finalized_by_name = StringField(max_length=200)
    version = IntField(default=1)

    # References MongoEngine may unset on a final statement when the referenced document is deleted.
    detachable_references = ("placement", "source_guidance", "branch_organisations")

    meta = {
        "collection": "practice_statements",
        "queryset_class": FinalGuardQuerySet,
        "indexes": [
            ("participant", "-created_at"),
            ("institution", "status", "finalized_at"),
            # The lists of praktijkverklaringen, per school and national, in each sort order.
            ("institution", "-created_at"),
            ("institution", "education_form"),
            ("institution", "participant"),
            "-created_at",
            "education_form",
            {"fields": ["number"], "unique": True, "sparse": True},
            {"fields": ["verification_code"], "unique": True, "sparse": True},
        ],
        "ordering": ["-created_at"],
    }

    @property
    def werkproces_count(self):
        return sum(len(s.codes) for s in self.selections)

    def __str__(self):
        return f"Praktijkverklaring {self.number or '(concept)'}"


class VerificationRecord(Document):
    """What the public verification page answers from; holds no personal data, outlives the statement."""

    code = StringField(required=True, unique=True, max_length=40)
    number = StringField(required=True, unique=True, max_length=20)
    pdf_sha256 = StringField(required=True, max_length=64)
    statement = ReferenceField(PracticeStatement, reverse_delete_rule=NULLIFY)
    status = StringField(required=True, choices=VERIFICATION_STATUSES, default="valid")
    issued_at = DateTimeField(required=True)
    institution_name = StringField(max_length=200)
    withdrawn_at = DateTimeField()
    withdrawal_reason = StringField(max_length=500)

    meta = {"collection": "verification_records", "indexes": ["pdf_sha256"]}


def _withdraw_on_delete(sender, document, **kwargs):
    """However a final statement is deleted, its verification record turns 'ingetrokken'."""
    if document.status != FINAL or not document.verification_code:
        return
    reason = getattr(document, "_withdrawal_reason", None) or "Verwijderd door de onderwijsinstelling."
    VerificationRecord.objects(code=document.verification_code, status="valid").update(
        set__status="withdrawn", set__withdrawn_at=utcnow(), set__withdrawal_reason=reason[:500]
    )


signals.pre_delete.connect(_withdraw_on_delete, sender=PracticeStatement)
owns_files(PracticeStatement, "pdf", "company_logo")
owns_files(BranchOrganisation, "logo")
