"""API-sleutel: a school's key for the JSON API (only its SHA-256 is stored; the key itself is shown once)."""

from mongoengine import DateField, DateTimeField, Document, ReferenceField, StringField, ValidationError

from core.clock import utcnow
from core.text import tidy
from documents.constants import API_KEY_SCOPES
from documents.institutions import Institution

# Longest a key may stay valid; a school makes a new one after that.
MAX_VALID_DAYS = 2 * 366


class ApiKey(Document):
    name = StringField(required=True, max_length=100, verbose_name="Naam")
    institution = ReferenceField(Institution, required=True, verbose_name="Onderwijsinstelling")
    scope = StringField(required=True, choices=API_KEY_SCOPES, default="read", verbose_name="Bevoegdheid")
    expires_on = DateField(required=True, verbose_name="Geldig tot en met")
    # The SHA-256 of the key: a lookup by hash needs no slow password hash, the key has 256 random bits.
    key_hash = StringField(required=True, unique=True, max_length=64)
    # The first characters, so staff can tell keys apart without the key itself being stored.
    prefix = StringField(max_length=20, verbose_name="Begint met")
    created_at = DateTimeField(default=utcnow, verbose_name="Aangemaakt op")
    created_by = StringField(max_length=200, verbose_name="Aangemaakt door")
    last_used_at = DateTimeField(verbose_name="Laatst gebruikt")
    revoked_at = DateTimeField(verbose_name="Ingetrokken op")
    revoked_by = StringField(max_length=200, verbose_name="Ingetrokken door")

    meta = {"collection": "api_keys", "indexes": [("institution", "-created_at")]}

    @property
    def may_write(self):
        return self.scope == "write"

    def clean(self):
        self.name = tidy(self.name)
        if not self.name:
            raise ValidationError("Vul een naam in.", field_name="name")

    def __str__(self):
        return self.name or ""
