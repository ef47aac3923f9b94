"""Praktijkverklaring: concept edits, making it final (all checks at once), deletion/withdrawal, PDFs."""

import base64
import hashlib
import logging
import re
import secrets
import time
from contextlib import contextmanager

from bson import ObjectId
from mongoengine.errors import NotUniqueError

from core.text import hidden_character, hidden_character_message
from documents.constants import (
    BPV_HOURS_MAX,
    BPV_HOURS_MIN,
    EDUCATION_FORMS,
    EDUCATION_FORMS_BY_KIND,
    STATEMENT_STATUSES,
    label,
)
from documents.files import StoredFile, has_file
from documents.finality import CONCEPT, FINAL, FinalDocumentError
from documents.guidance import GuidanceDocument, Selection
from documents.statements import BranchOrganisation, Counter, PracticeStatement, VerificationRecord
from services import audit, participant_overview
from services.clock import local, utcnow
from services.errors import NotFound
from services.ids import parse_object_id, ref_id
from services.permissions import check_institution, may_access_institution, require


class StatementError(ValueError):
    """One or more Dutch messages about why a statement action cannot go ahead."""

    def __init__(self, problems):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


class PlacementMissing(StatementError):
    """The participant has no company and trainer yet (stap 2 comes first)."""


# --- input rules -------------------------------------------------------------------------------


def education_forms_for(institution):
    """The onderwijsvormen that fit the school's kind, as (code, Dutch label)."""
    allowed = EDUCATION_FORMS_BY_KIND.get(getattr(institution, "kind", None), ())
    return [(code, text) for code, text in EDUCATION_FORMS if code in allowed]


def parse_bpv_hours(value):
    """Read BPV-uren as typed by a Dutch user ('1.200' is twelve hundred); return an int or raise."""
    text = str(value if value is not None else "").strip().replace(" ", "")
    message = (
        f"Vul het aantal BPV-uren in als een heel getal van {BPV_HOURS_MIN} tot en met {BPV_HOURS_MAX:,}".replace(
            ",", "."
        )
        + ", bijvoorbeeld 480."
    )
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
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_code(code):
    clean = re.sub(r"[^A-Za-z2-7]", "", code or "").upper()
    return "-".join(clean[i : i + 4] for i in range(0, len(clean), 4)) if len(clean) == 16 else None


# A number is drawn under the year's lease: longer than any render, so only a crashed holder loses it.
NUMBER_LEASE_SECONDS = 60
# How long a "Definitief maken" waits for another one to finish (well within gunicorn's 60 s timeout).
NUMBER_WAIT_SECONDS = 20
_NUMBER_POLL_SECONDS = 0.02

log = logging.getLogger("praktijkloket.statements")


def format_number(year, value):
    return f"PV-{year}-{value:06d}"


@contextmanager
def next_number(year):
    """Hold the year's numbering lease and yield the next number; it counts as issued only when the body succeeds.

    Only one finalize at a time draws a number, so a failure (or losing the race for the statement) hands the
    same number to the next one: the numbers of a year have no gaps.
    """
    name, token = f"pv-{year}", secrets.token_hex(16)
    deadline = time.monotonic() + NUMBER_WAIT_SECONDS
    while (counter := Counter.take_lease(name, token, NUMBER_LEASE_SECONDS)) is None:
        if time.monotonic() > deadline:
            raise StatementError(
                "Er wordt op dit moment een andere praktijkverklaring definitief gemaakt. "
                "Probeer het over een minuut opnieuw."
            )
        time.sleep(_NUMBER_POLL_SECONDS)
    try:
        value = counter.value + 1
        # A holder that stored its statement but could not move the counter on (a crash) left that number taken.
        # A statement that became final while its record was taken back holds its number too.
        while _number_taken(format_number(year, value)):
            value += 1
        yield format_number(year, value)
        try:
            Counter.advance(name, value)
        except Exception:  # the statement stands; the loop above skips the number for the next holder
            log.exception("Counter %s not advanced to %s", name, value)
    finally:
        try:
            Counter.release(name, token)
        except Exception:  # the lease then expires after NUMBER_LEASE_SECONDS
            log.exception("Lease of counter %s not released", name)


def _number_taken(number):
    """Whether a verification record or a statement already holds this number."""
    return bool(VerificationRecord.objects(number=number).count() or PracticeStatement.objects(number=number).count())


def _final_with(pk, number):
    """The statement when it is stored final with this number (its write went through), else None."""
    return PracticeStatement.objects(pk=pk, status=FINAL, number=number).first()


def _dutch_today():
    """Today's date in the Netherlands, from this module's clock (the date printed on a statement)."""
    return local(utcnow()).date()


# --- access ------------------------------------------------------------------------------------


def get_statement_for(user, statement_id):
    """The statement with this id when the user may see it; 404 otherwise (also for malformed ids)."""
    from mongoengine.errors import ValidationError as MongoValidationError

    try:
        statement = PracticeStatement.objects(pk=statement_id).first()
    except MongoValidationError:
        statement = None
    if statement is None:
        raise NotFound()
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
    return (
        f"Alleen {statement.created_by_name or 'de maker'} kan deze praktijkverklaring verwijderen: "
        "u kunt alleen praktijkverklaringen verwijderen die u zelf hebt gemaakt."
    )


# --- concept -----------------------------------------------------------------------------------


def create_concept(participant, user):
    """Start a new concept statement for the participant (the wizard fills it step by step)."""
    require(user, "edit_participants")
    check_institution(user, participant.institution)
    if participant.archived_at:
        raise StatementError("Deze deelnemer staat in het archief. Zet de deelnemer eerst terug naar Actueel.")
    from services import statement_data

    if statement_data.placement_of_participant(participant) is None:
        raise PlacementMissing("Kies eerst een leerbedrijf en praktijkopleider voor deze deelnemer (stap 2).")
    # "Aan de slag" twice must not leave two empty concepts (they count on the dashboard): go on with the one
    # nothing was entered in yet.
    empty = next((s for s in _concepts_of(participant) if is_empty_concept(s)), None)
    if empty is not None:
        return empty
    forms = education_forms_for(participant.institution)
    statement = PracticeStatement(
        institution=participant.institution,
        participant=participant,
        status=CONCEPT,
        education_form=forms[0][0] if len(forms) == 1 else None,
        created_by=user,
        created_by_name=user.name,
    )
    statement.id = ObjectId()  # the audit event, written first, names it
    with audit.recorded("create", statement, user=user):
        statement.save(force_insert=True)
    return statement


def _concepts_of(participant):
    return PracticeStatement.objects(participant=participant, status=CONCEPT, bpv_hours=None).order_by("-created_at")


def is_empty_concept(statement):
    """Say whether nothing but (at most) the onderwijsvorm was entered in this concept."""
    return (
        statement.status == CONCEPT
        and statement.werkproces_count == 0
        and statement.bpv_hours is None
        and not (statement._data.get("company_logo") or statement._data.get("company_logo_file"))
        and not statement.branch_organisations
        and statement._data.get("source_guidance") is None
    )


def update_concept(statement, user, *, expected_version=None, **changes):
    """Change fields of a concept; a stale form (another version) is refused; every change is audited."""
    _require_editor(user, statement)
    if statement.status != CONCEPT:
        raise FinalDocumentError()
    if expected_version is not None and str(expected_version) != str(statement.version):
        raise StatementError(
            "Iemand anders heeft deze praktijkverklaring intussen gewijzigd. "
            "Open hem opnieuw en controleer uw wijziging."
        )
    allowed = {
        "education_form",
        "selections",
        "bpv_hours",
        "company_logo_file",
        "company_logo_size",
        "company_logo_sha256",
        "company_logo_type",
        "branch_organisations",
        "source_guidance",
        "print_trainer_review",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    if "education_form" in changes and not changes["education_form"]:
        raise StatementError("Kies de onderwijsvorm die past bij de deelnemer.")
    if "education_form" in changes and changes["education_form"] not in dict(
        education_forms_for(statement.institution)
    ):
        raise StatementError("Kies een onderwijsvorm die past bij uw onderwijsinstelling.")
    if "bpv_hours" in changes and changes["bpv_hours"] is not None:
        changes["bpv_hours"] = parse_bpv_hours(changes["bpv_hours"])
    if "selections" in changes:
        changes["selections"] = checked_selections(changes["selections"])
    updates = {f"set__{k}": v for k, v in changes.items()}
    with audit.recorded("update", statement, user=user, changes={k: _describe(v) for k, v in changes.items()}):
        updated = PracticeStatement.objects(pk=statement.pk, status=CONCEPT, version=statement.version).modify(
            new=True, inc__version=1, set__changed_at=utcnow(), **updates
        )
        if updated is None:
            raise StatementError(
                "Iemand anders heeft deze praktijkverklaring intussen gewijzigd. "
                "Open hem opnieuw en controleer uw wijziging."
            )
    return updated


def _describe(value):
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    if isinstance(value, list):
        return [str(v) for v in value]
    return value


def checked_selections(selections):
    """Selections checked against the kwalificatiestructuur, with the begeleidingsdocument's rule.

    Werkprocessen go through services.guidance.clean_selections (unknown kwalificatie or code refused, codes in
    the kwalificatie's order, gedrag only for chosen ones). A kwalificatie just added may still be empty: it is
    kept in its place, but it must exist too.
    """
    from services import statement_data
    from services.guidance import GuidanceError, clean_selections

    items = [s if isinstance(s, Selection) else Selection(**s) for s in selections]
    crebos = [s.crebo for s in items]
    if len(set(crebos)) != len(crebos):
        twice = next(c for c in crebos if crebos.count(c) > 1)
        raise StatementError(f"Kwalificatie {twice} staat twee keer op de verklaring. Kies hem één keer.")
    chosen = [s for s in items if any(s.codes or [])]
    try:
        cleaned = iter(clean_selections(chosen) if chosen else [])
    except GuidanceError as exc:
        raise StatementError(str(exc)) from None
    result = []
    for sel in items:
        if any(sel.codes or []):
            result.append(next(cleaned))
            continue
        qualification = statement_data.qualification_of(sel) if sel.crebo else None
        if qualification is None or qualification.crebo != sel.crebo:
            raise StatementError(
                f"Kwalificatie {sel.crebo or '(leeg)'} bestaat niet. Kies een kwalificatie uit de lijst."
            )
        result.append(Selection(crebo=sel.crebo, qualification_id=str(qualification.pk), codes=[], behaviour_codes=[]))
    return result


def set_selections(statement, user, selections, *, expected_version=None, source_guidance=None):
    """Replace the behaalde werkprocessen: one Selection per kwalificatie (a kwalificatie may still be empty)."""
    cleaned, seen = [], set()
    for item in selections:
        sel = item if isinstance(item, Selection) else Selection(**item)
        if not sel.crebo or sel.crebo in seen:
            continue
        seen.add(sel.crebo)
        codes = list(dict.fromkeys(c for c in (sel.codes or []) if c))
        cleaned.append(
            Selection(
                crebo=sel.crebo,
                qualification_id=sel.qualification_id,
                codes=codes,
                behaviour_codes=[c for c in (sel.behaviour_codes or []) if c in codes],
            )
        )
    changes = {"selections": cleaned}
    if source_guidance is not None:
        changes["source_guidance"] = source_guidance
    return update_concept(statement, user, expected_version=expected_version, **changes)


def ticked_selections(statement, ticked):
    """The statement's kwalificaties with the werkprocessen ticked now ({crebo: [codes]}; a crebo left out: none).

    Gedrag stays only for werkprocessen that are still ticked.
    """
    selections = []
    for sel in statement.selections:
        codes = list(ticked.get(sel.crebo) or [])
        behaviour = [c for c in sel.behaviour_codes if c in codes]
        selections.append(
            {"crebo": sel.crebo, "qualification_id": sel.qualification_id, "codes": codes, "behaviour_codes": behaviour}
        )
    return selections


def with_qualification(selections, qualification):
    """The selections plus `qualification` (no werkprocessen ticked yet); refused when none or already there."""
    if qualification is None:
        raise StatementError("Kies een kwalificatie om toe te voegen.")
    if any(s["crebo"] == qualification.crebo for s in selections):
        raise StatementError(f"Kwalificatie {qualification.crebo} staat al op de verklaring.")
    empty = {
        "crebo": qualification.crebo,
        "qualification_id": str(qualification.pk),
        "codes": [],
        "behaviour_codes": [],
    }
    return [*selections, empty]


def participant_guidance(statement, guidance_id):
    """One of the begeleidingsdocumenten of the statement's participant by its id; None for any other id."""
    oid = parse_object_id(guidance_id)
    return GuidanceDocument.objects(pk=oid, participant=statement.participant).first() if oid else None


def take_over_guidance(statement, user, guidance, *, expected_version=None):
    """Copy the werkprocessen of one of the participant's begeleidingsdocumenten (then the user adjusts them)."""
    if guidance is None or guidance.participant is None or guidance.participant.pk != statement.participant.pk:
        raise StatementError("Kies een begeleidingsdocument van deze deelnemer.")
    selections = [s.copy() for s in guidance.selections]
    return set_selections(statement, user, selections, expected_version=expected_version, source_guidance=guidance)


def registry_logo(statement):
    """The company's logo from the registry (bytes) or None."""
    from services import statement_data

    company = statement_data.company_of(statement_data.placement_of(statement))
    return company.logo if company is not None and has_file(company, "logo") else None


def has_registry_logo(statement):
    """Say whether the company has a logo in the registry (without loading it)."""
    from services import statement_data

    company = statement_data.company_of(statement_data.placement_of(statement))
    return company is not None and has_file(company, "logo")


def set_company_logo(statement, user, data, *, expected_version=None):
    """Upload a company logo for this statement only: checked to be a JPG/PNG of at most 2 MB, re-encoded."""
    from services.images import ImageError, process_logo

    if has_registry_logo(statement):
        raise StatementError("Het leerbedrijf heeft al een logo in het register; dat logo komt op de verklaring.")
    try:
        logo, mimetype = process_logo(data)
    except ImageError as exc:
        raise StatementError(str(exc)) from None
    return _replace_company_logo(statement, user, StoredFile.store(logo, mimetype), mimetype, expected_version)


def remove_company_logo(statement, user, *, expected_version=None):
    return _replace_company_logo(statement, user, None, None, expected_version)


def _replace_company_logo(statement, user, stored, mimetype, expected_version):
    """Point the concept at the new logo file; the old file goes once the change stands, the new one if it fails."""
    old = statement.company_logo_file
    try:
        updated = update_concept(
            statement,
            user,
            expected_version=expected_version,
            company_logo_file=stored.pk if stored else None,
            company_logo_size=stored.size if stored else None,
            company_logo_sha256=stored.sha256 if stored else None,
            company_logo_type=mimetype,
        )
    except BaseException:
        StoredFile.discard(stored.pk if stored else None)
        raise
    StoredFile.discard(old)
    return updated


def set_branch_organisations(statement, user, ids, *, expected_version=None):
    """Tick which branch logos to print (unknown ids are ignored)."""
    wanted = {str(i) for i in ids or []}
    chosen = [b for b in BranchOrganisation.objects.order_by("name") if str(b.pk) in wanted]
    return update_concept(statement, user, expected_version=expected_version, branch_organisations=chosen)


# --- making it final ---------------------------------------------------------------------------


def readiness_problems(statement, on_date=None):
    """Every reason, in Dutch, why this statement cannot be made final now (empty list: it can)."""
    from services import statement_data

    on_date = on_date or _dutch_today()
    problems = []
    participant = statement.participant
    if participant.archived_at:
        problems.append("De deelnemer staat in het archief. Zet de deelnemer eerst terug naar Actueel.")
    if statement.education_form not in dict(education_forms_for(statement.institution)):
        problems.append("Kies een onderwijsvorm die past bij uw onderwijsinstelling (stap 4.1).")
    if statement.werkproces_count == 0:
        problems.append("Kies ten minste één behaald werkproces (stap 4.2).")
    else:
        try:
            checked_selections(statement.selections)
        except StatementError as exc:
            problems.extend(f"{problem} (stap 4.2)" for problem in exc.problems)
    if statement.bpv_hours is None or not BPV_HOURS_MIN <= statement.bpv_hours <= BPV_HOURS_MAX:
        problems.append("Vul het aantal BPV-uren in: een heel getal van 10 tot en met 10.000 (stap 4.3).")
    placement = statement_data.placement_of(statement)
    company = statement_data.company_of(placement)
    if company is None:
        problems.append(
            "Kies een erkend leerbedrijf voor de deelnemer (stap 2). Een voorgedragen leerbedrijf moet "
            "eerst door SBB erkend zijn."
        )
    if statement_data.trainer_of(placement) is None:
        problems.append("Kies een praktijkopleider voor de deelnemer (stap 2).")
    if company is not None:
        for selection in statement.selections:
            if selection.codes and not company.is_accredited_for(selection.crebo, on_date):
                problems.append(
                    f"{company.name} is op {on_date:%d-%m-%Y} niet erkend voor kwalificatie "
                    f"{selection.crebo}. Vraag via 'Erkenning uitbreiden' een erkenning aan."
                )
    return problems


def finalize(statement, user):
    """Make the statement final: check everything, number it, render the PDF once and keep its bytes.

    The version that was checked is the one that becomes final. The number is drawn under the year's lease and
    counts only once the statement is final; the audit event, the verification record and the final statement
    stand or fall together.
    """
    from services import statement_data
    from services.pdf.statement import render_statement

    _require_editor(user, statement)
    if statement.status != CONCEPT:
        raise StatementError("Deze praktijkverklaring is al definitief.")
    today = _dutch_today()  # the Dutch date: at 23:30 UTC on 31 December it is already next year's statement
    problems = readiness_problems(statement, on_date=today)
    if problems:
        raise StatementError(problems)
    with next_number(today.year) as number:
        now = utcnow()  # taken under the lease, so the order of issue dates is the order of the numbers
        # Under the lease: a request that lost the race for this statement finds it final and draws nothing.
        current = PracticeStatement.objects(pk=statement.pk).first()
        if current is None or current.status != CONCEPT:
            raise StatementError(
                "Deze praktijkverklaring is intussen al definitief gemaakt of verwijderd. Open hem opnieuw."
            )
        if current.version != statement.version:
            raise StatementError(
                "Iemand anders heeft deze praktijkverklaring intussen gewijzigd. Open hem opnieuw "
                "en controleer hem voordat u hem definitief maakt."
            )
        code = new_verification_code()
        data = statement_data.build(current, number=number, verification_code=code, issued_on=today)
        pdf = _signed(render_statement(data, concept=False))
        sha = hashlib.sha256(pdf).hexdigest()  # of the signed bytes: those are stored, served and verified
        stored = StoredFile.store(pdf, "application/pdf")  # write-once: discarded below if this fails
        placement = statement_data.placement_of(current)
        record = VerificationRecord(
            code=code,
            number=number,
            pdf_sha256=sha,
            statement=current,
            status="valid",
            issued_at=now,
            institution_name=current.institution.name,
        )
        record.id = ObjectId()
        try:
            with audit.recorded(
                "finalize",
                current,
                user=user,
                label=f"Praktijkverklaring {number}",
                changes={"nummer": number, "sha256": sha},
            ):
                # The verification record first: a final statement is never without one.
                record.save(force_insert=True)
                try:
                    final = PracticeStatement.objects(version=current.version).finalize_conditionally(
                        current.pk,
                        placement=placement,
                        snapshot=statement_data.storable(data),
                        number=number,
                        verification_code=code,
                        pdf_file=stored.pk,
                        pdf_size=stored.size,
                        pdf_sha256=sha,
                        finalized_at=now,
                        finalized_by_name=user.name,
                    )
                except BaseException as exc:
                    final = _final_with(current.pk, number)
                    if final is None:
                        VerificationRecord.objects(pk=record.pk).delete()
                        raise
                    if not isinstance(exc, Exception):
                        raise
                    # The write went through and only its answer (or a step after it) failed: the statement is
                    # final with this number, so its record, file and audit event stay.
                    log.exception("Statement %s became final as %s despite an error", current.pk, number)
                if final is None:
                    VerificationRecord.objects(pk=record.pk).delete()
                    raise StatementError(
                        "Deze praktijkverklaring is intussen al definitief gemaakt of gewijzigd. Open hem opnieuw."
                    )
        except BaseException as exc:
            if _final_with(current.pk, number) is not None:
                raise  # final with this number: its file is issued and stays
            StoredFile.discard(stored.pk)
            if not isinstance(exc, NotUniqueError):
                raise
            # Only when a lease expired under a very slow holder: that holder issued this number meanwhile.
            raise StatementError(
                "Het nummer is intussen aan een andere praktijkverklaring gegeven. "
                "Klik nog een keer op Definitief maken."
            ) from None
    return final


def _signed(pdf):
    """The PDF with the platform's PAdES signature; nothing is written when signing fails."""
    from services import signing

    try:
        return signing.sign_pdf(pdf)
    except Exception as exc:
        log.exception("Signing a statement PDF failed")
        raise StatementError(
            "De praktijkverklaring kon niet worden ondertekend; hij is niet definitief gemaakt. Probeer het "
            "opnieuw; lukt het dan nog niet, neem contact op met de servicedesk."
        ) from exc


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
    return render_statement(statement_data.build(statement, issued_on=_dutch_today()), concept=True)


def final_pdf(statement):
    """The exact bytes issued when it was made final."""
    data = statement.pdf if statement.status == FINAL else None
    if not data:
        raise StatementError("Deze praktijkverklaring is nog niet definitief.")
    return data


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
        elif hidden_character(reason, multiline=True):
            problems.append(hidden_character_message("De reden van het intrekken"))
        if problems:
            raise StatementError(problems)
    statement._withdrawal_reason = (reason or "").strip() or "Ingetrokken door de onderwijsinstelling."
    with audit.recorded(
        "delete",
        statement,
        user=user,
        label=str(statement),
        changes={"status": statement.status, "reden": statement._withdrawal_reason},
    ):
        try:
            statement.delete()  # its pre_delete signal withdraws the verification record first
        except BaseException:
            _undo_withdrawal(statement)
            raise


def _undo_withdrawal(statement):
    """The statement still stands after a failed delete: so does its verification record."""
    if statement.status == FINAL and statement.verification_code:
        VerificationRecord.objects(code=statement.verification_code, status="withdrawn").update(
            set__status="valid", unset__withdrawn_at=True, unset__withdrawal_reason=True
        )


# --- branch organisations ----------------------------------------------------------------------


def panel_statements(participant):
    """The participant's statements, newest first, without what the participant page does not show.

    No PDF, logo or snapshot; references load only when read (may_delete compares stored ids).
    """
    query = PracticeStatement.objects(participant=participant)
    return list(query.exclude("pdf_inline", "company_logo_inline", "snapshot").order_by("-created_at"))


def latest_status(participant_ids):
    """{participant id: Dutch status of the newest statement}, in one query for a whole page of participants."""
    return participant_overview.newest_status(PracticeStatement, participant_ids, STATEMENT_STATUSES)


def counts(participant):
    """(total, definitief) of the participant's statements."""
    query = PracticeStatement.objects(participant=participant)
    return query.count(), query.filter(status=FINAL).count()


def active_branch_organisations():
    return list(BranchOrganisation.objects.order_by("name"))


def education_form_label(code):
    return label(EDUCATION_FORMS, code)
