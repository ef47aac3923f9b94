"""The praktijkopleider's online review of a final begeleidingsdocument, and the one progress record per document.

A TrainerReview is an invitation: a personal link (only its SHA-256 is stored) for one version of one document,
with the trainer's draft and, once signed, the sign-off. GuidanceProgress is what the school reads: per
werkproces the progress from the newest source (the online sign-off or an uploaded filled-in PDF).
"""

from mongoengine import (
    CASCADE,
    DateTimeField,
    DictField,
    Document,
    IntField,
    ReferenceField,
    StringField,
)

from core.clock import utcnow
from documents.guidance import GuidanceDocument
from documents.institutions import Institution

# Progress sources (the label is what the school reads beside a werkproces).
SOURCE_ONLINE = "online"
SOURCE_PDF = "pdf"


class TrainerReview(Document):
    """One invitation of a praktijkopleider to review one version of a final begeleidingsdocument."""

    guidance = ReferenceField(GuidanceDocument, required=True, reverse_delete_rule=CASCADE)
    guidance_version = IntField(required=True)
    institution = ReferenceField(Institution, required=True)
    participant = ReferenceField("Participant", required=True, reverse_delete_rule=CASCADE)
    # Only the hash: a database reader cannot open the page. Rotated on every re-send.
    token_hash = StringField(required=True, unique=True, max_length=64)
    # "<guidance id>:<version>" while the invitation is open or signed; unset when revoked. The unique index makes
    # "one invitation per document version" hold even for two clicks at the same moment.
    slot = StringField(max_length=80, unique=True, sparse=True)
    email = StringField(required=True, max_length=200)
    trainer_name = StringField(max_length=200)
    created_at = DateTimeField(default=utcnow)
    created_by_name = StringField(max_length=200)
    sent_at = DateTimeField()
    sent_count = IntField(default=0)
    expires_at = DateTimeField(required=True)
    revoked_at = DateTimeField()
    revoked_by_name = StringField(max_length=200)
    first_opened_at = DateTimeField()
    # The trainer's entries, in the shape of FilledCopy.progress: {key: {"moments", "opmerkingen", "gedrag"}}.
    entries = DictField()
    draft_saved_at = DateTimeField()
    signed_at = DateTimeField()
    signed_name = StringField(max_length=200)
    signed_function = StringField(max_length=200)
    signed_ip = StringField(max_length=64)
    signed_user_agent = StringField(max_length=500)

    meta = {
        "collection": "trainer_reviews",
        "indexes": [("guidance", "-created_at"), ("slot", "-created_at"), "participant"],
        "ordering": ["-created_at"],
    }

    @property
    def is_signed(self):
        return self.signed_at is not None

    def __str__(self):
        return f"Beoordeling praktijkopleider ({self.trainer_name or self.email})"


class GuidanceProgress(Document):
    """Progress per werkproces of one begeleidingsdocument; fed by the online sign-off and by PDF uploads."""

    guidance = ReferenceField(GuidanceDocument, required=True, unique=True, reverse_delete_rule=CASCADE)
    institution = ReferenceField(Institution, required=True)
    participant = ReferenceField("Participant", required=True, reverse_delete_rule=CASCADE)
    # {key: {"moments", "opmerkingen", "gedrag", "source": online|pdf, "by": name, "at": datetime}}
    entries = DictField()
    updated_at = DateTimeField(default=utcnow)

    meta = {"collection": "guidance_progress"}
