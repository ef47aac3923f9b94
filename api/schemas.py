"""The API's request and response schemas (marshmallow): the OpenAPI document is written from these."""

from datetime import UTC, datetime

import marshmallow as ma
from marshmallow import fields, validate

# Webargs and marshmallow answer in English; every message a school's system reads is Dutch.
_DUTCH = {
    fields.Field: {
        "required": "Dit veld is verplicht.",
        "null": "Dit veld mag niet leeg (null) zijn.",
        "validator_failed": "Ongeldige waarde.",
    },
    fields.String: {"invalid": "Geen geldige tekst.", "invalid_utf8": "Geen geldige UTF-8-tekst."},
    fields.Integer: {"invalid": "Geen geldig geheel getal."},
    fields.Number: {"invalid": "Geen geldig getal.", "too_large": "Getal te groot."},
    fields.Boolean: {"invalid": "Geen geldige waarde: gebruik true of false."},
    fields.List: {"invalid": "Geen geldige lijst."},
    fields.Nested: {"type": "Geen geldig object."},
    fields.Dict: {"invalid": "Geen geldig object."},
    fields.Mapping: {"invalid": "Geen geldig object."},
    fields.Date: {
        "invalid": "Geen geldige datum: gebruik JJJJ-MM-DD.",
        "format": "Geen geldige datum: gebruik JJJJ-MM-DD.",
    },
    fields.DateTime: {
        "invalid": "Geen geldig tijdstip: gebruik ISO 8601, bijvoorbeeld 2026-01-31T12:00:00Z.",
        "format": "Geen geldig tijdstip: gebruik ISO 8601, bijvoorbeeld 2026-01-31T12:00:00Z.",
        "invalid_awareness": "Geen geldig tijdstip: gebruik ISO 8601, bijvoorbeeld 2026-01-31T12:00:00Z.",
    },
}
for _cls, _messages in _DUTCH.items():
    _cls.default_error_messages = {**_cls.default_error_messages, **_messages}


class Schema(ma.Schema):
    error_messages = {
        "unknown": "Onbekend veld.",
        "type": "Verwacht een JSON-object.",
    }


def max_length(n):
    return validate.Length(max=n, error=f"Te lang: hoogstens {n} tekens.")


class Text(fields.String):
    """A string MongoDB can store: valid UTF-8 (no lone surrogates) and no NUL character."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ma.ValidationError("Deze tekst bevat ongeldige tekens (geen geldige UTF-8).") from None
        if "\x00" in value:
            raise ma.ValidationError("Deze tekst bevat een ongeldig teken (NUL).")
        return value


class UtcDateTime(fields.DateTime):
    """Stored times are naive UTC: written with an explicit offset so every client reads them right."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        if value.year < 1900:
            raise ma.ValidationError("Dit tijdstip ligt te ver in het verleden.")
        return value


class Lenient(fields.Nested):
    """Documented as the nested schema, but taken as it comes: the bulk endpoint answers per item."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ma.ValidationError("Verwacht een JSON-object.")
        return value


# --- problems (RFC 9457) ------------------------------------------------------------------------------------------


class ProblemSchema(Schema):
    type = fields.String(metadata={"description": "Soort fout (about:blank)"})
    title = fields.String(required=True, metadata={"description": "Korte omschrijving in het Nederlands"})
    status = fields.Integer(required=True, metadata={"description": "HTTP-statuscode"})
    detail = fields.String(metadata={"description": "Wat er mis is en wat u kunt doen"})
    errors = fields.Dict(metadata={"description": "Per veld wat er niet klopt"})
    existing_id = fields.String(metadata={"description": "Bij 409: de deelnemer die al bestaat"})
    current_version = fields.Integer(metadata={"description": "Bij 412: de huidige versie"})

    class Meta:
        unknown = ma.INCLUDE  # RFC 9457 allows extension members


# --- participants -------------------------------------------------------------------------------------------------


class ParticipantInSchema(Schema):
    first_name = Text(required=True, validate=max_length(100), metadata={"description": "Voornaam"})
    infix = Text(allow_none=True, validate=max_length(30), metadata={"description": "Tussenvoegsel"})
    last_name = Text(required=True, validate=max_length(100), metadata={"description": "Achternaam"})
    birth_date = fields.Date(required=True, metadata={"description": "Geboortedatum (JJJJ-MM-DD)"})
    birth_place = Text(allow_none=True, validate=max_length(100), metadata={"description": "Geboorteplaats"})
    group = Text(allow_none=True, validate=max_length(100), metadata={"description": "Groep"})
    student_number = Text(allow_none=True, validate=max_length(30), metadata={"description": "Leerlingnummer"})
    email = Text(allow_none=True, validate=max_length(200), metadata={"description": "E-mailadres"})

    @ma.post_load
    def lower_email(self, data, **_kwargs):
        # Stored in lower case: the same address sent twice is no change (upserts stay idempotent).
        if data.get("email"):
            data["email"] = data["email"].strip().lower()
        return data


class ParticipantSchema(Schema):
    id = fields.String(required=True)
    first_name = fields.String(required=True)
    infix = fields.String(allow_none=True)
    last_name = fields.String(required=True)
    full_name = fields.String(required=True)
    birth_date = fields.Date(allow_none=True)
    birth_place = fields.String(allow_none=True)
    group = fields.String(allow_none=True)
    student_number = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    archived = fields.Boolean(required=True, metadata={"description": "In het archief"})
    archived_at = UtcDateTime(allow_none=True)
    version = fields.Integer(required=True, metadata={"description": "Versie; stuur die mee in If-Match"})
    created_at = UtcDateTime(allow_none=True)
    changed_at = UtcDateTime(allow_none=True)


class ParticipantListArgs(Schema):
    archived = fields.Boolean(
        metadata={"description": "true: alleen het archief; false: alleen actueel; weglaten: beide"}
    )
    group = Text(validate=max_length(100), metadata={"description": "Groep (hoofdletters en accenten tellen niet)"})
    changed_since = UtcDateTime(metadata={"description": "Alleen deelnemers die sinds dit tijdstip zijn gewijzigd"})
    cursor = Text(validate=max_length(40), metadata={"description": "next_cursor van de vorige pagina"})
    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=200, error="Kies een limit van 1 tot en met 200."),
        metadata={"description": "Aantal per pagina (1-200)"},
    )


class ParticipantPageSchema(Schema):
    items = fields.List(fields.Nested(ParticipantSchema), required=True)
    next_cursor = fields.String(
        allow_none=True, required=True, metadata={"description": "Cursor voor de volgende pagina; null: klaar"}
    )


MAX_BULK = 500


class BulkInSchema(Schema):
    items = fields.List(
        Lenient(ParticipantInSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_BULK, error=f"Stuur 1 tot en met {MAX_BULK} deelnemers."),
        metadata={"description": f"Hoogstens {MAX_BULK}; met leerlingnummer: bijwerken als die al bestaat"},
    )


class BulkResultSchema(Schema):
    index = fields.Integer(required=True, metadata={"description": "Plaats in de lijst (vanaf 0)"})
    status = fields.Integer(required=True, metadata={"description": "HTTP-status van dit item"})
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(["created", "updated", "unchanged", "error"]),
        metadata={"description": "created, updated, unchanged of error"},
    )
    id = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    title = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)
    errors = fields.Dict(allow_none=True)


class BulkOutSchema(Schema):
    results = fields.List(fields.Nested(BulkResultSchema), required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    failed = fields.Integer(required=True)


class GuidanceSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "concept of final"})
    status_label = fields.String(required=True)
    qualifications = fields.List(fields.String(), required=True, metadata={"description": "Crebo's"})
    created_at = UtcDateTime(allow_none=True)
    finalized_at = UtcDateTime(allow_none=True)


class StatementSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "concept of final"})
    status_label = fields.String(required=True)
    number = fields.String(allow_none=True, metadata={"description": "Nummer (alleen definitief)"})
    verification_code = fields.String(allow_none=True)
    education_form = fields.String(allow_none=True)
    bpv_hours = fields.Integer(allow_none=True)
    qualifications = fields.List(fields.String(), required=True)
    created_at = UtcDateTime(allow_none=True)
    finalized_at = UtcDateTime(allow_none=True)
    pdf_sha256 = fields.String(allow_none=True, metadata={"description": "SHA-256 van de PDF (de ETag)"})
    pdf_url = fields.String(allow_none=True)


# --- registry -----------------------------------------------------------------------------------------------------


class CompanySearchArgs(Schema):
    q = Text(validate=max_length(200), metadata={"description": "Naam (begin van een woord) of leerbedrijf-ID"})
    plaats = Text(validate=max_length(100), metadata={"description": "Plaats (begin)"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000, error="Pagina 1 tot en met 1000."))
    page_size = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=100, error="Kies 1 tot en met 100 per pagina.")
    )


class AccreditationSchema(Schema):
    crebo = fields.String(required=True)
    start = fields.Date(allow_none=True)
    end = fields.Date(allow_none=True)


class CompanySchema(Schema):
    company_id = fields.String(required=True, metadata={"description": "Leerbedrijf-ID (9 cijfers)"})
    name = fields.String(required=True)
    address = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    accreditations = fields.List(fields.Nested(AccreditationSchema), required=True)


class CompanyPageSchema(Schema):
    items = fields.List(fields.Nested(CompanySchema), required=True)
    total = fields.Integer(required=True)
    capped = fields.Boolean(required=True, metadata={"description": "true: meer dan total gevonden"})
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    page_size = fields.Integer(required=True)


class WorkProcessSchema(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    behaviour = fields.List(fields.String(), required=True)
    part = fields.String(allow_none=True)


class CoreTaskSchema(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    part = fields.String(allow_none=True)
    work_processes = fields.List(fields.Nested(WorkProcessSchema), required=True)


class QualificationArgs(Schema):
    version = Text(validate=max_length(40), metadata={"description": "Versie van het dossier (weglaten: nieuwste)"})


class QualificationSchema(Schema):
    crebo = fields.String(required=True)
    title = fields.String(required=True)
    level = fields.Integer(allow_none=True)
    version = fields.String(allow_none=True)
    dossier_crebo = fields.String(allow_none=True)
    dossier_title = fields.String(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    end_intake = fields.Date(allow_none=True)
    end_training = fields.Date(allow_none=True)
    superseded = fields.Boolean(required=True)
    core_tasks = fields.List(fields.Nested(CoreTaskSchema), required=True)


class VerificationSchema(Schema):
    number = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "valid of withdrawn"})
    status_label = fields.String(required=True)
    issued_at = UtcDateTime(allow_none=True)
    institution_name = fields.String(allow_none=True)
    withdrawn_at = UtcDateTime(allow_none=True)
    withdrawal_reason = fields.String(allow_none=True)
    participant_name = fields.String(allow_none=True)
    company_name = fields.String(allow_none=True)
    company_city = fields.String(allow_none=True)
    education_form_label = fields.String(allow_none=True)
    bpv_hours = fields.Integer(allow_none=True)


def utc(value):
    """A naive stored UTC time as an aware one (for headers)."""
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value
