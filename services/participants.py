"""Deelnemers: create, edit (optimistic locking), duplicate check, archive/restore, delete, and the overview query.

Every state change checks the capability and the school (tenancy), changes atomically and writes an audit event.
"""

import re
import time
from datetime import date

from bson import ObjectId
from mongoengine import Q, signals
from mongoengine.errors import NotUniqueError

from core.text import counted, fold, hidden_character, tidy
from documents.participants import (
    PRINTED_FIELDS,
    Participant,
    birth_date_problem,
    printed_text_errors,
)
from services import audit
from services.clock import format_datetime, utcnow
from services.errors import NotFound, NotPermitted
from services.ids import parse_object_id
from services.permissions import can, check_institution, scope, sees_all_institutions

# The fields a user edits, in form order, with their Dutch labels.
EDITABLE_FIELDS = (
    ("first_name", "Voornaam"),
    ("infix", "Tussenvoegsel"),
    ("last_name", "Achternaam"),
    ("birth_date", "Geboortedatum"),
    ("birth_place", "Geboorteplaats"),
    ("group", "Groep"),
    ("student_number", "Leerlingnummer"),
    ("email", "E-mailadres"),
)
FIELD_LABELS = dict(EDITABLE_FIELDS)
REQUIRED_FIELDS = ("first_name", "last_name", "birth_date")
MAX_LENGTHS = {
    "first_name": 100,
    "infix": 30,
    "last_name": 100,
    "birth_place": 100,
    "group": 100,
    "student_number": 30,
    "email": 200,
}

# Overview sort keys (query parameter -> indexed field).
SORTS = {
    "naam": "sort_name",
    "geboortedatum": "birth_date",
    "groep": "group_key",
    "toegevoegd": "created_at",
}
TABS = ("actueel", "archief")


class ParticipantError(ValueError):
    """A Dutch message (and per-field messages) for a participant change that cannot go ahead."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class DuplicateParticipantError(ParticipantError):
    """The school already has a participant with this name and date of birth."""

    def __init__(self, existing):
        where = " (in het archief)" if existing.is_archived else ""
        super().__init__(
            f"Deze deelnemer bestaat al{where}: {existing.full_name}, geboren op "
            f"{existing.birth_date:%d-%m-%Y}. Ga verder met de bestaande deelnemer."
        )
        self.existing = existing


class StaleParticipantError(ParticipantError):
    """Someone saved the participant after the form was opened: nothing is overwritten."""

    def __init__(self, current):
        who = current.changed_by or "een collega"
        when = format_datetime(current.changed_at) if current.changed_at else "zojuist"
        super().__init__(
            f"{who} heeft deze deelnemer op {when} gewijzigd nadat u het formulier opende. "
            "Uw wijzigingen zijn niet opgeslagen: bekijk de nieuwe gegevens en voer uw wijziging opnieuw in."
        )
        self.current = current


def _user_label(user):
    return getattr(user, "name", None) or getattr(user, "email", None) or "onbekend"


def _require_edit(user):
    if not can(user, "edit_participants"):
        raise NotPermitted()


def get_participant_for(user, participant_id):
    """Return the participant the user may see; NotFound for a bad id, an unknown one or another school's."""
    oid = parse_object_id(participant_id)
    if oid is None:
        raise NotFound()
    participant = scope(Participant.objects(pk=oid), user).first()
    if participant is None:
        raise NotFound()
    check_institution(user, participant.institution)
    return participant


# Worked out once: clean_values runs for every row of an import (5,000 in a preview).
_FIELD_NAMES = tuple(field for field, _label in EDITABLE_FIELDS)
_REQUIRED_MESSAGES = {field: f"Vul {FIELD_LABELS[field].lower()} in." for field in REQUIRED_FIELDS}
_TOO_LONG = {
    field: (limit, f"{FIELD_LABELS[field]} is te lang (maximaal {limit} tekens).")
    for field, limit in MAX_LENGTHS.items()
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def clean_values(data):
    """Tidy form or import values and check them; return the values or raise ParticipantError (Dutch)."""
    values = {}
    errors = {}
    get = data.get
    for field in _FIELD_NAMES:
        raw = get(field)
        if field == "birth_date":
            # A date, or the text typed (a form's blank field: not given); parsed below with the Dutch message.
            values[field] = (raw.strip() or None) if isinstance(raw, str) else raw
        elif isinstance(raw, str):
            values[field] = tidy(raw) or None
        else:
            values[field] = tidy(str(raw) if raw is not None else "") or None
    for field, message in _REQUIRED_MESSAGES.items():
        if not values.get(field):
            errors[field] = message
    for field, (limit, message) in _TOO_LONG.items():
        value = values.get(field)
        if value and len(value) > limit:
            errors[field] = message
    birth_date = values.get("birth_date")
    if birth_date is not None and not isinstance(birth_date, date):
        from services.spreadsheet import parse_date  # the one date parser, with its Dutch messages

        try:
            values["birth_date"] = birth_date = parse_date(birth_date)
        except ValueError as exc:
            errors["birth_date"] = f"Geboortedatum: {exc}."
    # The printed fields checked at once (a space between them is visible in every field); only a row that holds
    # a hidden character somewhere is checked field by field, for the messages.
    printed = " ".join(v for v in map(values.get, PRINTED_FIELDS) if isinstance(v, str))
    if hidden_character(printed):
        for field, message in printed_text_errors(values).items():
            errors.setdefault(field, message)
    email = values.get("email")
    if email and not _EMAIL.fullmatch(email):
        errors["email"] = "Dit is geen geldig e-mailadres."
    if not errors:
        # The document's own rule, checked without building a document (the import checks thousands of rows).
        problem = birth_date_problem(values["birth_date"])
        if problem:
            errors["birth_date"] = problem
    if errors:
        raise ParticipantError("Controleer de gemarkeerde velden.", errors)
    return values


def find_duplicate(institution, values, exclude_id=None):
    """Return an existing participant of the school with this name and date of birth, or None."""
    query = Participant.objects.same_person(
        institution, values["first_name"], values.get("infix"), values["last_name"], values["birth_date"]
    )
    if exclude_id is not None:
        query = query.filter(pk__ne=exclude_id)
    return query.first()


def create_participant(user, data, *, import_batch=None):
    """Register a participant for the user's own school; refuse duplicates."""
    _require_edit(user)
    institution = getattr(user, "institution", None)
    if institution is None:
        raise ParticipantError("Alleen een medewerker van een onderwijsinstelling kan deelnemers toevoegen.")
    values = clean_values(data)
    existing = find_duplicate(institution, values)
    if existing is not None:
        raise DuplicateParticipantError(existing)
    # The id up front: the audit event names the participant before it is written.
    participant = Participant(
        id=ObjectId(),
        **values,
        institution=institution,
        created_by=_user_label(user),
        created_at=utcnow(),
        version=1,
        import_batch=import_batch,
    )
    if import_batch is not None:
        _insert(participant, institution, values)
        return participant
    with audit.recorded("create", participant, user=user, institution=institution):
        _insert(participant, institution, values)
    return participant


def _insert(participant, institution, values):
    """Write a new participant; a colleague who saved the same person a moment earlier wins (unique index)."""
    try:
        participant.save(force_insert=True)
    except NotUniqueError:
        _raise_lost_race(institution, values)


def _raise_lost_race(institution, values, exclude_id=None):
    existing = find_duplicate(institution, values, exclude_id=exclude_id)
    if existing is not None:
        raise DuplicateParticipantError(existing) from None
    # The other one is gone again (deleted in between): nothing was saved, so saying so is honest.
    raise ParticipantError(
        "Er werd tegelijk een deelnemer met deze naam en geboortedatum opgeslagen. "
        "Er is niets opgeslagen; probeer het opnieuw."
    ) from None


def update_participant(user, participant, data, expected_version):
    """Save changed data when nobody changed the participant since `expected_version`; otherwise refuse."""
    _require_edit(user)
    check_institution(user, participant.institution)
    values = clean_values(data)
    try:
        expected_version = int(expected_version)
    except (TypeError, ValueError):
        expected_version = -1
    if expected_version != participant.version:
        participant.reload()
        raise StaleParticipantError(participant)
    existing = find_duplicate(participant.institution, values, exclude_id=participant.pk)
    if existing is not None:
        raise DuplicateParticipantError(existing)
    changes = {f: [getattr(participant, f), v] for f, v in values.items() if getattr(participant, f) != v}
    if not changes:
        return participant
    # Run the document's normalisation on a copy so the derived search fields are computed the same way.
    probe = Participant(**values, institution=participant._data.get("institution"))
    probe.clean()
    derived = {
        f: getattr(probe, f)
        for f in ("sort_name", "search_first", "search_last", "group_key", "search_tokens", "identity_key")
    }
    updates = {f"set__{k}": v for k, v in {**values, **derived}.items() if v is not None}
    unsets = {f"unset__{k}": True for k, v in {**values, **derived}.items() if v is None}
    # The event is written first and taken back when the update does not happen, so log and data agree.
    new_name = " ".join(values[f] for f in ("first_name", "infix", "last_name") if values.get(f))
    with audit.recorded("update", participant, user=user, changes=changes, label=new_name):
        try:
            saved = participant.modify(
                query={"version": expected_version},
                **updates,
                **unsets,
                set__changed_at=utcnow(),
                set__changed_by=_user_label(user),
                set__version=expected_version + 1,
            )
        except NotUniqueError:
            _raise_lost_race(participant.institution, values, exclude_id=participant.pk)
        if not saved:
            participant.reload()
            raise StaleParticipantError(participant)
    return participant


def _scoped_by_ids(user, ids):
    oids = [oid for oid in (parse_object_id(i) for i in ids) if oid is not None]
    return scope(Participant.objects(pk__in=oids), user)


def _move(user, ids, *, to_archive):
    """Move participants between Actueel and Archief; conditional per participant, so nothing moves twice."""
    _require_edit(user)
    now = utcnow()
    scoped = _scoped_by_ids(user, ids)
    candidates = scoped.active() if to_archive else scoped.archived()
    moved = 0
    for participant in candidates.only("id", "first_name", "infix", "last_name", "institution"):
        try:
            with audit.recorded("archive" if to_archive else "restore", participant, user=user):
                if to_archive:
                    changed = Participant.objects(pk=participant.pk, archived_at=None).update_one(
                        set__archived_at=now, set__changed_at=now, set__changed_by=_user_label(user), inc__version=1
                    )
                else:
                    changed = Participant.objects(pk=participant.pk, archived_at__ne=None).update_one(
                        unset__archived_at=True, set__changed_at=now, set__changed_by=_user_label(user), inc__version=1
                    )
                if not changed:
                    raise _AlreadyMoved  # a colleague moved it first: take the event back
        except _AlreadyMoved:
            continue
        except Exception as exc:
            if not moved:
                raise  # nothing changed: the error page says so
            raise _partly_done(moved, "verplaatst") from exc
        moved += 1
    return moved


class _AlreadyMoved(Exception):
    """Raised inside an audited move that found nothing to move."""


class PartlyDoneError(ParticipantError):
    """A write failed part-way through a list: what is done stands (each with its audit event), the rest not."""


def _partly_done(done, verb):
    """The honest answer when the store failed after `done` participants of a selection were handled."""
    return PartlyDoneError(
        counted("{n} {deelnemer is|deelnemers zijn} ", done)
        + f"{verb}; daarna ging het opslaan mis en zijn de andere niet "
        f"{verb}. Probeer het opnieuw voor de overige deelnemers."
    )


def archive_participants(user, ids):
    """Move the given current participants to the archive; return how many moved."""
    return _move(user, ids, to_archive=True)


def restore_participants(user, ids):
    """Move the given archived participants back to Actueel; return how many moved."""
    return _move(user, ids, to_archive=False)


def dependents(participant):
    """What goes with the participant when it is deleted: [(Dutch description, count)], counts > 0 first."""
    from services import registry

    items, seen = [], set()
    # dict.fromkeys: an area whose register() ran for a second app is asked once.
    for provider in dict.fromkeys(registry.PARTICIPANT_DEPENDENTS):
        for description, count in provider(participant) or []:
            if description not in seen:
                seen.add(description)
                items.append((description, count))
    return items


def delete_participant(user, participant):
    """Delete the participant for good, with everything that hangs off it (the documents cascade); audit it."""
    _require_edit(user)
    check_institution(user, participant.institution)
    gone = dependents(participant)
    label = participant.full_name
    institution = participant.institution
    pk = participant.pk
    with audit.recorded(
        "delete",
        None,
        label=label,
        object_type="Participant",
        user=user,
        institution=institution,
        changes={"id": str(pk), "meeverwijderd": {desc: count for desc, count in gone}},
    ):
        participant.delete()
    return gone


def delete_participants(user, ids):
    """Delete several participants: every id is resolved (and checked) before anything is deleted."""
    chosen = [get_participant_for(user, pid) for pid in ids]
    for done, participant in enumerate(chosen):
        try:
            delete_participant(user, participant)
        except Exception as exc:
            if not done:
                raise  # nothing deleted: the error page says so
            raise _partly_done(done, "verwijderd") from exc
    return [p.full_name for p in chosen]


def search_filter(text):
    """A query matching participants whose first-name/infix/last-name words start with every typed word."""
    words = fold(text).replace(",", " ").split()
    query = Q()
    for word in words[:6]:
        query &= Q(search_tokens=re.compile("^" + re.escape(word)))
    return query


def overview_query(user, *, tab="actueel", q=None, group=None, school=None, sort="naam", descending=False):
    """The overview's queryset: scoped to the user's school, tab, search, group and (for SBB) school filter."""
    query = scope(Participant.objects, user)
    query = query.archived() if tab == "archief" else query.active()
    if school and sees_all_institutions(user):
        oid = parse_object_id(school)
        query = query.filter(institution=oid) if oid else query.none()
    if group:
        query = query.filter(group_key=fold(group))
    if q and fold(q):
        query = query.filter(search_filter(q))
    field = SORTS.get(sort, "sort_name")
    order = [("-" if descending else "+") + field]
    if field != "sort_name":
        order.append("+sort_name")
    return query.order_by(*order)


# The group filter's options, per scope, cached per process for a short while: the list page then needs no
# query for them. Any participant saved or deleted in this process clears the cache; other app servers see a
# new group within GROUPS_CACHE_SECONDS (the filter also accepts typed text).
GROUPS_CACHE_SECONDS = 60
_groups_cache = {}


def forget_groups(*_args, **_kwargs):
    _groups_cache.clear()


def groups_for(user, school=None):
    """The distinct groups in the user's scope, for the group filter (one query, then cached)."""
    query = scope(Participant.objects, user)
    if school and sees_all_institutions(user):
        oid = parse_object_id(school)
        query = query.filter(institution=oid) if oid else query.none()
    key = (str(query._query), school or "")
    hit = _groups_cache.get(key)
    if hit and time.monotonic() - hit[0] < GROUPS_CACHE_SECONDS:
        return hit[1]
    groups = sorted((g for g in query.distinct("group") if g), key=fold)
    _groups_cache[key] = (time.monotonic(), groups)
    return groups


signals.post_save.connect(forget_groups, sender=Participant, weak=False)
signals.post_delete.connect(forget_groups, sender=Participant, weak=False)
