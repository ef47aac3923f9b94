"""Erkende leerbedrijven, their accreditations and praktijkopleiders, accreditation requests and placements."""

import re

from mongoengine import (
    CASCADE,
    DENY,
    NULLIFY,
    BinaryField,
    DateField,
    DateTimeField,
    Document,
    EmailField,
    EmbeddedDocument,
    EmbeddedDocumentField,
    IntField,
    ListField,
    ObjectIdField,
    ReferenceField,
    StringField,
    ValidationError,
)

from core.clock import local_today, utcnow
from core.text import fold, tidy, word_tokens
from documents.constants import (
    OPEN_REQUEST_STATUSES,
    REQUEST_KINDS,
    REQUEST_STATUSES,
    REVIEW_STATUSES,
    TRAINER_SOURCES,
    label,
)
from documents.files import StoredBytes, owns_files
from documents.institutions import Institution
from documents.participants import Participant
from documents.printed import refuse_hidden_characters
from documents.users import User

COMPANY_ID_RE = re.compile(r"^[0-9]{9}$")
CREBO_RE = re.compile(r"^[0-9]{5}$")
POSTCODE_RE = re.compile(r"^[1-9][0-9]{3} ?[A-Za-z]{2}$")
MAX_LOGO_BYTES = 1024 * 1024

# Words too common to search on by themselves (a prefix query on them would match half the registry).
SEARCH_STOP_WORDS = frozenset(
    {
        "b.v.",
        "bv",
        "b.v",
        "v.o.f.",
        "vof",
        "de",
        "het",
        "een",
        "en",
        "van",
        "der",
        "den",
        "te",
        "in",
        "op",
        "&",
        "-",
        "n.v.",
        "nv",
    }
)


# Printed or shown text fields and their Dutch labels, for the hidden-character check.
COMPANY_TEXT = {
    "company_id": "Leerbedrijf-ID",
    "name": "Naam",
    "address": "Adres",
    "postcode": "Postcode",
    "city": "Plaats",
    "phone": "Telefoon",
    "email": "E-mailadres",
    "website": "Website",
}
TRAINER_TEXT = {
    "initials": "Voorletters",
    "first_name": "Voornaam",
    "infix": "Tussenvoegsel",
    "last_name": "Achternaam",
    "function": "Functie",
    "email": "E-mailadres",
    "phone": "Telefoon",
}


def search_words(*texts):
    """Folded words of a name for the multikey prefix index (stop words left out)."""
    words = []
    for text in texts:
        for word in fold(text).replace("-", " ").split():
            word = word.strip(".,'\"()")
            if word and word not in SEARCH_STOP_WORDS and word not in words:
                words.append(word)
    return words


class Accreditation(EmbeddedDocument):
    """Erkenning for one kwalificatie (crebo) from `start` up to and including `end` (open when empty)."""

    crebo = StringField(required=True, max_length=5, verbose_name="Crebo")
    start = DateField(required=True, verbose_name="Erkend vanaf")
    end = DateField(verbose_name="Erkend tot en met")

    def is_valid_on(self, on_date):
        return self.start <= on_date and (self.end is None or on_date <= self.end)

    def validate(self, clean=True):
        self.crebo = (self.crebo or "").strip()
        if not CREBO_RE.match(self.crebo):
            raise ValidationError("Een crebonummer bestaat uit vijf cijfers, bijvoorbeeld 25180.", field_name="crebo")
        if self.start and self.end and self.end < self.start:
            raise ValidationError("De einddatum van de erkenning ligt vóór de begindatum.", field_name="end")
        return super().validate(clean=clean)

    def __str__(self):
        from core.clock import format_date

        until = f" t/m {format_date(self.end)}" if self.end else ""
        return f"{self.crebo} vanaf {format_date(self.start)}{until}"


class Company(Document):
    company_id = StringField(required=True, unique=True, max_length=9, verbose_name="Leerbedrijf-ID")
    name = StringField(required=True, max_length=200, verbose_name="Naam")
    address = StringField(max_length=200, verbose_name="Adres")
    postcode = StringField(max_length=7, verbose_name="Postcode")
    city = StringField(max_length=100, verbose_name="Plaats")
    phone = StringField(max_length=30, verbose_name="Telefoon")
    email = EmailField(max_length=200, verbose_name="E-mailadres")
    website = StringField(max_length=200, verbose_name="Website")
    # The logo's bytes live in a StoredFile (documents.files, shared by every app server); lists never load them.
    logo_file = ObjectIdField()
    logo_size = IntField()
    logo_sha256 = StringField(max_length=64)
    logo_inline = BinaryField(max_bytes=MAX_LOGO_BYTES, db_field="logo")  # written before StoredFile: fallback
    logo_type = StringField(max_length=30)
    logo = StoredBytes("logo")
    accreditations = ListField(EmbeddedDocumentField(Accreditation), verbose_name="Erkenningen")

    # Normalised, indexed search fields (no $text, no collation: same on MongoDB and mongomock).
    search_name = StringField(max_length=200)
    search_words = ListField(StringField(max_length=100))
    search_city = StringField(max_length=100)

    created_at = DateTimeField(default=utcnow, verbose_name="Aangemaakt op")
    changed_at = DateTimeField(verbose_name="Gewijzigd op")

    meta = {
        "collection": "companies",
        "indexes": [
            ("search_name", "company_id"),
            ("search_words", "search_name"),
            ("search_city", "search_name"),
            "accreditations.crebo",
        ],
        "ordering": ["search_name"],
    }

    def clean(self):
        refuse_hidden_characters(self, COMPANY_TEXT)
        self.company_id = re.sub(r"\s", "", self.company_id or "")
        if not COMPANY_ID_RE.match(self.company_id):
            raise ValidationError(
                "Het leerbedrijf-ID bestaat uit precies 9 cijfers (zie stagemarkt.nl).", field_name="company_id"
            )
        self.name = tidy(self.name)
        if not self.name:
            raise ValidationError("Vul de naam van het leerbedrijf in.", field_name="name")
        self.address = tidy(self.address) or None
        self.city = tidy(self.city) or None
        self.phone = tidy(self.phone) or None
        self.website = tidy(self.website) or None
        if self.postcode:
            pc = tidy(self.postcode).upper()
            if not POSTCODE_RE.match(pc):
                raise ValidationError("Vul de postcode in als 1234 AB.", field_name="postcode")
            self.postcode = f"{pc[:4]} {pc[-2:]}"
        else:
            self.postcode = None
        self.search_name = fold(self.name)
        self.search_words = search_words(self.name)
        self.search_city = fold(self.city) or None
        self.changed_at = utcnow()

    def is_accredited_for(self, crebo, on_date=None):
        """Say whether an accreditation for the crebo is valid on the date (today by default)."""
        on_date = on_date or local_today()
        return any(a.crebo == str(crebo) and a.is_valid_on(on_date) for a in self.accreditations)

    def current_accreditations(self, on_date=None):
        on_date = on_date or local_today()
        return [a for a in self.accreditations if a.is_valid_on(on_date)]

    @property
    def is_accredited(self):
        return bool(self.current_accreditations())

    @property
    def has_logo(self):
        return bool(self.logo_type)

    def __str__(self):
        return f"{self.name} ({self.city})" if self.city else self.name


owns_files(Company, "logo")


class ProposedCompany(EmbeddedDocument):
    """Company data a school proposes for accreditation (not yet in the registry)."""

    company_id = StringField(max_length=9, verbose_name="Leerbedrijf-ID (indien bekend)")
    name = StringField(required=True, max_length=200, verbose_name="Naam")
    address = StringField(max_length=200, verbose_name="Adres")
    postcode = StringField(max_length=7, verbose_name="Postcode")
    city = StringField(max_length=100, verbose_name="Plaats")
    phone = StringField(max_length=30, verbose_name="Telefoon")
    email = EmailField(max_length=200, verbose_name="E-mailadres")
    website = StringField(max_length=200, verbose_name="Website")
    contact_name = StringField(max_length=200, verbose_name="Contactpersoon")

    def clean(self):
        refuse_hidden_characters(self, {**COMPANY_TEXT, "contact_name": "Contactpersoon"})

    def __str__(self):
        return f"{self.name} ({self.city})" if self.city else self.name


class RequestNote(EmbeddedDocument):
    at = DateTimeField(default=utcnow)
    by = StringField(max_length=200)
    status = StringField(max_length=20)
    text = StringField(max_length=4000)

    def clean(self):
        refuse_hidden_characters(self, {"text": "Notitie"}, multiline=("text",))

    def __str__(self):
        return self.text or ""


class AccreditationRequest(Document):
    kind = StringField(required=True, choices=REQUEST_KINDS, verbose_name="Soort")
    company = ReferenceField(Company, reverse_delete_rule=NULLIFY, verbose_name="Leerbedrijf")
    proposed = EmbeddedDocumentField(ProposedCompany, verbose_name="Voorgedragen leerbedrijf")
    company_name = StringField(max_length=200, verbose_name="Leerbedrijf")  # denormalised for lists and sorting
    crebos = ListField(StringField(max_length=5), verbose_name="Crebo's")
    motivation = StringField(max_length=4000, verbose_name="Toelichting")
    # The request survives its participant (SBB still follows it up); the school stays for tenancy.
    participant = ReferenceField(Participant, reverse_delete_rule=NULLIFY, verbose_name="Deelnemer")
    participant_name = StringField(max_length=250, verbose_name="Deelnemer")
    institution = ReferenceField(Institution, verbose_name="Onderwijsinstelling")
    requested_by = ReferenceField(User, verbose_name="Aangevraagd door")
    requested_by_email = StringField(max_length=200, verbose_name="Aangevraagd door")
    status = StringField(required=True, default="submitted", choices=REQUEST_STATUSES, verbose_name="Status")
    advisor = ReferenceField(User, verbose_name="Adviseur")
    notes = ListField(EmbeddedDocumentField(RequestNote), verbose_name="Notities")
    created_at = DateTimeField(default=utcnow, verbose_name="Ingediend op")
    changed_at = DateTimeField(verbose_name="Gewijzigd op")
    decided_at = DateTimeField(verbose_name="Besloten op")
    # The advisers' word search: folded words of company, participant, requester's e-mail and the crebos.
    search_tokens = ListField(StringField(max_length=200))

    meta = {
        "collection": "accreditation_requests",
        "indexes": [
            ("status", "created_at"),
            ("institution", "created_at"),
            ("institution", "status", "-created_at"),
            ("participant", "-created_at"),
            "-created_at",
            "kind",
            "company",
            "search_tokens",
        ],
        "ordering": ["-created_at"],
    }

    @property
    def status_label(self):
        return label(REQUEST_STATUSES, self.status)

    @property
    def kind_label(self):
        return label(REQUEST_KINDS, self.kind)

    @property
    def is_open(self):
        return self.status in OPEN_REQUEST_STATUSES

    def clean(self):
        refuse_hidden_characters(self, {"motivation": "Toelichting"}, multiline=("motivation",))
        if self.kind == "new" and not self.proposed and not self.company:
            raise ValidationError("Vul de gegevens van het leerbedrijf in.", field_name="proposed")
        if self.kind == "extend" and not self.company:
            raise ValidationError(
                "Kies het leerbedrijf waarvan de erkenning uitgebreid moet worden.", field_name="company"
            )
        self.crebos = sorted({(c or "").strip() for c in self.crebos if (c or "").strip()})
        if not self.crebos:
            raise ValidationError("Vul ten minste één crebonummer in.", field_name="crebos")
        for crebo in self.crebos:
            if not CREBO_RE.match(crebo):
                raise ValidationError(f"'{crebo}' is geen crebonummer: dat zijn vijf cijfers.", field_name="crebos")
        self.company_name = self.company.name if self.company else self.proposed.name
        self.derive_search_tokens()
        self.changed_at = utcnow()

    def derive_search_tokens(self):
        self.search_tokens = word_tokens(
            self.company_name, self.participant_name, self.requested_by_email, *self.crebos
        )

    def __str__(self):
        return f"{self.kind_label}: {self.company_name} ({', '.join(self.crebos)})"


class Trainer(Document):
    """Praktijkopleider of a company; one added by a school is for its participant only until SBB approves it."""

    company = ReferenceField(Company, reverse_delete_rule=CASCADE, verbose_name="Leerbedrijf")
    # A trainer at a company that is only proposed for accreditation hangs off the request until it is granted.
    request = ReferenceField(AccreditationRequest, reverse_delete_rule=CASCADE, verbose_name="Erkenningsverzoek")
    company_name = StringField(max_length=200, verbose_name="Leerbedrijf")
    initials = StringField(max_length=20, verbose_name="Voorletters")
    first_name = StringField(max_length=100, verbose_name="Voornaam")
    infix = StringField(max_length=30, verbose_name="Tussenvoegsel")
    last_name = StringField(required=True, max_length=100, verbose_name="Achternaam")
    function = StringField(max_length=100, verbose_name="Functie")
    email = EmailField(max_length=200, verbose_name="E-mailadres")
    phone = StringField(max_length=30, verbose_name="Telefoon")
    source = StringField(required=True, default="sbb", choices=TRAINER_SOURCES, verbose_name="Bron")
    participant = ReferenceField(Participant, reverse_delete_rule=CASCADE, verbose_name="Toegevoegd voor deelnemer")
    participant_name = StringField(max_length=250, verbose_name="Deelnemer")
    institution = ReferenceField(Institution, verbose_name="Onderwijsinstelling")
    added_by_email = StringField(max_length=200, verbose_name="Toegevoegd door")
    review_status = StringField(choices=REVIEW_STATUSES, verbose_name="Beoordeling")
    reviewed_by = StringField(max_length=200, verbose_name="Beoordeeld door")
    notes = ListField(EmbeddedDocumentField(RequestNote), verbose_name="Notities")
    sort_name = StringField(max_length=250)
    # The advisers' word search: folded words of the trainer's name, company and participant.
    search_tokens = ListField(StringField(max_length=200))
    created_at = DateTimeField(default=utcnow, verbose_name="Aangemaakt op")
    changed_at = DateTimeField(verbose_name="Gewijzigd op")

    meta = {
        "collection": "trainers",
        "indexes": [
            ("company", "sort_name"),
            "request",
            ("source", "review_status", "created_at"),
            ("source", "-created_at"),
            ("source", "search_tokens"),
            "participant",
        ],
        "ordering": ["sort_name"],
    }

    @property
    def full_name(self):
        given = self.first_name or self.initials
        return " ".join(p for p in (given, self.infix, self.last_name) if p)

    @property
    def is_registered(self):
        """Registered trainers are offered for every participant; others only for the one they were added for."""
        return self.source == "sbb" or self.review_status == "approved"

    @property
    def review_label(self):
        return label(REVIEW_STATUSES, self.review_status)

    def clean(self):
        refuse_hidden_characters(self, TRAINER_TEXT)
        for field in ("initials", "first_name", "infix", "last_name", "function", "phone"):
            setattr(self, field, tidy(getattr(self, field)) or None)
        if not self.last_name:
            raise ValidationError("Vul de achternaam van de praktijkopleider in.", field_name="last_name")
        if not self.first_name and not self.initials:
            raise ValidationError(
                "Vul de voorletters of de voornaam van de praktijkopleider in.", field_name="initials"
            )
        if not self.company and not self.request:
            raise ValidationError("Een praktijkopleider hoort bij een leerbedrijf.", field_name="company")
        if self.source == "school":
            if not self.participant or not self.institution:
                raise ValidationError(
                    "Een door de school toegevoegde praktijkopleider hoort bij een deelnemer.", field_name="participant"
                )
            self.review_status = self.review_status or "open"
        if self.company:
            self.company_name = self.company.name
        elif self.request:
            self.company_name = self.request.company_name
        self.sort_name = fold(f"{self.last_name} {self.first_name or self.initials or ''}")
        self.derive_search_tokens()
        self.changed_at = utcnow()

    def derive_search_tokens(self):
        self.search_tokens = word_tokens(
            self.initials, self.first_name, self.infix, self.last_name, self.company_name, self.participant_name
        )

    def __str__(self):
        return self.full_name


class Placement(Document):
    """A participant at a company (or a company proposed for accreditation) with a trainer; the latest is current."""

    participant = ReferenceField(Participant, required=True, reverse_delete_rule=CASCADE, verbose_name="Deelnemer")
    institution = ReferenceField(Institution, required=True, verbose_name="Onderwijsinstelling")
    company = ReferenceField(Company, reverse_delete_rule=DENY, verbose_name="Leerbedrijf")
    request = ReferenceField(AccreditationRequest, reverse_delete_rule=NULLIFY, verbose_name="Erkenningsverzoek")
    company_name = StringField(max_length=200, verbose_name="Leerbedrijf")
    trainer = ReferenceField(Trainer, reverse_delete_rule=NULLIFY, verbose_name="Praktijkopleider")
    trainer_name = StringField(max_length=250, verbose_name="Praktijkopleider")
    start = DateField(verbose_name="Begindatum")
    end = DateField(verbose_name="Einddatum")
    created_at = DateTimeField(default=utcnow, verbose_name="Aangemaakt op")
    created_by = StringField(max_length=200, verbose_name="Aangemaakt door")
    seq = IntField(default=0)  # tie-breaker for placements made in the same millisecond

    meta = {
        "collection": "placements",
        "indexes": [("participant", "created_at", "seq"), ("institution", "created_at"), "company", "request"],
        "ordering": ["-created_at", "-seq"],
    }

    @property
    def is_pending(self):
        """The company is only proposed: the statement cannot be made final yet."""
        return self.company is None

    def clean(self):
        if not self.company and not self.request:
            raise ValidationError("Kies een leerbedrijf.", field_name="company")
        if self.start and self.end and self.end < self.start:
            raise ValidationError("De einddatum ligt vóór de begindatum.", field_name="end")
        if self.participant:
            self.institution = self.participant.institution
        self.company_name = self.company.name if self.company else (self.request.company_name if self.request else "")
        self.trainer_name = self.trainer.full_name if self.trainer else None

    def __str__(self):
        return f"{self.participant} bij {self.company_name}"
