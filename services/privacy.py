"""Privacy (AVG): a participant's data export for a request for inspection, and the retention rule.

Retention: archived participants without a final statement, archived longer ago than RETENTION_YEARS, are
anonymised: names replaced, birth date/place, e-mail and student number cleared, search fields updated, the same
done to the copies of their data in documents and audit labels. Verification records (which hold no personal
data) are left untouched, so every issued statement can still be checked.
"""

import io
import json
import zipfile
from datetime import date, datetime

from bson import ObjectId
from flask import current_app

from core.text import fold
from documents.audit import ACTIONS, AuditEvent
from documents.companies import AccreditationRequest, Placement, Trainer
from documents.constants import label
from documents.guidance import FilledCopy, GuidanceDocument
from documents.participants import Participant
from documents.reviews import GuidanceProgress, TrainerReview
from documents.statements import PracticeStatement
from services import audit
from services.clock import utcnow
from services.ids import ref_id
from services.permissions import check_institution, require

ANONYMOUS_FIRST_NAME = "Geanonimiseerd"


# --- export ------------------------------------------------------------------------------------------------------


def _plain(value):
    """JSON-able copy of stored data: ids and dates as text, binary left out (the PDFs are separate files)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if not isinstance(v, (bytes, bytearray))}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value if not isinstance(v, (bytes, bytearray))]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, ObjectId):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "id") and hasattr(value, "collection"):  # DBRef
        return str(value.id)
    return str(value)


def _doc(document, leave_out=()):
    data = document.to_mongo().to_dict()
    for name in leave_out:
        data.pop(name, None)
    return _plain(data)


def export_data(participant):
    """Everything stored about the participant as one dict (what goes into gegevens.json)."""
    statements = list(PracticeStatement.objects(participant=participant).order_by("created_at"))
    guidance = list(GuidanceDocument.objects(participant=participant).order_by("created_at"))
    events = list(AuditEvent.objects(participant_id=participant.pk).order_by("at"))
    return (
        {
            "toelichting": "Alle gegevens die het Praktijkloket over deze deelnemer bewaart (inzageverzoek AVG). "
            "De PDF-bestanden staan in de map pdf/.",
            "geexporteerd_op": utcnow().isoformat(),
            "deelnemer": _doc(
                participant, ("search_first", "search_last", "search_tokens", "sort_name", "group_key", "identity_key")
            ),
            "plaatsingen": [_doc(p) for p in Placement.objects(participant=participant).order_by("created_at")],
            "begeleidingsdocumenten": [_doc(g) for g in guidance],
            "praktijkverklaringen": [
                _doc(s, ("pdf", "company_logo", "pdf_file", "company_logo_file")) for s in statements
            ],
            "erkenningsverzoeken": [
                _doc(r, ("search_tokens",)) for r in AccreditationRequest.objects(participant=participant)
            ],
            "geschiedenis": [{**_doc(e, ("ip_address",)), "actie": label(ACTIONS, e.action)} for e in events],
        },
        statements,
        guidance,
    )


def export_zip(user, participant):
    """Build the ZIP (gegevens.json plus every stored or renderable PDF); audited."""
    require(user, "edit_participants")
    check_institution(user, participant.institution)
    data, statements, guidance = export_data(participant)
    out = io.BytesIO()
    files = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for statement in statements:
            issued = statement.pdf if statement.status == "final" else None  # one load, from its StoredFile
            if issued:
                name = f"pdf/praktijkverklaring-{statement.number}.pdf"
                archive.writestr(name, issued)
                files.append(name)
        for doc in guidance:
            from services.guidance import pdf as guidance_pdf

            name = f"pdf/begeleidingsdocument-{doc.document_id}{'' if doc.status == 'final' else '-concept'}.pdf"
            try:
                archive.writestr(name, guidance_pdf(doc))
                files.append(name)
            except Exception as exc:  # noqa: BLE001 - one unrenderable document must not block the inspection
                current_app.logger.warning("Begeleidingsdocument %s niet te renderen: %s", doc.pk, exc)
                data.setdefault("niet_te_renderen", []).append(doc.document_id)
        for copy in FilledCopy.objects(guidance__in=[g.pk for g in guidance]) if guidance else []:
            name = f"pdf/ingevuld-{copy.pk}.pdf"
            archive.writestr(name, copy.pdf or b"")
            files.append(name)
        data["bestanden"] = files
        archive.writestr("gegevens.json", json.dumps(data, ensure_ascii=False, indent=2))
    audit.record(
        "export", participant, user=user, label=f"AVG-export {participant.full_name}", changes={"bestanden": len(files)}
    )
    return out.getvalue()


# --- retention ---------------------------------------------------------------------------------------------------


def retention_cutoff(years=None, now=None):
    years = current_app.config.get("RETENTION_YEARS", 7) if years is None else years
    now = now or utcnow()
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def retention_candidates(years=None, now=None):
    """Archived participants older than the retention period, without a final statement, not yet anonymised."""
    cutoff = retention_cutoff(years, now)
    # Only the (few) old archived participants are checked for final statements, not every final statement.
    old = list(
        Participant.objects.archived()
        .filter(archived_at__lt=cutoff, search_first__ne=fold(ANONYMOUS_FIRST_NAME))
        .order_by("archived_at")
    )
    if not old:
        return []
    refs = PracticeStatement.objects(status="final", participant__in=[p.pk for p in old]).only("participant")
    with_final = {ref_id(row.get("participant")) for row in refs.as_pymongo()}
    return [p for p in old if p.pk not in with_final]


def anonymise(participant, user=None):
    """Replace the participant's personal data everywhere it is copied; audited. Verification records untouched."""
    pid = participant.pk
    old_name = participant.full_name
    last = f"Deelnemer {str(pid)[-6:].upper()}"
    new_name = f"{ANONYMOUS_FIRST_NAME} {last}"
    Participant.objects(pk=pid).update(
        set__first_name=ANONYMOUS_FIRST_NAME,
        unset__infix=True,
        set__last_name=last,
        unset__birth_date=True,
        unset__birth_place=True,
        unset__email=True,
        unset__student_number=True,
        set__search_first=fold(ANONYMOUS_FIRST_NAME),
        set__search_last=fold(last),
        set__sort_name=fold(f"{last}, {ANONYMOUS_FIRST_NAME}"),
        set__search_tokens=sorted(set(fold(new_name).split())),
        # No date of birth any more, so no identity: the unique index skips it and anonymised people never clash.
        unset__identity_key=True,
        set__changed_at=utcnow(),
        set__changed_by="Bewaartermijn",
        inc__version=1,
    )
    person = {
        "first_name": ANONYMOUS_FIRST_NAME,
        "infix": None,
        "last_name": last,
        "full_name": new_name,
        "birth_date": None,
        "birth_place": None,
    }
    # Documents keep a snapshot of the participant; final ones refuse ordinary updates by design, so the
    # retention rule (the one sanctioned exception) writes to the collections directly.
    for model in (GuidanceDocument, PracticeStatement):
        model._get_collection().update_many(
            {"participant": pid, "snapshot.participant": {"$exists": True}},
            {"$set": {f"snapshot.participant.{k}": v for k, v in person.items()}},
        )
    guidance_ids = GuidanceDocument.objects(participant=pid).distinct("id")
    if guidance_ids:
        FilledCopy.objects(guidance__in=guidance_ids).delete()  # the trainer's filled-in PDFs carry the name
        _clear_trainer_remarks(guidance_ids)  # free text about the participant, typed by the trainer
        _drop_rendered_guidance(guidance_ids)  # kept and cached PDFs carry it too; re-rendered anonymised
    for model in (Placement, Trainer, AccreditationRequest):
        if "participant_name" in model._fields:
            model._get_collection().update_many({"participant": pid}, {"$set": {"participant_name": new_name}})
    for model in (Trainer, AccreditationRequest):  # their word search held the old name too
        for item in model.objects(participant=pid):
            item.derive_search_tokens()
            model._get_collection().update_one({"_id": item.pk}, {"$set": {"search_tokens": item.search_tokens}})
    AuditEvent._get_collection().update_many(
        {"participant_id": pid, "object_type": "Participant"}, {"$set": {"object_label": new_name, "changes": {}}}
    )
    if old_name:
        AuditEvent._get_collection().update_many(
            {"participant_id": pid, "object_label": {"$regex": f"^{_re_escape(old_name)}"}},
            {"$set": {"object_label": new_name}},
        )
    participant.reload()
    audit.record(
        "anonymise",
        participant,
        user=user,
        institution=participant.institution,
        label=new_name,
        changes={"reden": "bewaartermijn verstreken"},
    )
    return participant


def _clear_trainer_remarks(guidance_ids):
    """Empty the remarks of the online sign-off and the progress record; moments and levels stay (no person in them)."""
    for model in (TrainerReview, GuidanceProgress):
        for doc in model.objects(guidance__in=guidance_ids).only("id", "entries"):
            entries = {
                key: {**entry, "opmerkingen": ""} if isinstance(entry, dict) else entry
                for key, entry in (doc.entries or {}).items()
            }
            model.objects(pk=doc.pk).update_one(set__entries=entries)


def _drop_rendered_guidance(guidance_ids):
    try:
        from documents.guidance import RenderedGuidancePdf
    except ImportError:  # older schema without the PDF cache
        return
    RenderedGuidancePdf.objects(guidance__in=guidance_ids).delete()


def _re_escape(text):
    import re

    return re.escape(text)


def apply_retention(years=None, dry_run=False, now=None):
    """Anonymise every candidate (or only list them with dry_run); return the candidates."""
    candidates = retention_candidates(years, now)
    if not dry_run:
        for participant in candidates:
            anonymise(participant)
    return candidates
