"""Begeleidingsdocument: compose a concept, afronden (final), snapshot, PDFs and filled copies."""

import contextlib

from flask import abort
from mongoengine.errors import ValidationError as MongoValidationError

from documents.finality import CONCEPT, FINAL, FinalDocumentError
from documents.guidance import FilledCopy, GuidanceDocument, RenderedGuidancePdf, Selection
from services import audit, statement_data
from services.clock import utcnow
from services.ids import ref_id
from services.permissions import check_institution, may_access_institution, require, scope

MAX_FILLED_PDF_BYTES = 10 * 1024 * 1024
STATUS_LABELS = {CONCEPT: "Concept", FINAL: "Afgerond"}


class GuidanceError(ValueError):
    """A Dutch message about a guidance-document action that cannot go ahead."""


# --- reading --------------------------------------------------------------------------------------------------


def _version(value):
    """A version number from a form; a mangled one counts as stale (never a 500)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def get_guidance_for(user, guidance_id):
    """The document when the user may see it; 404 otherwise (also for malformed ids)."""
    try:
        doc = scope(GuidanceDocument.objects(pk=str(guidance_id)), user).first()
    except (MongoValidationError, TypeError):
        doc = None
    if doc is None:
        abort(404)
    check_institution(user, doc.institution)
    return doc


def documents_of(participant):
    """The participant's begeleidingsdocumenten, newest first."""
    return list(GuidanceDocument.objects(participant=participant).order_by("-created_at"))


def latest_filled_copies(docs):
    """{guidance pk: newest filled copy} for many documents in one query (the PDF bytes left out)."""
    ids = [d.pk for d in docs]
    if not ids:
        return {}
    latest = {}
    for copy in FilledCopy.objects(guidance__in=ids).no_dereference().exclude("pdf").order_by("-uploaded_at"):
        latest.setdefault(ref_id(copy._data.get("guidance")), copy)
    return latest


def latest_filled_copy(doc):
    return FilledCopy.objects(guidance=doc).order_by("-uploaded_at").first()


def latest_status(participant_ids):
    """{participant_id: "Concept"/"Afgerond"} of each participant's newest document, in one query."""
    if not participant_ids:
        return {}
    rows = (GuidanceDocument.objects(participant__in=list(participant_ids))
            .only("participant", "status", "created_at").order_by("participant", "-created_at").as_pymongo())
    result = {}
    for row in rows:
        pid = row["participant"]
        if pid not in result:
            result[pid] = STATUS_LABELS.get(row.get("status"), "")
    return result | {str(pid): text for pid, text in result.items()}


def counts(participant):
    """(total, afgerond) of the participant's begeleidingsdocumenten."""
    total = GuidanceDocument.objects(participant=participant).count()
    final = GuidanceDocument.objects(participant=participant, status=FINAL).count()
    return total, final


def placement_of(doc):
    """The placement the document was made with, or None when it has been deleted since."""
    from mongoengine.errors import DoesNotExist

    try:
        return doc.placement
    except DoesNotExist:
        return None


def trainer_changed(doc, placement):
    """Say whether the participant's current placement has another trainer (or company) than the document."""
    if placement is None:
        return False
    made_in = placement_of(doc)
    if made_in is not None and made_in.pk == placement.pk:
        return False
    made_with = (doc.snapshot or {}).get("trainer", {}).get("name", "")
    current = statement_data.trainer_part(statement_data.trainer_of(placement))["name"]
    made_at = (doc.snapshot or {}).get("company", {}).get("name", "")
    return made_with != current or made_at != (placement.company_name or "")


# --- changing ---------------------------------------------------------------------------------------------------


def _require_editor(user, doc):
    require(user, "edit_participants")
    if not may_access_institution(user, doc.institution):
        abort(404)


def _qualification_for(selection):
    from services.qualifications import get_by_crebo, get_qualification

    if selection.qualification_id:
        found = get_qualification(selection.qualification_id)
        if found is not None and found.crebo == selection.crebo:
            return found
        raise GuidanceError(f"Kwalificatie {selection.crebo} bestaat niet (meer). Kies de kwalificatie opnieuw.")
    found = get_by_crebo(selection.crebo)
    if found is None:
        raise GuidanceError(f"Kwalificatie {selection.crebo} bestaat niet. Kies een kwalificatie uit de lijst.")
    return found


def clean_selections(selections):
    """Selections as embedded documents, checked against the kwalificatiestructuur; empty ones dropped.

    Gedrag only for chosen werkprocessen; one selection per kwalificatie; unknown codes are refused.
    """
    result = []
    seen = set()
    for item in selections:
        sel = item if isinstance(item, Selection) else Selection(**item)
        codes = [c for c in dict.fromkeys(sel.codes or []) if c]
        if not codes:
            continue
        qualification = _qualification_for(sel)
        known = {wp.code for wp in qualification.work_processes()}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise GuidanceError(f"Werkproces {', '.join(unknown)} hoort niet bij kwalificatie {sel.crebo}.")
        if sel.crebo in seen:
            raise GuidanceError(f"Kwalificatie {sel.crebo} staat twee keer in het document. Kies hem één keer.")
        seen.add(sel.crebo)
        order = {wp.code: n for n, wp in enumerate(qualification.work_processes())}
        codes.sort(key=order.get)
        behaviour = [c for c in codes if c in set(sel.behaviour_codes or [])]
        result.append(Selection(crebo=qualification.crebo, qualification_id=str(qualification.pk), codes=codes,
                                behaviour_codes=behaviour))
    if not result:
        raise GuidanceError("Kies ten minste één werkproces.")
    return result


def _snapshot(participant, placement, selections):
    """Participant, school, company, trainer and werkproces texts as they are now."""
    return statement_data.storable({
        "institution": statement_data.institution_part(participant.institution),
        "participant": statement_data.participant_part(participant),
        "company": statement_data.company_part(statement_data.company_of(placement), placement),
        "trainer": statement_data.trainer_part(statement_data.trainer_of(placement)),
        "qualifications": statement_data.qualifications_part(selections),
    })


def create_concept(participant, user, selections, placement=None):
    """Make a concept with the participant's current placement (company and trainer are kept from now on)."""
    require(user, "edit_participants")
    check_institution(user, participant.institution)
    if participant.archived_at:
        raise GuidanceError("Deze deelnemer staat in het archief. Zet de deelnemer eerst terug naar Actueel.")
    placement = placement or statement_data.placement_of_participant(participant)
    if placement is None:
        raise GuidanceError("Kies eerst een leerbedrijf en praktijkopleider (stap 2).")
    selections = clean_selections(selections)
    doc = GuidanceDocument(institution=participant.institution, participant=participant, placement=placement,
                           status=CONCEPT, selections=selections, created_by=user, created_by_name=user.name,
                           snapshot=_snapshot(participant, placement, selections))
    doc.save()
    audit.record("create", doc, user=user, changes={"werkprocessen": doc.werkproces_count})
    return doc


def update_concept(doc, user, selections, expected_version=None):
    """Change the chosen werkprocessen of a concept (its company and trainer stay as they were)."""
    _require_editor(user, doc)
    if doc.status != CONCEPT:
        raise FinalDocumentError("Dit begeleidingsdocument is afgerond en kan niet meer worden gewijzigd.")
    selections = clean_selections(selections)
    version = doc.version if expected_version in (None, "") else _version(expected_version)
    snapshot = dict(doc.snapshot or {})
    snapshot["qualifications"] = statement_data.storable(statement_data.qualifications_part(selections))
    query = GuidanceDocument.objects(pk=doc.pk, status=CONCEPT, version=version)
    if not query.count():
        if GuidanceDocument.objects(pk=doc.pk, status=FINAL).count():
            raise FinalDocumentError("Dit begeleidingsdocument is intussen afgerond en kan niet meer worden gewijzigd.")
        raise GuidanceError("Iemand anders heeft dit begeleidingsdocument intussen gewijzigd. Open het opnieuw.")
    updated = query.modify(new=True, set__selections=selections, set__snapshot=snapshot, set__changed_at=utcnow(),
                           inc__version=1)
    if updated is None:
        raise GuidanceError("Iemand anders heeft dit begeleidingsdocument intussen gewijzigd. Open het opnieuw.")
    audit.record("update", updated, user=user, changes={"werkprocessen": updated.werkproces_count})
    return updated


def delete_concept(doc, user):
    """Delete a concept (staff of the same school); a final document is never deleted this way."""
    _require_editor(user, doc)
    if doc.status == FINAL:
        raise FinalDocumentError("Een afgerond begeleidingsdocument kan niet worden verwijderd. Maak zo nodig een nieuw.")
    label = str(doc)
    deleted = GuidanceDocument.objects(pk=doc.pk, status=CONCEPT).delete()
    if not deleted:
        raise FinalDocumentError("Dit begeleidingsdocument is intussen afgerond en kan niet worden verwijderd.")
    audit.record("delete", doc, user=user, label=label)


def finalize(doc, user):
    """Afronden: the document becomes final and can never be changed."""
    _require_editor(user, doc)
    if not doc.selections:
        raise GuidanceError("Kies eerst ten minste één werkproces.")
    final = GuidanceDocument.objects.finalize_conditionally(doc.pk, finalized_at=utcnow(),
                                                            finalized_by_name=user.name)
    if final is None:
        raise GuidanceError("Dit begeleidingsdocument is al afgerond.")
    audit.record("finalize", final, user=user, label=f"{final}: afgerond")
    return final


def copy_as_new(doc, user):
    """A new concept with the old selection and the participant's current placement (e.g. a new trainer)."""
    _require_editor(user, doc)
    selections = [Selection(crebo=s.crebo, qualification_id=s.qualification_id, codes=list(s.codes),
                            behaviour_codes=list(s.behaviour_codes)) for s in doc.selections]
    return create_concept(doc.participant, user, selections)


# --- PDF and filled copies ---------------------------------------------------------------------------------------


def render_data(doc):
    """The render input of a guidance document: its snapshot (what it was made with)."""
    data = statement_data.restore(doc.snapshot)
    data["document_id"] = doc.document_id
    data["created_at"] = doc.created_at
    # Logos are not kept in the snapshot: take the school's and company's current one.
    data["institution"]["logo"] = statement_data.institution_part(doc.institution)["logo"]
    company = statement_data.company_of(placement_of(doc))
    if company is not None and company.logo:
        data["company"]["logo"] = bytes(company.logo)
    return data


def pdf(doc):
    """The PDF bytes; a concept carries the CONCEPT watermark. A final one is rendered once and kept."""
    from mongoengine.errors import NotUniqueError

    from services.pdf.guidance import render_guidance

    if doc.status != FINAL:
        return render_guidance(render_data(doc), concept=True)
    cached = RenderedGuidancePdf.objects(guidance=doc, version=doc.version).first()
    if cached is not None:
        return bytes(cached.pdf)
    data = render_guidance(render_data(doc), concept=False)
    # Another server may have rendered it at the same moment; both are the same document.
    with contextlib.suppress(NotUniqueError):
        RenderedGuidancePdf(guidance=doc, version=doc.version, pdf=data).save()
    return data


def pdf_filename(doc):
    name = (doc.snapshot or {}).get("participant", {}).get("full_name", "") or "deelnemer"
    safe = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-").lower() or "deelnemer"
    suffix = "" if doc.status == FINAL else "-concept"
    return f"begeleidingsdocument-{safe}-{doc.document_id}{suffix}.pdf"


def _progress(read):
    """The entered progress per werkproces key: {"moments": [{"datum", "niveau"}], "opmerkingen"}."""
    progress = {}
    for key, entry in (read.get("work_processes") or {}).items():
        progress[key] = {"moments": entry.get("moments", []), "opmerkingen": entry.get("opmerkingen", ""),
                         "gedrag": {str(n): bool(v) for n, v in (entry.get("gedrag") or {}).items()}}
    return progress


def upload_filled_copy(doc, user, file_name, data):
    """Store a filled-in copy returned by the trainer and read its progress fields."""
    from services.pdf.guidance import read_guidance_fields

    _require_editor(user, doc)
    if not data:
        raise GuidanceError("Kies het ingevulde PDF-bestand.")
    if len(data) > MAX_FILLED_PDF_BYTES:
        raise GuidanceError("Het bestand is te groot (maximaal 10 MB).")
    try:
        read = read_guidance_fields(data)
    except ValueError as exc:
        raise GuidanceError(str(exc)) from None
    if read.get("document_id") != doc.document_id:
        raise GuidanceError(f"Deze PDF hoort bij een ander begeleidingsdocument ({read.get('document_id')}), "
                            f"niet bij {doc.document_id}. Upload het juiste bestand.")
    copy = FilledCopy(guidance=doc, institution=doc.institution, file_name=(file_name or "")[:200], pdf=data,
                      fields={k: v for k, v in read.get("fields", {}).items() if "." not in k and "$" not in k},
                      progress=_progress(read), uploaded_by_name=user.name).save()
    # Only once the new copy is stored do the earlier ones stop being the latest.
    FilledCopy.objects(guidance=doc, is_latest=True, pk__ne=copy.pk).update(set__is_latest=False)
    audit.record("update", doc, user=user, label=f"{doc}: ingevuld exemplaar geüpload",
                 changes={"bestand": file_name})
    return copy


def progress_rows(doc, copy):
    """Rows for showing a filled copy: per werkproces of the snapshot its code, title, moments and remarks."""
    from services.pdf.guidance import work_process_keys

    if copy is None:
        return []
    qualifications = (doc.snapshot or {}).get("qualifications", [])
    keys = work_process_keys(qualifications)
    rows = []
    for q in qualifications:
        for task in q.get("core_tasks", []):
            for wp in task.get("work_processes", []):
                entry = (copy.progress or {}).get(keys[(q["crebo"], wp["code"])]) or {}
                moments = entry.get("moments") or [{"datum": "", "niveau": ""}] * 3
                rows.append({"code": wp["code"], "title": wp["title"], "moments": moments,
                             "crebo": q["crebo"] if len(qualifications) > 1 else "",
                             "opmerkingen": entry.get("opmerkingen", ""),
                             "filled": any(m.get("datum") or m.get("niveau") for m in moments)
                             or bool(entry.get("opmerkingen"))})
    return rows
