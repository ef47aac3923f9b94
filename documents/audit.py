"""The audit trail: who did what, when, from where (shaped like Django's LogEntry)."""

from mongoengine import DateTimeField, DictField, Document, ObjectIdField, StringField

from core.clock import utcnow
from documents.constants import ACTIONS, OBJECT_TYPES  # noqa: F401 - kept importable from here; the codes live in constants


class AuditEvent(Document):
    at = DateTimeField(default=utcnow, required=True, verbose_name="Tijdstip")
    # Names are copied so the trail survives deletion of the user or school.
    user_id = ObjectIdField(verbose_name="Gebruiker-id")
    user_email = StringField(max_length=200, verbose_name="Gebruiker")
    institution_id = ObjectIdField()
    institution_name = StringField(max_length=200, verbose_name="Onderwijsinstelling")
    action = StringField(required=True, max_length=40, verbose_name="Actie")
    object_type = StringField(max_length=60, verbose_name="Soort object")
    object_id = StringField(max_length=60, verbose_name="Object-id")
    object_label = StringField(max_length=300, verbose_name="Object")
    # The participant an event concerns (the participant itself or one of its documents): its history.
    participant_id = ObjectIdField()
    changes = DictField(verbose_name="Wijzigingen")
    ip_address = StringField(max_length=64, verbose_name="IP-adres")

    meta = {
        "collection": "audit_events",
        "ordering": ["-at"],
        "indexes": [
            "-at",
            ("institution_id", "-at"),
            ("object_type", "object_id"),
            "user_id",
            ("participant_id", "-at"),
            ("institution_id", "participant_id", "-at"),
        ],
    }

    def __str__(self):
        return f"{self.at:%d-%m-%Y %H:%M} {self.user_email or '-'} {self.action} {self.object_label or ''}"
