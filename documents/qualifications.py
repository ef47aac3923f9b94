"""The national qualification structure: dossiers, kwalificaties with their kerntaken and werkprocessen.

A kwalificatie is stored with its whole resolved structure embedded (the dossier's basisdeel, its own
profieldeel, and the basis texts extended with its own `aanvullend` additions), so "all werkprocessen of
kwalificatie X" is one document read. Every dossier version is kept: an import never overwrites, a newer
version is added beside the older one, which is then marked `superseded` ("voorgaande versie").
"""

from mongoengine import (
    CASCADE,
    BinaryField,
    BooleanField,
    DateField,
    DateTimeField,
    DictField,
    Document,
    EmbeddedDocument,
    EmbeddedDocumentListField,
    IntField,
    ListField,
    Q,
    QuerySet,
    ReferenceField,
    StringField,
)

from core.clock import local_today, utcnow
from documents.constants import PARTS


class WorkProcess(EmbeddedDocument):
    code = StringField(required=True, max_length=20, verbose_name="Code")  # B1-K1-W1, P2-K1-W3
    title = StringField(required=True, verbose_name="Titel")
    description = StringField(verbose_name="Omschrijving")
    result = StringField(verbose_name="Resultaat")
    behaviour = ListField(StringField(), verbose_name="Gedrag")
    part = StringField(max_length=10, choices=PARTS)

    def __str__(self):
        return f"{self.code} {self.title}"


class CoreTask(EmbeddedDocument):
    code = StringField(required=True, max_length=20, verbose_name="Code")  # B1-K1, P2-K1
    title = StringField(required=True, verbose_name="Titel")
    part = StringField(max_length=10, choices=PARTS)
    work_processes = EmbeddedDocumentListField(WorkProcess)

    def __str__(self):
        return f"{self.code} {self.title}"


class QualificationDossier(Document):
    crebo = StringField(required=True, max_length=10, verbose_name="Crebo")
    title = StringField(required=True, max_length=300, verbose_name="Titel")
    version = StringField(max_length=40, verbose_name="Versie")
    status = StringField(max_length=60, verbose_name="Status")
    established_on = DateField(verbose_name="Vastgesteld op")
    established_by = StringField(max_length=300, verbose_name="Vastgesteld door")
    valid_from = DateField(verbose_name="Geldig vanaf")
    end_intake = DateField(verbose_name="Einde instroom")
    end_training = DateField(verbose_name="Einde opleiding")
    sbb_nr = StringField(max_length=40)
    # Fingerprint of the parsed content: importing the same dossier again finds it and changes nothing.
    content_key = StringField(required=True, max_length=64)
    superseded = BooleanField(default=False, verbose_name="Voorgaande versie")
    source_filename = StringField(max_length=300)
    imported_at = DateTimeField(default=utcnow, verbose_name="Geïmporteerd op")
    imported_by = StringField(max_length=200)

    meta = {
        "collection": "qualification_dossiers",
        "indexes": [{"fields": ["content_key"], "unique": True}, ("crebo", "superseded"), "superseded"],
    }

    def __str__(self):
        return f"{self.crebo} {self.title} ({self.version})" if self.version else f"{self.crebo} {self.title}"


class QualificationQuerySet(QuerySet):
    def latest(self):
        """The newest version of every crebo (earlier versions are `superseded`)."""
        return self.filter(superseded=False)

    def current(self, today=None):
        """Newest versions still open for intake: einde instroom empty or in the future."""
        today = today or local_today()
        return self.latest().filter(Q(end_intake=None) | Q(end_intake__gt=today))

    def summaries(self):
        """Leave the embedded structure out (lists need only the heading fields)."""
        return self.exclude("core_tasks")


class Qualification(Document):
    crebo = StringField(required=True, max_length=10, verbose_name="Crebo")
    title = StringField(required=True, max_length=300, verbose_name="Titel")
    level = IntField(min_value=1, max_value=4, verbose_name="Niveau")
    dossier = ReferenceField(
        QualificationDossier, required=True, reverse_delete_rule=CASCADE, verbose_name="Kwalificatiedossier"
    )
    dossier_crebo = StringField(max_length=10, verbose_name="Crebo dossier")
    dossier_title = StringField(max_length=300, verbose_name="Kwalificatiedossier")
    version = StringField(max_length=40, verbose_name="Versie")
    valid_from = DateField(verbose_name="Geldig vanaf")
    end_intake = DateField(verbose_name="Einde instroom")
    end_training = DateField(verbose_name="Einde opleiding")
    profile_nr = StringField(max_length=40)
    profile_chapter = StringField(max_length=10)
    core_tasks = EmbeddedDocumentListField(CoreTask, verbose_name="Kerntaken")
    core_task_count = IntField(default=0, verbose_name="Kerntaken")
    work_process_count = IntField(default=0, verbose_name="Werkprocessen")
    superseded = BooleanField(default=False, verbose_name="Voorgaande versie")
    # Folded (lower-case, no accents) words of the title, for indexed prefix search.
    title_words = ListField(StringField(max_length=100))
    title_key = StringField(max_length=300)
    imported_at = DateTimeField(default=utcnow)

    meta = {
        "collection": "qualifications",
        "queryset_class": QualificationQuerySet,
        "indexes": [
            ("crebo", "superseded"),
            ("superseded", "title_key"),
            ("title_key", "crebo"),
            "title",
            "title_words",
            "dossier",
        ],
    }

    @property
    def is_open_for_intake(self):
        return self.end_intake is None or self.end_intake > local_today()

    def work_processes(self):
        """Every werkproces in order, basisdeel first."""
        return [wp for task in self.core_tasks for wp in task.work_processes]

    def __str__(self):
        return f"{self.crebo} {self.title}"


class PendingQualificationUpload(Document):
    """An uploaded XML file waiting for the SBB admin's confirmation (in the database, not the session)."""

    filename = StringField(max_length=300)
    content = BinaryField(required=True)
    summary = ListField(DictField())
    uploaded_by = ReferenceField("User", reverse_delete_rule=CASCADE)
    uploaded_at = DateTimeField(default=utcnow)

    meta = {"collection": "qualification_uploads", "indexes": ["uploaded_at"]}
