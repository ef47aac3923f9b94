"""Praktijkverklaring: concept edits, making it final (all checks at once), deletion/withdrawal, PDFs."""

import base64
import hashlib
import re
import secrets
from datetime import date

from documents.constants import (
    BPV_HOURS_MAX,
    BPV_HOURS_MIN,
    EDUCATION_FORMS,
    EDUCATION_FORMS_BY_KIND,
    label,
)
from documents.finality import CONCEPT, FINAL, FinalDocumentError
from documents.guidance import Selection
from documents.statements import BranchOrganisation, Counter, PracticeStatement, VerificationRecord
from services import audit
from services.clock import utcnow
from services.ids import ref_id
from services.permissions import check_institution, may_access_institution, require


class StatementError(ValueError):
    """One or more Dutch messages about why a statement action cannot go ahead."""

    def __init__(self, problems):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


# --- input rules -------------------------------------------------------------------------------


def education_forms_for(institution):
    """The onderwijsvormen that fit the school's kind, as (code, Dutch label)."""
    allowed = EDUCATION_FORMS_BY_KIND.get(getattr(institution, "kind", None), ())
    return [(code, text) for code, text in EDUCATION_FORMS if code in allowed]


def parse_bpv_hours(value):
    """Read BPV-uren as typed by a Dutch user ('1.200' is twelve hundred); return an int or raise."""
    text = str(value if value is not None else "").strip().replace(" ", "")
    message = (f"Vul het aantal BPV-uren in als een heel getal van {BPV_HOURS_MIN} tot en met "
               f"{BPV_HOURS_MAX:,}".replace(",", ".") + ", bijvoorbeeld 480.")
    if not text:
        raise StatementError(message)
    if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", text):
        text = text.replace(".", "")
    if not re.fullmatch(r"[0-9]+", text):
        raise StatementError(message)
    hours = int(text)
    if not BPV_HOURS_MIN <= hours <= BPV_HOURS_MAX:
        raise StatementError(message)
    return hours


def new_verification_code():
    """80 random bits as 16 base32 characters in groups of four (easy to type from paper)."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode()
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def normalise_code(code):
    clean = re.sub(r"[^A-Za-z2-7]", "", code or "").upper()
    return "-".join(clean[i:i + 4] for i in range(0, len(clean), 4)) if len(clean) == 16 else None


def next_number(year):
    return f"PV-{year}-{Counter.next(f'pv-{year}'):06d}"


# --- access ------------------------------------------------------------------------------------


def get_statement_for(user, statement_id):
    """The statement with this id when the user may see it; 404 otherwise (also for malformed ids)."""
    from flask import abort
    from mongoengine.errors import ValidationError as MongoValidationError

    try:
        statement = PracticeStatement.objects(pk=statement_id).first()
    except MongoValidationError:
        statement = None
    if statement is None:
        abort(404)
    check_institution(user, statement.institution)
    return statement


def _require_editor(user, statement):
    require(user, "edit_participants")
    if not may_access_institution(user, statement.institution):
        raise StatementError("Deze praktijkverklaring hoort niet bij uw onderwijsinstelling.")


def may_delete(user, statement):
    """Only the user who made a statement may delete it (concept or final)."""
    maker_id = ref_id(statement._data.get("created_by"))  # the stored id: no need to load the maker
    return maker_id is not None and user is not None and maker_id == user.pk


def delete_refusal_reason(user, statement):
    if may_delete(user, statement):
        return None
    return (f"Alleen {statement.created_by_name or 'de maker'} kan deze praktijkverklaring verwijderen: "
            "u kunt alleen praktijkverklaringen verwijderen die u zelf hebt gemaakt.")


# --- concept -----------------------------------------------------------------------------------


def create_concept(participant, user):
    """Start a new concept statement for the participant (the wizard fills it step by step)."""
    require(user, "edit_participants")
    check_institution(user, participant.institution)
    if participant.archived_at:
        raise StatementError("Deze deelnemer staat in het archief. Zet de deelnemer eerst terug naar Actueel.")
    from services import statement_data

    if statement_data.placement_of_participant(participant) is None:
        raise StatementError("Kies eerst een leerbedrijf en praktijkopleider voor deze deelnemer (stap 2).")
    forms = education_forms_for(participant.institution)
    statement = PracticeStatement(
        institution=participant.institution, participant=participant, status=CONCEPT,
        education_form=forms[0][0] if len(forms) == 1 else None,
        created_by=user, created_by_name=user.name,
    )
    statement.save()
    audit.record("create", statement, user=user)
    return statement


def update_concept(statement, user, *, expected_version=None, **changes):
    """Change fields of a concept; a stale form (another version) is refused; every change is audited."""
    _require_editor(user, statement)
    if statement.status != CONCEPT:
        raise FinalDocumentError()
    if expected_version is not None and str(expected_version) != str(statement.version):
        raise StatementError("Iemand anders heeft deze praktijkverklaring intussen gewijzigd. "
                             "Open hem opnieuw en controleer uw wijziging.")
    allowed = {"education_form", "selections", "bpv_hours", "company_logo", "company_logo_type",
               "branch_organisations", "source_guidance"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    if "education_form" in changes and changes["education_form"] not in dict(education_forms_for(statement.institution)):
        raise StatementError("Kies een onderwijsvorm die past bij uw onderwijsinstelling.")
    if "bpv_hours" in changes and changes["bpv_hours"] is not None:
        changes["bpv_hours"] = parse_bpv_hours(changes["bpv_hours"])
    if "selections" in changes:
        changes["selections"] = [s if isinstance(s, Selection) else Selection(**s) for s in changes["selections"]]
    updates = {f"set__{k}": v for k, v in changes.items()}
    updated = PracticeStatement.objects(pk=statement.pk, status=CONCEPT, version=statement.version).modify(
        new=True, inc__version=1, set__changed_at=utcnow(), **updates)
    if updated is None:
        raise StatementError("Iemand anders heeft deze praktijkverklaring intussen gewijzigd. "
                             "Open hem opnieuw en controleer uw wijziging.")
    audit.record("update", updated, user=user, changes={k: _describe(v) for k, v in changes.items()})
    return updated


def _describe(value):
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    if isinstance(value, list):
        return [str(v) for v in value]
    return value


def set_selections(statement, user, selections, *, expected_version=None, source_guidance=None):
    """Replace the behaalde werkprocessen: one Selection per kwalificatie (a kwalificatie may still be empty)."""
    cleaned, seen = [], set()
    for item in selections:
        sel = item if isinstance(item, Selection) else Selection(**item)
        if not sel.crebo or sel.crebo in seen:
            continue
        seen.add(sel.crebo)
        codes = list(dict.fromkeys(c for c in (sel.codes or []) if c))
        cleaned.append(Selection(crebo=sel.crebo, qualification_id=sel.qualification_id, codes=codes,
                                 behaviour_codes=[c for c in (sel.behaviour_codes or []) if c in codes]))
    changes = {"selections": cleaned}
    if source_guidance is not None:
        changes["source_guidance"] = source_guidance
    return update_concept(statement, user, expected_version=expected_version, **changes)


def take_over_guidance(statement, user, guidance, *, expected_version=None):
    """Copy the werkprocessen of one of the participant's begeleidingsdocumenten (then the user adjusts them)."""
    if guidance is None or guidance.participant is None or guidance.participant.pk != statement.participant.pk:
        raise StatementError("Kies een begeleidingsdocument van deze deelnemer.")
    selections = [Selection(crebo=s.crebo, qualification_id=s.qualification_id, codes=list(s.codes),
                            behaviour_codes=list(s.behaviour_codes)) for s in guidance.selections]
    return set_selections(statement, user, selections, expected_version=expected_version, source_guidance=guidance)


def registry_logo(statement):
    """The company's logo from the registry (bytes) or None."""
    from services import statement_data

    company = statement_data.company_of(statement_data.placement_of(statement))
    return bytes(company.logo) if company is not None and company.logo else None


def set_company_logo(statement, user, data, *, expected_version=None):
    """Upload a company logo for this statement only: checked to be a JPG/PNG of at most 2 MB, re-encoded."""
    from services.images import ImageError, process_logo

    if registry_logo(statement) is not None:
        raise StatementError("Het leerbedrijf heeft al een logo in het register; dat logo komt op de verklaring.")
    try:
        logo, mimetype = process_logo(data)
    except ImageError as exc:
        raise StatementError(str(exc)) from None
    return update_concept(statement, user, expected_version=expected_version, company_logo=logo,
                          company_logo_type=mimetype)


def remove_company_logo(statement, user, *, expected_version=None):
    return update_concept(statement, user, expected_version=expected_version, company_logo=None,
                          company_logo_type=None)


def set_branch_organisations(statement, user, ids, *, expected_version=None):
    """Tick which branch logos to print (unknown ids are ignored)."""
    wanted = {str(i) for i in ids or []}
    chosen = [b for b in BranchOrganisation.objects.order_by("name") if str(b.pk) in wanted]
    return update_concept(statement, user, expected_version=expected_version, branch_organisations=chosen)


# --- making it final ---------------------------------------------------------------------------


def readiness_problems(statement, on_date=None):
    """Every reason, in Dutch, why this statement cannot be made final now (empty list: it can)."""
    from services import statement_data

    on_date = on_date or date.today()
    problems = []
    participant = statement.participant
    if participant.archived_at:
        problems.append("De deelnemer staat in het archief. Zet de deelnemer eerst terug naar Actueel.")
    if statement.education_form not in dict(education_forms_for(statement.institution)):
        problems.append("Kies een onderwijsvorm die past bij uw onderwijsinstelling (stap 4.1).")
    if statement.werkproces_count == 0:
        problems.append("Kies ten minste één behaald werkproces (stap 4.2).")
    if statement.bpv_hours is None or not BPV_HOURS_MIN <= statement.bpv_hours <= BPV_HOURS_MAX:
        problems.append("Vul het aantal BPV-uren in: een heel getal van 10 tot en met 10.000 (stap 4.3).")
    placement = statement_data.placement_of(statement)
    company = statement_data.company_of(placement)
    if company is None:
        problems.append("Kies een erkend leerbedrijf voor de deelnemer (stap 2). Een voorgedragen leerbedrijf moet "
                        "eerst door SBB erkend zijn.")
    if statement_data.trainer_of(placement) is None:
        problems.append("Kies een praktijkopleider voor de deelnemer (stap 2).")
    if company is not None:
        for selection in statement.selections:
            if selection.codes and not company.is_accredited_for(selection.crebo, on_date):
                problems.append(f"{company.name} is op {on_date:%d-%m-%Y} niet erkend voor kwalificatie "
                                f"{selection.crebo}. Vraag via 'Erkenning uitbreiden' een erkenning aan.")
    return problems


def finalize(statement, user):
    """Make the statement final: check everything, number it, render the PDF once and keep its bytes."""
    from services import statement_data
    from services.pdf.statement import render_statement

    _require_editor(user, statement)
    if statement.status != CONCEPT:
        raise StatementError("Deze praktijkverklaring is al definitief.")
    problems = readiness_problems(statement)
    if problems:
        raise StatementError(problems)
    now = utcnow()
    number = next_number(now.year)
    code = new_verification_code()
    data = statement_data.build(statement, number=number, verification_code=code, issued_on=date.today())
    pdf = render_statement(data, concept=False)
    sha = hashlib.sha256(pdf).hexdigest()
    placement = statement_data.placement_of(statement)
    # The verification record first: a final statement is never without one. Removed again if finalizing fails.
    record = VerificationRecord(code=code, number=number, pdf_sha256=sha, statement=statement, status="valid",
                                issued_at=now, institution_name=statement.institution.name).save()
    try:
        final = PracticeStatement.objects.finalize_conditionally(
            statement.pk, placement=placement, snapshot=statement_data.storable(data), number=number,
            verification_code=code, pdf=pdf, pdf_sha256=sha, finalized_at=now, finalized_by_name=user.name)
    except Exception:
        record.delete()
        raise
    if final is None:
        record.delete()
        raise StatementError("Deze praktijkverklaring is intussen al definitief gemaakt of gewijzigd. Open hem opnieuw.")
    audit.record("finalize", final, user=user, changes={"nummer": number, "sha256": sha})
    return final


def concept_problems(statement):
    """What must be filled in before even a concept PDF can be made (Dutch, all at once)."""
    problems = []
    if statement.werkproces_count == 0:
        problems.append("Kies ten minste één behaald werkproces (stap 4.2).")
    if statement.bpv_hours is None:
        problems.append("Vul het aantal BPV-uren in (stap 4.3).")
    return problems


def concept_pdf(statement):
    """A concept PDF (CONCEPT watermark, no number, no QR code) from the live data."""
    from services import statement_data
    from services.pdf.statement import render_statement

    problems = concept_problems(statement)
    if problems:
        raise StatementError(problems)
    return render_statement(statement_data.build(statement, issued_on=date.today()), concept=True)


def final_pdf(statement):
    """The exact bytes issued when it was made final."""
    if statement.status != FINAL or not statement.pdf:
        raise StatementError("Deze praktijkverklaring is nog niet definitief.")
    return bytes(statement.pdf)


# --- deletion ----------------------------------------------------------------------------------


def delete_statement(statement, user, *, taken_back=False, reason=None):
    """Delete a statement; only its maker may; a final one only after the issued copy was taken back."""
    _require_editor(user, statement)
    refusal = delete_refusal_reason(user, statement)
    if refusal:
        raise StatementError(refusal)
    if statement.status == FINAL:
        problems = []
        if not taken_back:
            problems.append("Bevestig dat het uitgereikte exemplaar is ingenomen en vernietigd.")
        if not (reason or "").strip():
            problems.append("Vul de reden van het intrekken in (die komt op de verificatiepagina).")
        if problems:
            raise StatementError(problems)
    statement._withdrawal_reason = (reason or "").strip() or "Ingetrokken door de onderwijsinstelling."
    label_text = str(statement)
    audit.record("delete", statement, user=user, label=label_text,
                 changes={"status": statement.status, "reden": statement._withdrawal_reason})
    statement.delete()


# --- branch organisations ----------------------------------------------------------------------


def active_branch_organisations():
    return list(BranchOrganisation.objects.order_by("name"))


def education_form_label(code):
    return label(EDUCATION_FORMS, code)
