"""Turn guidance documents and statements into the plain dicts the PDF renderers take (snapshot format)."""

from datetime import date, datetime

from documents.constants import EDUCATION_FORMS, label
from documents.files import has_file
from services.clock import local_today
from services.placements import current_placement


def placement_of(doc):
    """The placement a document was made with, else the participant's current one."""
    return getattr(doc, "placement", None) or current_placement(doc.participant)


def company_of(placement):
    """The accredited company of the placement (None while it is only proposed)."""
    return placement.company if placement is not None and placement.company is not None else None


def trainer_of(placement):
    return placement.trainer if placement is not None else None


def participant_part(participant):
    return {
        "first_name": participant.first_name,
        "infix": participant.infix,
        "last_name": participant.last_name,
        "full_name": participant.full_name,
        "birth_date": participant.birth_date,
        "birth_place": participant.birth_place,
        "group": participant.group,
    }


def institution_part(institution):
    logo = institution.logo  # bytes from its StoredFile, or None
    return {
        "name": institution.name,
        "brin": institution.brin,
        "kind": institution.kind,
        "city": institution.city,
        "logo": logo,
    }


def company_part(company, placement=None):
    if company is None:
        name = placement.company_name if placement is not None else ""
        return {"company_id": "", "name": name, "address": "", "postcode": "", "city": "", "logo": None}
    return {
        "company_id": company.company_id,
        "name": company.name,
        "address": company.address,
        "postcode": company.postcode,
        "city": company.city,
        "logo": company.logo,
    }


def trainer_part(trainer):
    if trainer is None:
        return {"name": "", "function": "", "email": "", "phone": ""}
    return {
        "name": trainer.full_name,
        "function": trainer.function or "",
        "email": trainer.email or "",
        "phone": trainer.phone or "",
    }


def qualification_of(selection):
    """The kwalificatie version a selection was made from (else the newest version of its crebo)."""
    from documents.qualifications import Qualification

    if selection.qualification_id:
        found = Qualification.objects(pk=selection.qualification_id).first()
        if found is not None:
            return found
    return Qualification.objects(crebo=selection.crebo).latest().first()


def qualifications_part(selections):
    """The selected werkprocessen with their texts, per kwalificatie, in the snapshot format."""
    from services.qualifications import selection_snapshot

    parts = []
    for selection in selections:
        qualification = qualification_of(selection) if selection.codes else None
        if qualification is not None:
            parts.append(selection_snapshot(qualification, selection.codes, selection.behaviour_codes))
    return parts


def build(statement, *, number=None, verification_code=None, issued_on=None):
    """The render input of a statement (live data for a concept; final ones are stored as issued)."""
    from services.urls import external_url

    placement = placement_of(statement)
    company = company_of(placement)
    data = {
        "institution": institution_part(statement.institution),
        "participant": participant_part(statement.participant),
        "company": company_part(company, placement),
        "trainer": trainer_part(trainer_of(placement)),
        "qualifications": qualifications_part(statement.selections),
        "education_form": statement.education_form,
        "education_form_label": label(EDUCATION_FORMS, statement.education_form),
        "bpv_hours": statement.bpv_hours,
        "number": number,
        "verification_url": external_url("verification.verify", code=verification_code) if verification_code else None,
        "branch_logos": [
            {"name": b.name, "logo": b.logo}
            for b in statement.branch_organisations
            if b is not None and has_file(b, "logo")
        ],
        "issued_on": issued_on or local_today(),
    }
    if has_file(statement, "company_logo"):
        data["company"]["logo"] = statement.company_logo
    from services.trainer_review import statement_part

    # That (and when) the trainer signed off online, and whether the school prints it.
    data["trainer_review"] = statement_part(statement)
    trainer = data["trainer"]
    data["trainer_signatory"] = {
        "name": trainer["name"],
        "function": trainer["function"],
        "place": data["company"]["city"] or "",
    }
    maker = statement.created_by
    data["school_signatory"] = {
        "name": maker.name if maker else (statement.created_by_name or ""),
        "function": (maker.function if maker else "") or "",
        "place": statement.institution.city or "",
    }
    return data


def storable(data):
    """A copy fit for MongoDB and for showing later: dates as datetimes, logos left out (the PDF has them)."""
    if isinstance(data, dict):
        return {k: storable(v) for k, v in data.items() if k != "logo" and k != "branch_logos"}
    if isinstance(data, list):
        return [storable(v) for v in data]
    if isinstance(data, date) and not isinstance(data, datetime):
        return datetime(data.year, data.month, data.day)
    return data


def placement_of_participant(participant):
    return current_placement(participant)


def restore(snapshot):
    """A stored snapshot back into render input: datetimes that were dates become dates again."""
    import copy

    data = copy.deepcopy(dict(snapshot or {}))
    participant = data.get("participant") or {}
    if isinstance(participant.get("birth_date"), datetime):
        participant["birth_date"] = participant["birth_date"].date()
    for part in ("institution", "company"):
        data.setdefault(part, {})
        data[part].setdefault("logo", None)
    return data
