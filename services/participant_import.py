"""Bulk import of participants from the Excel template: template, preview, all-or-nothing import, undo a batch."""

import functools
import logging
from datetime import timedelta

from bson import ObjectId
from mongoengine.errors import BulkWriteError, NotUniqueError

from core.collector import cycle_collection_paused
from documents.imports import ImportBatch
from documents.participants import Participant, identity_key
from services import audit, spreadsheet
from services import participants as svc
from services.clock import format_number, utcnow
from services.errors import NotFound, NotPermitted
from services.ids import parse_object_id
from services.permissions import can, scope

log = logging.getLogger(__name__)

KIND = "participants"
SHEET = "Deelnemers"
UNDO_WINDOW = timedelta(days=1)
MAX_ROWS = spreadsheet.DEFAULT_MAX_ROWS
MAX_BYTES = spreadsheet.DEFAULT_MAX_BYTES

STATUS_NEW = "nieuw"
STATUS_EXISTS = "bestaat al"
STATUS_ERROR = "fout"

COLUMNS = (
    spreadsheet.Column(
        "first_name",
        "Voornaam",
        required=True,
        max_length=100,
        width=18,
        help="Zoals op de praktijkverklaring moet komen, bijvoorbeeld Zoë.",
    ),
    spreadsheet.Column("infix", "Tussenvoegsel", max_length=30, width=14, help="Bijvoorbeeld: de, van der."),
    spreadsheet.Column(
        "last_name",
        "Achternaam",
        required=True,
        max_length=100,
        width=22,
        help="Zonder tussenvoegsel, bijvoorbeeld Vries.",
    ),
    spreadsheet.Column(
        "birth_date",
        "Geboortedatum",
        required=True,
        kind="date",
        width=16,
        help="Als datum (dd-mm-jjjj), bijvoorbeeld 14-03-2007.",
    ),
    spreadsheet.Column("birth_place", "Geboorteplaats", max_length=100, width=18),
    spreadsheet.Column("group", "Groep", max_length=100, width=18, help="Bijvoorbeeld klas, cohort of begeleider."),
    spreadsheet.Column("student_number", "Leerlingnummer", max_length=30, width=16, help="Niet verplicht."),
    spreadsheet.Column("email", "E-mailadres", kind="email", max_length=200, width=26, help="Niet verplicht."),
)
HEADERS = {c.key: c.header for c in COLUMNS}

INSTRUCTIONS = (
    "Deelnemers importeren in het Praktijkloket",
    "1. Vul op het werkblad 'Deelnemers' één deelnemer per rij in, vanaf rij 2. Verander de kolomnamen in rij 1 niet.",
    "2. Kolommen met een * zijn verplicht: Voornaam, Achternaam en Geboortedatum.",
    "3. Vul de geboortedatum in als datum: dd-mm-jjjj, bijvoorbeeld 14-03-2007.",
    "4. Zet het tussenvoegsel in de eigen kolom: Voornaam 'Jan', Tussenvoegsel 'de', Achternaam 'Vries'.",
    "5. Bij 'Groep' vult u bijvoorbeeld de klas, het cohort of de begeleider in.",
    "6. Controleer de gegevens zorgvuldig: zij worden vermeld op de praktijkverklaring.",
    f"7. Maximaal {format_number(MAX_ROWS)} deelnemers en {MAX_BYTES // (1024 * 1024)} MB per bestand.",
    "8. Sla het bestand op als Excel-werkmap (.xlsx) en upload het via 'Bulk import' in het deelnemersoverzicht.",
    "9. U ziet eerst een voorbeeld van elke rij; alleen de rijen die u aanvinkt worden geïmporteerd.",
    "10. Een deelnemer die al bestaat (zelfde naam en geboortedatum) wordt niet nog eens toegevoegd.",
)


class ImportError_(ValueError):
    """A Dutch message about an import that cannot go ahead; nothing was written."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _require(user):
    if not can(user, "edit_participants"):
        raise NotPermitted()
    if getattr(user, "institution", None) is None:
        raise ImportError_("Alleen een medewerker van een onderwijsinstelling kan deelnemers importeren.")


@functools.lru_cache(maxsize=1)
def template_bytes():
    """The Excel template: sheet 'Deelnemers' with the columns, and a sheet with instructions."""
    return spreadsheet.build_template(COLUMNS, sheet_title=SHEET, instructions=INSTRUCTIONS)


def _identity(values, institution=None):
    """The identity a row would get (the document's rule); None while the row lacks a name or date."""
    return identity_key(
        institution or "-",
        values.get("first_name"),
        values.get("infix"),
        values.get("last_name"),
        values.get("birth_date"),
    )


def _existing_identities(institution, rows):
    """The identities among these rows that the school already has: one query per thousand rows."""
    return _existing_keys({_identity(r.values, institution) for r in rows})


def _existing_keys(keys):
    """Those of these identity keys that a participant already has: one query per thousand keys."""
    keys = sorted(k for k in keys if k)
    found = set()
    for start in range(0, len(keys), 1000):
        found.update(Participant.objects(identity_key__in=keys[start : start + 1000]).distinct("identity_key"))
    return found


def preview(user, upload, file_name=None):
    """Read and check an uploaded file; stage every row with its state; return the StagedUpload."""
    _require(user)
    with cycle_collection_paused():
        return _preview(user, upload, file_name)


def _preview(user, upload, file_name):
    rows = spreadsheet.read_upload(
        upload, COLUMNS, file_name=file_name, sheet_name=SHEET, max_rows=MAX_ROWS, max_bytes=MAX_BYTES
    )
    institution = user.institution
    # The identity of every valid row, worked out once (folding names is the costly part of a preview).
    identities = {}
    for row in rows:
        if row.errors:
            continue
        try:
            row.values = svc.clean_values(row.values)
        except svc.ParticipantError as exc:
            row.errors.extend((HEADERS.get(f, ""), m) for f, m in exc.errors.items())
            continue
        identities[row.number] = _identity(row.values, institution)
    of_values = {id(r.values): identities[r.number] for r in rows if not r.errors}
    spreadsheet.mark_duplicates(
        [r for r in rows if not r.errors],
        lambda values: of_values[id(values)],
        "Deze deelnemer staat al eerder in het bestand (rij {row}).",
    )
    existing = _existing_keys(identities[r.number] for r in rows if not r.errors)
    staged_rows = []
    for row in rows:
        if row.errors:
            status = STATUS_ERROR
        elif identities[row.number] in existing:
            status = STATUS_EXISTS
        else:
            status = STATUS_NEW
        staged_rows.append(
            {"row": row.number, "values": row.values, "errors": [list(e) for e in row.errors], "status": status}
        )
    return spreadsheet.stage(
        KIND, user, file_name or getattr(upload, "filename", None), staged_rows, institution=institution
    )


def load(user, token):
    """The staged preview of this user, or 404 when it expired or is someone else's."""
    staged = spreadsheet.load_staged(KIND, user, token)
    if staged is None:
        raise NotFound()
    return staged


def import_rows(user, token, selected_rows):
    """Import exactly the ticked new rows, all or nothing, as one batch; return the ImportBatch."""
    _require(user)
    staged = spreadsheet.load_staged(KIND, user, token)
    if staged is None:
        raise ImportError_("Deze upload is verlopen of al geïmporteerd. Upload het bestand opnieuw.")
    wanted = set()
    for value in selected_rows or ():
        try:
            wanted.add(int(value))
        except (TypeError, ValueError):
            continue
    chosen = [r for r in staged.rows if r["row"] in wanted]
    if not chosen:
        raise ImportError_("Vink ten minste één deelnemer aan om te importeren.")
    refused = [r["row"] for r in chosen if r.get("status") != STATUS_NEW]
    if refused:
        raise ImportError_(
            "Alleen nieuwe deelnemers zonder fouten kunnen worden geïmporteerd; controleer rij "
            + ", ".join(str(n) for n in refused[:10])
            + ". Er is niets geïmporteerd."
        )
    institution = user.institution
    # Check again: a colleague may have added one of them since the preview.
    parsed = [spreadsheet.ParsedRow(r["row"], r["values"], []) for r in chosen]
    existing = _existing_identities(institution, parsed)
    clash = [r.number for r in parsed if _identity(r.values, institution) in existing]
    if clash:
        raise ImportError_(_lost_race_message(clash))
    now = utcnow()
    author = user.name or user.email
    docs = []
    for row in parsed:
        doc = Participant(
            id=ObjectId(), **row.values, institution=institution, created_by=author, created_at=now, version=1
        )
        doc.validate()
        docs.append(doc)
    # Ids up front: the audit event, the batch and the participants all name each other before any is written.
    batch = ImportBatch(
        id=ObjectId(),
        kind=KIND,
        institution=institution,
        created_by=user,
        created_by_name=author,
        created_at=now,
        file_name=staged.file_name,
        count=len(docs),
        object_ids=[d.id for d in docs],
    )
    for doc in docs:
        doc.import_batch = str(batch.id)
    noun = "deelnemer" if len(docs) == 1 else "deelnemers"
    # Order of writes: audit event, batch, participants. A failure at any of them takes back what came before
    # (audit.recorded removes the event), so the log, the batch list and the participants always agree.
    with audit.recorded(
        "import",
        batch,
        user=user,
        institution=institution,
        object_type="ImportBatch",
        label=f"{len(docs)} {noun} uit {staged.file_name or 'bestand'}",
        changes={"bestand": staged.file_name, "aantal": len(docs)},
    ):
        batch.save(force_insert=True)
        try:
            Participant.objects.insert(docs, load_bulk=False)
        except BaseException as exc:
            # All or nothing: take back whatever part of the batch got written.
            Participant.objects(import_batch=str(batch.id)).delete()
            batch.delete()
            if isinstance(exc, (NotUniqueError, BulkWriteError)):
                # A colleague (or a second click) imported some of the same people at the same moment; the
                # unique identity index let only one of them through. Name the rows that lost.
                now_there = _existing_identities(institution, parsed)
                lost = [r.number for r in parsed if _identity(r.values, institution) in now_there]
                if lost:
                    raise ImportError_(_lost_race_message(lost)) from None
            raise
    svc.forget_groups()  # a bulk insert sends no save signals
    try:
        spreadsheet.discard_staged(staged)
    except Exception:  # noqa: BLE001 - the import stands; the preview expires by itself, a repeat is refused
        log.warning("Voorbeeld %s na de import niet verwijderd", staged.pk, exc_info=True)
    return batch


def _lost_race_message(rows):
    listed = ", ".join(str(n) for n in rows[:10]) + (" en meer" if len(rows) > 10 else "")
    return (
        f"{'Rij' if len(rows) == 1 else 'Rijen'} {listed} "
        f"{'bestaat' if len(rows) == 1 else 'bestaan'} intussen al: een collega heeft "
        f"{'deze deelnemer' if len(rows) == 1 else 'deze deelnemers'} net toegevoegd. Er is niets geïmporteerd. "
        "Upload het bestand opnieuw."
    )


def batches_for(user, limit=10):
    """The recent participant import batches the user may see."""
    return list(scope(ImportBatch.objects(kind=KIND), user).order_by("-created_at")[:limit])


def may_undo(batch, now=None):
    """Say whether the batch is still inside the undo window and not undone yet."""
    now = now or utcnow()
    return batch.undone_at is None and batch.created_at > now - UNDO_WINDOW


def undo_batch(user, batch_id):
    """Delete every participant of the batch, within a day and only while none has documents; return count."""
    _require(user)
    oid = parse_object_id(batch_id)
    batch = scope(ImportBatch.objects(pk=oid, kind=KIND), user).first() if oid else None
    if batch is None:
        raise NotFound()
    if batch.undone_at is not None:
        raise ImportError_("Deze import is al ongedaan gemaakt.")
    if not may_undo(batch):
        raise ImportError_(
            "Een import kan alleen binnen een dag ongedaan worden gemaakt. Verwijder de deelnemers "
            "zo nodig afzonderlijk."
        )
    participants = list(Participant.objects(import_batch=str(batch.pk)))
    busy = [p.full_name for p in participants if any(count for _desc, count in svc.dependents(p))]
    if busy:
        raise ImportError_(
            "Deze import kan niet meer ongedaan worden gemaakt: er zijn al documenten gemaakt voor "
            + ", ".join(busy[:5])
            + (" en anderen" if len(busy) > 5 else "")
            + ". Er is niets verwijderd."
        )
    count = len(participants)
    # Audit event first, then the claim, then the delete; a failure takes back the claim and the event.
    with audit.recorded(
        "import_undone",
        batch,
        user=user,
        institution=batch.institution,
        object_type="ImportBatch",
        label=f"{count} {'deelnemer' if count == 1 else 'deelnemers'} uit {batch.file_name or 'bestand'}",
        changes={"aantal": count},
    ):
        claimed = ImportBatch.objects(pk=batch.pk, undone_at=None).update_one(
            set__undone_at=utcnow(), set__undone_by_name=user.name or user.email
        )
        if not claimed:
            raise ImportError_("Deze import is al ongedaan gemaakt.")
        try:
            removed = Participant.objects(import_batch=str(batch.pk)).delete()
        except BaseException:
            ImportBatch.objects(pk=batch.pk).update_one(unset__undone_at=True, unset__undone_by_name=True)
            raise
    return removed
