"""Toegangsaanvraag: a school employee asks SBB for an account in the Praktijkloket."""

import re

from mongoengine import (
    DateTimeField,
    Document,
    ReferenceField,
    StringField,
    ValidationError,
)
from mongoengine.errors import ValidationError as MongoValidationError

from core.clock import utcnow
from documents.constants import (
    ACCESS_STATUSES,
    INSTITUTION_KINDS,
    STATUS_APPROVED,  # noqa: F401 - kept importable from here; the codes live in constants
    STATUS_REJECTED,
    STATUS_SUBMITTED,
)
from documents.institutions import Institution
from documents.users import User, normalise_email

BRIN_PATTERN = re.compile(r"[0-9]{2}[A-Z0-9]{2}")
# Deliberately simple: the set-password mail is the real proof the address works.
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")

REQUIRED = {
    "name": "Vul uw naam in.",
    "email": "Vul uw e-mailadres in.",
    "school_name": "Vul de naam van uw school in.",
    "kind": "Kies bij welk soort school u werkt: mbo-instelling, praktijkonderwijs of vso.",
    "brin": "Vul de BRIN-code van uw school in.",
}


class AccessRequest(Document):
    name = StringField(max_length=200, verbose_name="Naam")
    email = StringField(max_length=200, verbose_name="E-mailadres")
    function = StringField(max_length=100, verbose_name="Functie")
    school_name = StringField(max_length=200, verbose_name="School")
    kind = StringField(choices=INSTITUTION_KINDS, verbose_name="Soort school")
    brin = StringField(max_length=4, verbose_name="BRIN-code")
    message = StringField(max_length=2000, verbose_name="Toelichting")
    status = StringField(required=True, choices=ACCESS_STATUSES, default=STATUS_SUBMITTED, verbose_name="Status")
    handled_by = ReferenceField(User, verbose_name="Behandeld door")
    handled_by_email = StringField(max_length=200, verbose_name="Behandeld door")
    handled_at = DateTimeField(verbose_name="Behandeld op")
    rejection_reason = StringField(max_length=2000, verbose_name="Reden van afwijzing")
    created_user = ReferenceField(User, verbose_name="Aangemaakt account")
    institution = ReferenceField(Institution, verbose_name="Onderwijsinstelling")
    ip_address = StringField(max_length=64, verbose_name="IP-adres")
    created_at = DateTimeField(default=utcnow, verbose_name="Ingediend op")

    meta = {
        "collection": "access_requests",
        "ordering": ["-created_at"],
        "indexes": [("status", "-created_at"), "email", "brin"],
    }

    def clean(self):
        for field in ("name", "email", "function", "school_name", "kind", "brin", "message", "rejection_reason"):
            value = getattr(self, field)
            setattr(self, field, value.strip() if isinstance(value, str) else value)
        self.email = normalise_email(self.email) or None
        self.brin = (self.brin or "").replace(" ", "").upper() or None
        errors = {}
        for field, message in REQUIRED.items():
            if not getattr(self, field):
                errors[field] = message
        if self.email and "email" not in errors and not EMAIL_PATTERN.fullmatch(self.email):
            errors["email"] = "Dit is geen geldig e-mailadres. Vul het in als naam@school.nl."
        if self.brin and not BRIN_PATTERN.fullmatch(self.brin):
            errors["brin"] = (
                "De BRIN-code bestaat uit twee cijfers gevolgd door twee letters of cijfers, bijvoorbeeld 25PZ."
            )
        for field in ("name", "email", "function", "school_name", "message", "rejection_reason"):
            limit = self._fields[field].max_length
            if field not in errors and len(getattr(self, field) or "") > limit:
                errors[field] = f"Dit is te lang: maximaal {limit} tekens. Maak het korter."
        if self.kind and self.kind not in dict(INSTITUTION_KINDS):
            errors["kind"] = REQUIRED["kind"]
        if self.status == STATUS_REJECTED and not self.rejection_reason:
            errors["rejection_reason"] = "Vul de reden van de afwijzing in; de aanvrager krijgt die te lezen."
        if errors:
            raise ValidationError(
                "De aanvraag is niet volledig of niet juist ingevuld.",
                errors={k: MongoValidationError(v, field_name=k) for k, v in errors.items()},
            )

    @staticmethod
    def error_messages(error):
        """Flatten a ValidationError of this document into {field: Dutch message}."""
        found = error.to_dict()
        own = found.pop("__all__", {})
        messages = {k: str(v) for k, v in own.items()} if isinstance(own, dict) else {"__all__": str(own)}
        for field in found:
            messages.setdefault(field, "Dit veld is niet goed ingevuld.")
        return messages

    @property
    def status_label(self):
        return dict(ACCESS_STATUSES).get(self.status, self.status)

    @property
    def kind_label(self):
        return dict(INSTITUTION_KINDS).get(self.kind, self.kind or "")

    def __str__(self):
        return f"Toegangsaanvraag {self.name} <{self.email}> ({self.school_name})"
