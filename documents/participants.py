"""Deelnemer: the learner a school registers (only what the praktijkverklaring needs)."""

from mongoengine import (
    DateField,
    DateTimeField,
    DictField,
    Document,
    EmailField,
    IntField,
    ListField,
    QuerySet,
    ReferenceField,
    StringField,
    ValidationError,
)

from core.clock import local_today, utcnow
from core.text import fold, hidden_character_errors, tidy
from documents.institutions import Institution
from documents.printed import refuse_hidden_characters

# A learner in praktijkonderwijs or vso is at least about twelve; ten leaves room for typing the year right.
MIN_AGE = 10


def birth_date_problem(value):
    """Return a Dutch message when a date of birth is not plausible, else None."""
    if not value:
        return None
    today = local_today()
    if value >= today:
        return "De geboortedatum moet in het verleden liggen."
    if value.year > today.year - MIN_AGE:
        return f"Deze geboortedatum is niet aannemelijk: een deelnemer is minstens {MIN_AGE} jaar oud."
    if value.year < today.year - 100:
        return "Deze geboortedatum is niet aannemelijk: controleer het jaar."
    return None


# The fields printed on statements and documents, with their Dutch labels (for the hidden-character check).
PRINTED_FIELDS = {
    "first_name": "Voornaam",
    "infix": "Tussenvoegsel",
    "last_name": "Achternaam",
    "birth_place": "Geboorteplaats",
    "group": "Groep",
    "student_number": "Leerlingnummer",
    "email": "E-mailadres",
}


def printed_text_errors(values):
    """Return {field: Dutch message} for printed fields holding invisible or direction-changing characters."""
    return hidden_character_errors(values, PRINTED_FIELDS)


def identity_key(institution, first_name, infix, last_name, birth_date):
    """The school's identity of a person: folded names and date of birth (unique per school), or None."""
    if not institution or not first_name or not last_name or not birth_date:
        return None
    school = getattr(institution, "pk", None) or getattr(institution, "id", None) or institution
    first = fold(first_name)
    last = fold(f"{infix or ''} {last_name}")
    if not first or not last:
        return None
    return f"{school}|{first}|{last}|{birth_date:%Y-%m-%d}"


class ParticipantQuerySet(QuerySet):
    def active(self):
        return self.filter(archived_at=None)

    def archived(self):
        return self.filter(archived_at__ne=None)

    def same_person(self, institution, first_name, infix, last_name, birth_date):
        """Participants of this school with the same name and date of birth (archived ones included)."""
        key = identity_key(institution, first_name, infix, last_name, birth_date)
        return self.filter(identity_key=key) if key else self.none()


class Participant(Document):
    first_name = StringField(required=True, max_length=100, verbose_name="Voornaam")
    infix = StringField(max_length=30, verbose_name="Tussenvoegsel")
    last_name = StringField(required=True, max_length=100, verbose_name="Achternaam")
    birth_date = DateField(required=True, verbose_name="Geboortedatum")
    birth_place = StringField(max_length=100, verbose_name="Geboorteplaats")
    group = StringField(max_length=100, verbose_name="Groep")
    student_number = StringField(max_length=30, verbose_name="Leerlingnummer")
    email = EmailField(max_length=200, verbose_name="E-mailadres")

    institution = ReferenceField(Institution, required=True, verbose_name="Onderwijsinstelling")
    # Denormalised for sorting and accent/case-insensitive search (indexed; works without $text).
    sort_name = StringField(max_length=250)
    search_first = StringField(max_length=100)
    search_last = StringField(max_length=140)
    group_key = StringField(max_length=100)
    # Every folded word of first name, infix and last name: "vries" finds "de Vries" (anchored prefix regex).
    search_tokens = ListField(StringField(max_length=100))
    # School, folded names and date of birth in one value with a unique index: the database itself refuses a
    # second participant with the same identity, even when two requests check at the same moment. Left out
    # (sparse index) for anonymised participants, who have no date of birth and must not collide.
    identity_key = StringField(max_length=400)

    created_at = DateTimeField(default=utcnow, verbose_name="Aangemaakt op")
    created_by = StringField(max_length=200, verbose_name="Aangemaakt door")
    changed_at = DateTimeField(verbose_name="Gewijzigd op")
    changed_by = StringField(max_length=200, verbose_name="Gewijzigd door")
    archived_at = DateTimeField(verbose_name="Gearchiveerd op")
    version = IntField(default=1, min_value=1)
    import_batch = StringField(max_length=40)
    # What the deelnemersoverzicht shows of the other steps (current company, latest guidance document and
    # statement status), kept up to date by services.participant_overview, so a page of the list is one query.
    overview = DictField()

    meta = {
        "collection": "participants",
        "queryset_class": ParticipantQuerySet,
        "indexes": [
            # Every sort and filter of the deelnemersoverzicht (equality, then sort, then range); SBB without school.
            # Each sort ends in sort_name, id: the list's total order, which its keyset paging walks from a cursor.
            ("institution", "archived_at", "sort_name", "id"),
            ("institution", "archived_at", "birth_date", "sort_name", "id"),
            ("institution", "archived_at", "group_key", "sort_name", "id"),
            ("institution", "archived_at", "group_key", "birth_date", "sort_name", "id"),
            ("institution", "archived_at", "created_at", "sort_name", "id"),
            ("institution", "archived_at", "sort_name", "id", "search_tokens"),
            ("institution", "sort_name", "id", "archived_at"),
            ("archived_at", "sort_name", "id", "search_tokens"),
            ("archived_at", "birth_date", "sort_name", "id"),
            ("archived_at", "group_key", "sort_name", "id"),
            ("archived_at", "group_key", "birth_date", "sort_name", "id"),
            ("archived_at", "created_at", "sort_name", "id"),
            ("sort_name", "id", "archived_at"),
            ("institution", "search_last"),
            ("institution", "search_first"),
            ("institution", "group_key"),
            ("institution", "search_tokens"),
            {"fields": ["identity_key"], "unique": True, "sparse": True},
            ("institution", "student_number"),  # the API's upsert by leerlingnummer
            "import_batch",
        ],
    }

    @property
    def full_name(self):
        """Voornaam tussenvoegsel Achternaam, as printed on the statement."""
        return " ".join(p for p in (self.first_name, self.infix, self.last_name) if p)

    @property
    def is_archived(self):
        return self.archived_at is not None

    def clean(self):
        self.first_name = tidy(self.first_name)
        self.infix = tidy(self.infix) or None
        self.last_name = tidy(self.last_name)
        self.birth_place = tidy(self.birth_place) or None
        self.group = tidy(self.group) or None
        refuse_hidden_characters(self, PRINTED_FIELDS)
        problem = birth_date_problem(self.birth_date)
        if problem:
            raise ValidationError(problem, field_name="birth_date")
        self.sort_name = fold(f"{self.last_name}, {self.first_name} {self.infix or ''}")
        self.search_first = fold(self.first_name)
        # "de Vries" is found as "de vries" and as "vries".
        self.search_last = fold(f"{self.infix or ''} {self.last_name}")
        self.group_key = fold(self.group) or None
        self.student_number = tidy(self.student_number) or None
        self.email = (self.email or "").strip().lower() or None
        self.search_tokens = sorted(set(fold(f"{self.first_name} {self.infix or ''} {self.last_name}").split()))
        # The raw reference: no need to load the school for its id.
        self.identity_key = identity_key(
            self._data.get("institution"), self.first_name, self.infix, self.last_name, self.birth_date
        )

    def __str__(self):
        return self.full_name
