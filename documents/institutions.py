"""Onderwijsinstelling: the tenant every school user belongs to."""

import re

from mongoengine import BinaryField, DateTimeField, Document, IntField, ObjectIdField, StringField, ValidationError

from core.clock import utcnow
from documents.constants import INSTITUTION_KINDS
from documents.files import StoredBytes, owns_files
from documents.printed import refuse_hidden_characters


class Institution(Document):
    name = StringField(required=True, max_length=200, verbose_name="Naam")
    brin = StringField(required=True, max_length=6, unique=True, verbose_name="BRIN-code")
    kind = StringField(required=True, choices=INSTITUTION_KINDS, verbose_name="Soort")
    address = StringField(max_length=200, verbose_name="Adres")
    postcode = StringField(max_length=7, verbose_name="Postcode")
    city = StringField(max_length=100, verbose_name="Plaats")
    # Re-encoded by services.images (at most 2 MB); the bytes live in a StoredFile (documents.files).
    logo_file = ObjectIdField()
    logo_size = IntField()
    logo_sha256 = StringField(max_length=64)
    logo_inline = BinaryField(db_field="logo")  # written before StoredFile: read as a fallback
    logo_type = StringField(max_length=40)
    logo = StoredBytes("logo")
    created_at = DateTimeField(default=utcnow, verbose_name="Aangemaakt op")

    meta = {"collection": "institutions", "indexes": ["name"], "ordering": ["name"]}

    def clean(self):
        refuse_hidden_characters(
            self, {"name": "Naam", "brin": "BRIN-code", "address": "Adres", "postcode": "Postcode", "city": "Plaats"}
        )
        self.name = (self.name or "").strip()
        self.brin = (self.brin or "").strip().upper()
        if not re.fullmatch(r"[0-9]{2}[A-Z0-9]{2}", self.brin):
            raise ValidationError(
                "De BRIN-code bestaat uit twee cijfers gevolgd door twee letters of cijfers, bijvoorbeeld 25PZ.",
                field_name="brin",
            )

    def __str__(self):
        return self.name


owns_files(Institution, "logo")
