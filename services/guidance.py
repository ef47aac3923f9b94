"""Begeleidingsdocument: compose a concept, afronden (final), snapshot, PDFs and filled copies."""

from flask import abort
from mongoengine.errors import ValidationError as MongoValidationError

from documents.finality import CONCEPT, FINAL, FinalDocumentError
from documents.guidance import FilledCopy, GuidanceDocument, Selection
from services import audit, statement_data
from services.clock import utcnow
from services.permissions import check_institution, may_access_institution, require

MAX_FILLED_PDF_BYTES = 10 * 1024 * 1024


class GuidanceError(ValueError):
    """A Dutch message about a guidance-document action that cannot go ahead."""


def get_guidance_for(user, guidance_id):
    """The document when the user may see it; 404 otherwise (also for malformed ids)."""
    try:
        doc = GuidanceDocument.objects(pk=guidance_id).first()
    except MongoValidationError:
        doc = None
    if doc is None:
        abort(404)
    check_institution(user, doc.institution)
    return doc


def _require_editor(user, doc):
    require(user, "edit_participants")
    if not may_access_institution(user, doc.institution):
        raise GuidanceError("Dit begeleidingsdocument hoort niet bij uw onderwijsinstelling.")


def _clean_selections(selections):
    """Selections as embedded documents; behaviour only for chosen werkprocessen; empty ones dropped."""
    result = []
    for item in selections:
        sel = item if isinstance(item, Selection) else Selection(**item)
        codes = list(dict.fromkeys(sel.codes or []))
        behaviour = [c for c in dict.fromkeys(sel.behaviour_codes or []) if c in codes]
        if codes:
            result.append(Selection(crebo=sel.crebo, qualification_id=sel.qualification_id, codes=codes,
                                    behaviour_codes=behaviour))
    return result


def _snapshot(doc, placement):
    """Participant, school, company, trainer and werkproces texts as they are now."""
    return statement_data.storable({
        "institution": statement_data.institution_part(doc.institution),
        "participant": statement_data.participant_part(doc.participant),
        "company": statement_data.company_part(statement_data.company_of(placement), placement),
        "trainer": statement_data.trainer_part(statement_data.trainer_of(placement)),
        "qualifications": statement_data.qualifications_part(doc.selections),
    })


def create_concept(participant, user, selections, placement=None):
    """Make a concept with the participant's current placement (company and trainer are kept from now on)."""
    require(user, "edit_participants")
    check_institution(user, participant.institution)
    selections = _clean_selections(selections)
    if not selections:
        raise GuidanceError("Kies ten minste één werkproces.")
    placement = placement or statement_data.placement_of_participant(participant)
    doc = GuidanceDocument(institution=participant.institution, participant=participant, placement=placement,
                           status=CONCEPT, selections=selections, created_by=user, created_by_name=user.name)
    doc.snapshot = _snapshot(doc, placement)
    doc.save()
    audit.record("create", doc, user=user, changes={"werkprocessen": doc.werkproces_count})
    return doc


def update_concept(doc, user, selections, expected_version=None):
    """Change the chosen werkprocessen of a concept (its company and trainer stay as they were)."""
    _require_editor(user, doc)
    if doc.status != CONCEPT:
        raise FinalDocumentError()
    selections = _clean_selections(selections)
    if not selections:
        raise GuidanceError("Kies ten minste één werkproces.")
    if expected_version is not None and int(expected_version) != doc.version:
        raise GuidanceError("Iemand anders heeft dit begeleidingsdocument intussen gewijzigd. Open het opnieuw.")
    doc.selections = selections
    snapshot = dict(doc.snapshot or {})
    snapshot["qualifications"] = statement_data.storable(statement_data.qualifications_part(selections))
    updated = GuidanceDocument.objects(pk=doc.pk, status=CONCEPT, version=doc.version).modify(
        new=True, set__selections=selections, set__snapshot=snapshot, set__changed_at=utcnow(), inc__version=1)
    if updated is None:
        raise GuidanceError("Iemand anders heeft dit begeleidingsdocument intussen gewijzigd. Open het opnieuw.")
    audit.record("update", updated, user=user, changes={"werkprocessen": updated.werkproces_count})
    return updated


def delete_concept(doc, user):
    """Delete a concept (staff of the same school); a final document is never deleted this way."""
    _require_editor(user, doc)
    if doc.status == FINAL:
        raise GuidanceError("Een afgerond begeleidingsdocument kan niet worden verwijderd. Maak zo nodig een nieuw.")
    audit.record("delete", doc, user=user)
    GuidanceDocument.objects(pk=doc.pk, status=CONCEPT).delete()


def finalize(doc, user):
    """Afronden: the document becomes final and can never be changed."""
    _require_editor(user, doc)
    final = GuidanceDocument.objects.finalize_conditionally(doc.pk, finalized_at=utcnow(),
                                                            finalized_by_name=user.name)
    if final is None:
        raise GuidanceError("Dit begeleidingsdocument is al afgerond.")
    audit.record("finalize", final, user=user)
    return final


def copy_as_new(doc, user):
    """A new concept with the old selection and the participant's current placement (e.g. a new trainer)."""
    return create_concept(doc.participant, user, [Selection(**s.to_mongo().to_dict()) for s in doc.selections])


def render_data(doc):
    """The render input of a guidance document: its snapshot (what it was made with)."""
    data = statement_data.restore(doc.snapshot)
    data["document_id"] = doc.document_id
    data["created_at"] = doc.created_at
    # Logos are not kept in the snapshot: take the school's current one.
    data["institution"]["logo"] = statement_data.institution_part(doc.institution)["logo"]
    if doc.placement is not None and doc.placement.company is not None and doc.placement.company.logo:
        data["company"]["logo"] = bytes(doc.placement.company.logo)
    return data


def pdf(doc):
    from services.pdf.guidance import render_guidance

    return render_guidance(render_data(doc), concept=doc.status != FINAL)


def upload_filled_copy(doc, user, file_name, data):
    """Store a filled-in copy returned by the trainer and read its progress fields."""
    from services.pdf.guidance import read_guidance_fields

    require(user, "edit_participants")
    check_institution(user, doc.institution)
    if not data:
        raise GuidanceError("Kies het ingevulde PDF-bestand.")
    if len(data) > MAX_FILLED_PDF_BYTES:
        raise GuidanceError("Het bestand is te groot (maximaal 10 MB).")
    try:
        fields = read_guidance_fields(data, expected_document_id=doc.document_id)
    except ValueError as exc:
        raise GuidanceError(str(exc)) from None
    FilledCopy.objects(guidance=doc).update(set__is_latest=False)
    copy = FilledCopy(guidance=doc, institution=doc.institution, file_name=(file_name or "")[:200], pdf=data,
                      fields=fields.get("fields", {}), progress=fields.get("progress", {}),
                      uploaded_by_name=user.name).save()
    audit.record("update", doc, user=user, label=f"{doc}: ingevuld exemplaar geüpload",
                 changes={"bestand": file_name})
    return copy


def latest_filled_copy(doc):
    return FilledCopy.objects(guidance=doc, is_latest=True).order_by("-uploaded_at").first()
