"""Begeleidingsdocument: compose a concept, afronden (final), snapshot, PDFs and filled copies."""

import contextlib
import hashlib
import json
from datetime import date, datetime, timedelta

from bson import ObjectId
from mongoengine.errors import NotUniqueError
from mongoengine.errors import ValidationError as MongoValidationError

from core.filenames import safe_stem
from documents.files import StoredFile, attach, has_file
from documents.finality import CONCEPT, FINAL, FinalDocumentError
from documents.guidance import FilledCopy, GuidanceDocument, RenderedGuidancePdf, Selection
from documents.reviews import SOURCE_ONLINE, SOURCE_PDF, GuidanceProgress
from services import audit, participant_overview, statement_data
from services.clock import utcnow
from services.errors import NotFound, RuleBroken
from services.ids import ref_id
from services.permissions import check_institution, may_access_institution, require, scope

MAX_FILLED_PDF_BYTES = 10 * 1024 * 1024
# An Afronden stores the final PDF and makes the transition within milliseconds; a final PDF of a version that
# is still concept after this long was left by an interrupted Afronden.
STALE_FINAL_PDF = timedelta(minutes=2)
STATUS_LABELS = {CONCEPT: "Concept", FINAL: "Afgerond"}


class GuidanceError(RuleBroken):
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
        raise NotFound()
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
    for copy in FilledCopy.objects(guidance__in=ids).no_dereference().exclude("pdf_inline").order_by("-uploaded_at"):
        latest.setdefault(ref_id(copy._data.get("guidance")), copy)
    return latest


def latest_filled_copy(doc):
    return FilledCopy.objects(guidance=doc).order_by("-uploaded_at").first()


def latest_status(participant_ids):
    """{participant_id: "Concept"/"Afgerond"} of each participant's newest document, in one query."""
    result = participant_overview.newest_status(GuidanceDocument, participant_ids, STATUS_LABELS)
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
    # Compare ids, not documents: loading each document's placement made the participant page one query per
    # document (a deleted placement's id never equals the current one, so it falls through as before).
    if ref_id(doc._data.get("placement")) == placement.pk:
        return False
    made_with = (doc.snapshot or {}).get("trainer", {}).get("name", "")
    current = statement_data.trainer_part(statement_data.trainer_of(placement))["name"]
    made_at = (doc.snapshot or {}).get("company", {}).get("name", "")
    return made_with != current or made_at != (placement.company_name or "")


def accreditation_state(placement, crebo):
    """Whether the placement's company may train for this kwalificatie, as the compose page shows it.

    None without a placement; "pending" while the company itself awaits accreditation; "ok"; "requested" when an
    extension to this crebo is open at SBB; else "missing" (the page offers "Erkenning uitbreiden").
    """
    from documents.companies import OPEN_REQUEST_STATUSES, AccreditationRequest

    if placement is None:
        return None
    company = placement.company
    if company is None:
        return "pending"
    if company.is_accredited_for(crebo):
        return "ok"
    open_requests = AccreditationRequest.objects(
        kind="extend", company=company, crebos=crebo, status__in=OPEN_REQUEST_STATUSES
    )
    return "requested" if open_requests.first() else "missing"


# --- changing ---------------------------------------------------------------------------------------------------


def _require_editor(user, doc):
    require(user, "edit_participants")
    if not may_access_institution(user, doc.institution):
        raise NotFound()


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
        result.append(
            Selection(
                crebo=qualification.crebo,
                qualification_id=str(qualification.pk),
                codes=codes,
                behaviour_codes=behaviour,
            )
        )
    if not result:
        raise GuidanceError("Kies ten minste één werkproces.")
    return result


def _snapshot(participant, placement, selections):
    """Participant, school, company, trainer and werkproces texts as they are now."""
    return statement_data.storable(
        {
            "institution": statement_data.institution_part(participant.institution),
            "participant": statement_data.participant_part(participant),
            "company": statement_data.company_part(statement_data.company_of(placement), placement),
            "trainer": statement_data.trainer_part(statement_data.trainer_of(placement)),
            "qualifications": statement_data.qualifications_part(selections),
        }
    )


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
    doc = GuidanceDocument(
        institution=participant.institution,
        participant=participant,
        placement=placement,
        status=CONCEPT,
        selections=selections,
        created_by=user,
        created_by_name=user.name,
        snapshot=_snapshot(participant, placement, selections),
    )
    doc.id = ObjectId()  # the audit event names it before it is stored
    with audit.recorded("create", doc, user=user, changes={"werkprocessen": doc.werkproces_count}):
        doc.save(force_insert=True)
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
    count = sum(len(s.codes) for s in selections)
    with audit.recorded("update", doc, user=user, changes={"werkprocessen": count}):
        updated = query.modify(
            new=True, set__selections=selections, set__snapshot=snapshot, set__changed_at=utcnow(), inc__version=1
        )
        if updated is None:
            raise GuidanceError("Iemand anders heeft dit begeleidingsdocument intussen gewijzigd. Open het opnieuw.")
    return updated


def delete_concept(doc, user):
    """Delete a concept (staff of the same school); a final document is never deleted this way."""
    _require_editor(user, doc)
    if doc.status == FINAL:
        raise FinalDocumentError(
            "Een afgerond begeleidingsdocument kan niet worden verwijderd. Maak zo nodig een nieuw."
        )
    with audit.recorded("delete", doc, user=user, label=str(doc)):
        deleted = GuidanceDocument.objects(pk=doc.pk, status=CONCEPT).delete()
        if not deleted:
            raise FinalDocumentError("Dit begeleidingsdocument is intussen afgerond en kan niet worden verwijderd.")


def finalize(doc, user):
    """Afronden: render the final PDF, keep its bytes and SHA-256, and make the document final; all or nothing.

    The PDF is rendered before anything is written (a failed render leaves the concept as it was), with the logos
    of this moment: a logo uploaded later never changes a final document.
    """
    from services import signing
    from services.pdf.guidance import render_guidance

    _require_editor(user, doc)
    current = GuidanceDocument.objects(pk=doc.pk).first()  # the stored version is the one made final
    if current is None:
        raise GuidanceError("Dit begeleidingsdocument bestaat niet meer.")
    if current.status != CONCEPT:
        raise GuidanceError("Dit begeleidingsdocument is al afgerond.")
    if not current.selections:
        raise GuidanceError("Kies eerst ten minste één werkproces.")
    try:
        # A certification signature that still allows filling in the form (the trainer fills in the copy).
        data = signing.sign_pdf(render_guidance(render_data(current), concept=False), certify=True)
    except Exception as exc:
        raise GuidanceError(
            "De PDF van het begeleidingsdocument kon niet worden gemaakt; het document is niet "
            "afgerond. Probeer het opnieuw."
        ) from exc
    sha = hashlib.sha256(data).hexdigest()
    # The transition adds one to the version: the final bytes are stored under that version, before the
    # transition, so a final document is never without them. A concept changed meanwhile makes it miss.
    rendered = RenderedGuidancePdf(guidance=current, version=current.version + 1, sha256=sha)
    rendered.id = ObjectId()
    attach(rendered, "pdf", data, "application/pdf")
    with (
        _file_dropped_unless_kept(rendered),
        audit.recorded("finalize", current, user=user, label=f"{current}: afgerond", changes={"sha256": sha}),
    ):
        try:
            rendered.save(force_insert=True)
        except NotUniqueError:
            _drop_stale_final_pdf(current)
            rendered.save(force_insert=True)
        try:
            final = GuidanceDocument.objects(version=current.version).finalize_conditionally(
                current.pk, finalized_at=utcnow(), finalized_by_name=user.name
            )
            if final is None:
                if GuidanceDocument.objects(pk=current.pk, status=FINAL).count():
                    raise GuidanceError("Dit begeleidingsdocument is al afgerond.")
                raise GuidanceError(
                    "Iemand anders heeft dit begeleidingsdocument intussen gewijzigd. Open het "
                    "opnieuw en rond het dan af."
                )
        except BaseException:
            RenderedGuidancePdf.objects(pk=rendered.pk).delete()
            raise
    # Concept renderings are not needed any more (best effort: a leftover is never served for a final document).
    with contextlib.suppress(Exception):
        RenderedGuidancePdf.objects(guidance=current, concept=True).delete()
    return final


def _drop_stale_final_pdf(doc):
    """Make room for the final PDF; refuse (Dutch) while another Afronden of this version is under way."""
    other = RenderedGuidancePdf.objects(guidance=doc, version=doc.version + 1).first()
    if other is None:
        return
    if other.concept:
        raise GuidanceError(
            "Iemand anders heeft dit begeleidingsdocument intussen gewijzigd. Open het opnieuw en rond het dan af."
        )
    if other.rendered_at is not None and utcnow() - other.rendered_at < STALE_FINAL_PDF:
        raise GuidanceError("Dit begeleidingsdocument wordt op dit moment al afgerond. Open het opnieuw.")
    # Left by an Afronden that was cut off between storing the PDF and the transition: never issued.
    RenderedGuidancePdf.objects(pk=other.pk).delete()


def copy_as_new(doc, user):
    """A new concept with the old selection and the participant's current placement (e.g. a new trainer)."""
    _require_editor(user, doc)
    selections = [s.copy() for s in doc.selections]
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
    if company is not None and has_file(company, "logo"):
        data["company"]["logo"] = company.logo
    return data


def _input_digest(data):
    """A fingerprint of the render input (snapshot, dates, logos): a concept rendering is reused only for the same."""

    def plain(value):
        if isinstance(value, (bytes, bytearray, memoryview)):
            return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        return str(value)

    return hashlib.sha256(json.dumps(data, sort_keys=True, default=plain).encode()).hexdigest()


def _concept_pdf(doc):
    from services.pdf.guidance import render_guidance

    data = render_data(doc)
    digest = _input_digest(data)
    cached = RenderedGuidancePdf.objects(guidance=doc, version=doc.version, concept=True, input_sha256=digest).first()
    if cached is not None:
        return cached.pdf
    pdf_bytes = render_guidance(data, concept=True)
    # One cached concept rendering per document: an older version or another input is replaced.
    RenderedGuidancePdf.objects(guidance=doc, concept=True).delete()
    with contextlib.suppress(NotUniqueError):  # another request cached the same version meanwhile
        _keep(
            RenderedGuidancePdf(
                guidance=doc,
                version=doc.version,
                concept=True,
                input_sha256=digest,
                sha256=hashlib.sha256(pdf_bytes).hexdigest(),
            ),
            pdf_bytes,
        )
    return pdf_bytes


def _final_pdf(doc):
    from services.pdf.guidance import render_guidance

    stored = RenderedGuidancePdf.objects(guidance=doc, version=doc.version, concept__ne=True).first()
    if stored is not None:
        pdf_bytes = stored.pdf or b""
        sha = hashlib.sha256(pdf_bytes).hexdigest()
        if not stored.sha256:  # kept before the fingerprint was stored: it is what was issued then
            RenderedGuidancePdf.objects(pk=stored.pk).update(set__sha256=sha)
        elif stored.sha256 != sha:
            raise GuidanceError(
                "De opgeslagen PDF van dit begeleidingsdocument is beschadigd. Neem contact op met SBB."
            )
        return pdf_bytes
    # Fallback for documents made final before the PDF was kept at Afronden, and for anonymised participants
    # (services.privacy drops their PDFs): render once from the snapshot, with the current logos, and keep it.
    pdf_bytes = render_guidance(render_data(doc), concept=False)
    with contextlib.suppress(NotUniqueError):  # another server rendered it at the same moment
        _keep(
            RenderedGuidancePdf(guidance=doc, version=doc.version, sha256=hashlib.sha256(pdf_bytes).hexdigest()),
            pdf_bytes,
        )
        return pdf_bytes
    return _final_pdf(doc)


@contextlib.contextmanager
def _file_dropped_unless_kept(record):
    """Discard the record's new file when the block fails before the record was stored."""
    try:
        yield
    except BaseException:
        if not type(record).objects(pk=record.pk).count():
            StoredFile.discard(record.pdf_file)
        raise


def _keep(record, pdf_bytes):
    """Save a new record with its PDF in a new StoredFile; the file goes again if the save fails."""
    attach(record, "pdf", pdf_bytes, "application/pdf")
    with _file_dropped_unless_kept(record):
        record.save(force_insert=True)
    return record


def pdf(doc):
    """The PDF bytes: a final document's exactly as kept at Afronden; a concept's (CONCEPT watermark) cached per version."""
    if doc.status != FINAL:
        return _concept_pdf(doc)
    return _final_pdf(doc)


def pdf_filename(doc):
    name = (doc.snapshot or {}).get("participant", {}).get("full_name", "") or "deelnemer"
    safe = safe_stem(name, "deelnemer").lower()  # ASCII: a header cannot carry "Ł" or "ễ" as Latin-1
    suffix = "" if doc.status == FINAL else "-concept"
    return f"begeleidingsdocument-{safe}-{doc.document_id}{suffix}.pdf"


def _progress(read):
    """The entered progress per werkproces key: {"moments": [{"datum", "niveau"}], "opmerkingen"}."""
    progress = {}
    for key, entry in (read.get("work_processes") or {}).items():
        progress[key] = {
            "moments": entry.get("moments", []),
            "opmerkingen": entry.get("opmerkingen", ""),
            "gedrag": {str(n): bool(v) for n, v in (entry.get("gedrag") or {}).items()},
        }
    return progress


def upload_filled_copy(doc, user, file_name, data):
    """Store a filled-in copy returned by the trainer, without its scripts and automatic actions, and read its progress."""
    from services.pdf.guidance import GuidancePdfError, defuse_pdf, read_guidance_fields

    _require_editor(user, doc)
    if not data:
        raise GuidanceError("Kies het ingevulde PDF-bestand.")
    if len(data) > MAX_FILLED_PDF_BYTES:
        raise GuidanceError("Het bestand is te groot (maximaal 10 MB).")
    try:
        read_guidance_fields(data)  # a non-PDF or a foreign PDF gets its own message first
        # Only the defused copy is kept and read: what is stored is what the progress rows say.
        data = defuse_pdf(data)
        read = read_guidance_fields(data)
    except GuidancePdfError as exc:
        raise GuidanceError(str(exc)) from None
    if read.get("document_id") != doc.document_id:
        raise GuidanceError(
            f"Deze PDF hoort bij een ander begeleidingsdocument ({read.get('document_id')}), "
            f"niet bij {doc.document_id}. Upload het juiste bestand."
        )
    copy = FilledCopy(
        guidance=doc,
        institution=doc.institution,
        file_name=(file_name or "")[:200],
        fields={k: v for k, v in read.get("fields", {}).items() if "." not in k and "$" not in k},
        progress=_progress(read),
        uploaded_by_name=user.name,
    )
    copy.id = ObjectId()
    attach(copy, "pdf", data, "application/pdf")
    with (
        _file_dropped_unless_kept(copy),
        audit.recorded(
            "update", doc, user=user, label=f"{doc}: ingevuld exemplaar geüpload", changes={"bestand": file_name}
        ),
    ):
        copy.save(force_insert=True)
        try:
            # Only once the new copy is stored do the earlier ones stop being the latest.
            FilledCopy.objects(guidance=doc, is_latest=True, pk__ne=copy.pk).update(set__is_latest=False)
            feed_progress(doc, copy.progress, source=SOURCE_PDF, by=user.name, at=copy.uploaded_at)
        except BaseException:
            FilledCopy.objects(pk=copy.pk).delete()
            _restore_latest(doc)
            raise
    return copy


def _restore_latest(doc):
    """After a failed upload: the newest remaining copy is the latest again (the flag may be half-cleared)."""
    newest = FilledCopy.objects(guidance=doc).order_by("-uploaded_at").only("id").first()
    if newest is not None:
        FilledCopy.objects(pk=newest.pk).update(set__is_latest=True)


# --- the one progress record (fed by the online sign-off and by uploaded filled copies) ----------------------------


def has_progress(entry):
    """True when a werkproces entry holds anything: a moment, remarks or a ticked gedrag indicator."""
    entry = entry or {}
    moments = entry.get("moments") or []
    return (
        any(m.get("datum") or m.get("niveau") for m in moments)
        or bool(entry.get("opmerkingen"))
        or any((entry.get("gedrag") or {}).values())
    )


def _behaviour_rows(wp, entry):
    """The gedrag indicators the document shows for this werkproces, each with whether it was ticked."""
    if not (wp.get("show_behaviour") and wp.get("behaviour")):
        return []
    ticked = {str(n) for n, value in (entry.get("gedrag") or {}).items() if value}
    return [{"text": line, "ticked": str(n) in ticked} for n, line in enumerate(wp["behaviour"], start=1)]


def filled_copy_summary(copy):
    """What a filled copy says beside the werkprocessen: the BPV period and the three signature blocks."""
    from services.pdf.guidance import SIGNATORIES

    if copy is None:
        return None
    fields = copy.fields or {}
    signatures = [
        {
            "label": label,
            **{part: fields.get(f"ondertekening_{role}_{part}", "") for part in ("naam", "datum", "opmerkingen")},
        }
        for role, label in SIGNATORIES
    ]
    return {
        "startdatum": fields.get("startdatum", ""),
        "einddatum": fields.get("einddatum", ""),
        "signatures": signatures,
    }


def feed_progress(doc, entries, *, source, by, at):
    """Take the werkprocessen a source filled in into the document's progress record; the others keep theirs.

    The newest source wins per werkproces: a later PDF upload does not erase what was signed online for a
    werkproces the PDF leaves empty, and the other way round.
    """
    record = GuidanceProgress.objects(guidance=doc).first()
    merged = dict(record.entries) if record is not None else {}
    for key, entry in (entries or {}).items():
        if has_progress(entry):
            merged[key] = {
                "moments": list(entry.get("moments") or []),
                "opmerkingen": entry.get("opmerkingen", ""),
                "gedrag": dict(entry.get("gedrag") or {}),
                "source": source,
                "by": by or "",
                "at": at,
            }
    GuidanceProgress.objects(guidance=doc).update_one(
        upsert=True,
        set__entries=merged,
        set__updated_at=utcnow(),
        set__institution=doc.institution,
        set__participant=doc.participant,
    )


def progress_entries_of(docs, copies):
    """{guidance pk: progress entries} for many documents in one query; `copies` from latest_filled_copies."""
    ids = [d.pk for d in docs]
    records = (
        {r["guidance"]: r for r in GuidanceProgress.objects(guidance__in=ids).only("guidance", "entries").as_pymongo()}
        if ids
        else {}
    )
    result = {}
    for doc in docs:
        record, copy = records.get(doc.pk), copies.get(doc.pk)
        if record is not None:
            result[doc.pk] = dict(record.get("entries") or {})
        elif copy is not None:
            result[doc.pk] = {
                key: {**entry, "source": SOURCE_PDF, "by": copy.uploaded_by_name, "at": copy.uploaded_at}
                for key, entry in (copy.progress or {}).items()
                if has_progress(entry)
            }
        else:
            result[doc.pk] = {}
    return result


def progress_entries(doc):
    """{werkproces key: entry} of the progress record; documents uploaded before it existed read their copy."""
    record = GuidanceProgress.objects(guidance=doc).first()
    if record is not None:
        return dict(record.entries or {})
    copy = latest_filled_copy(doc)
    if copy is None:
        return {}
    return {
        key: {**entry, "source": SOURCE_PDF, "by": copy.uploaded_by_name, "at": copy.uploaded_at}
        for key, entry in (copy.progress or {}).items()
        if has_progress(entry)
    }


def _source_text(entry):
    from core.clock import local

    if entry.get("source") == SOURCE_ONLINE:
        at = entry.get("at")
        day = f" op {local(at):%d-%m-%Y}" if at else ""
        return f"online afgetekend door {entry.get('by') or 'de praktijkopleider'}{day}"
    return "uit het geüploade PDF"


def progress_table(doc, entries=None):
    """Rows per werkproces of the document: moments, remarks and where they come from (empty when none)."""
    from services.pdf.guidance import work_process_keys

    entries = progress_entries(doc) if entries is None else entries
    if not entries:
        return []
    qualifications = (doc.snapshot or {}).get("qualifications", [])
    keys = work_process_keys(qualifications)
    rows = []
    for q in qualifications:
        for task in q.get("core_tasks", []):
            for wp in task.get("work_processes", []):
                entry = entries.get(keys[(q["crebo"], wp["code"])]) or {}
                filled = has_progress(entry)
                rows.append(
                    {
                        "code": wp["code"],
                        "title": wp["title"],
                        "moments": entry.get("moments") or [{"datum": "", "niveau": ""}] * 3,
                        "crebo": q["crebo"] if len(qualifications) > 1 else "",
                        "opmerkingen": entry.get("opmerkingen", ""),
                        "gedrag": _behaviour_rows(wp, entry),
                        "filled": filled,
                        "source": _source_text(entry) if filled else "",
                    }
                )
    return rows
