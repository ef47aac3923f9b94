"""Praktijkverklaring at service level: input rules, making it final, immutability, deletion, logos."""

import hashlib
import io
import re
from datetime import timedelta

import pytest

from documents.companies import Accreditation, Company
from documents.finality import FinalDocumentError
from documents.guidance import GuidanceDocument, Selection
from documents.statements import PracticeStatement, VerificationRecord
from services import guidance as guidance_svc
from services import statements as svc
from services import verification
from services.clock import local_today, utcnow
from services.errors import NotFound
from tests.statement_helpers import (
    BAKERY,
    ENDED,
    final_statement,
    image_bytes,
    participant_at,
    png_bytes,
    qualification,
    ready_concept,
    school,
    selection,
    user,
)

# --- input rules ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, hours", [("10", 10), ("480", 480), ("1.200", 1200), ("1200", 1200), (" 10.000 ", 10000), (1600, 1600)]
)
def test_bpv_hours_accepts_whole_numbers_in_range(typed, hours):
    assert svc.parse_bpv_hours(typed) == hours


@pytest.mark.parametrize(
    "typed", ["9", "10001", "10.001", "0", "-20", "12,5", "12.5", "1.2", "abc", "", None, "1.2000", "١٢٠٠"]
)
def test_bpv_hours_refuses_everything_else_in_dutch(typed):
    with pytest.raises(svc.StatementError) as exc:
        svc.parse_bpv_hours(typed)
    assert "heel getal van 10 tot en met 10.000" in str(exc.value)


def test_education_forms_fit_the_school_kind(app):
    assert [c for c, _l in svc.education_forms_for(school("25DM"))] == ["mbo_diploma", "mbo_maatwerk"]
    assert [c for c, _l in svc.education_forms_for(school("12PD"))] == ["pro"]
    assert [c for c, _l in svc.education_forms_for(school("08VD"))] == ["vso"]


def test_onderwijsvorm_that_does_not_fit_the_school_is_refused(app):
    statement = svc.create_concept(participant_at(), user("mbo@school.example"))
    with pytest.raises(svc.StatementError, match="past bij uw onderwijsinstelling"):
        svc.update_concept(statement, user("mbo@school.example"), education_form="vso")
    # A pro school gets its only form preset.
    pro = svc.create_concept(participant_at(brin="12PD", author="pro@school.example"), user("pro@school.example"))
    assert pro.education_form == "pro"


def test_update_refuses_a_stale_version(app):
    maker = user("mbo@school.example")
    statement = svc.create_concept(participant_at(), maker)
    svc.update_concept(statement, maker, expected_version=statement.version, bpv_hours="500")
    with pytest.raises(svc.StatementError, match="intussen gewijzigd"):
        svc.update_concept(statement, maker, expected_version=statement.version, bpv_hours="600")
    assert PracticeStatement.objects(pk=statement.pk).get().bpv_hours == 500


def test_archived_participant_is_refused(app):
    participant = participant_at()
    maker = user("mbo@school.example")
    statement = ready_concept(participant)
    participant.archived_at = utcnow()
    participant.save()
    with pytest.raises(svc.StatementError, match="archief"):
        svc.create_concept(participant, maker)
    problems = svc.readiness_problems(PracticeStatement.objects(pk=statement.pk).get())
    assert any("archief" in p for p in problems)
    with pytest.raises(svc.StatementError):
        svc.finalize(PracticeStatement.objects(pk=statement.pk).get(), maker)


# --- making it final --------------------------------------------------------------------------------------


def test_every_problem_is_named_at_once(app):
    maker = user("mbo@school.example")
    participant = participant_at(company_id=None)
    with pytest.raises(svc.StatementError, match="stap 2"):
        svc.create_concept(participant, maker)  # the wizard needs a placement first
    # A concept without one (made by a script, or whose placement was removed) is still checked in full.
    statement = PracticeStatement(
        institution=participant.institution, participant=participant, created_by=maker, created_by_name=maker.name
    ).save()
    with pytest.raises(svc.StatementError) as exc:
        svc.finalize(statement, maker)
    text = " | ".join(exc.value.problems)
    assert len(exc.value.problems) == 5, text
    for part in ("onderwijsvorm", "werkproces", "BPV-uren", "erkend leerbedrijf", "praktijkopleider"):
        assert part in text
    assert PracticeStatement.objects(pk=statement.pk).get().status == "concept"
    assert VerificationRecord.objects(statement=statement).count() == 0


def test_accreditation_is_checked_per_kwalificatie_on_todays_date(app):
    company = Company.objects(company_id=BAKERY).get()
    company.accreditations = [
        Accreditation(crebo="90101", start=local_today() - timedelta(days=400)),
        Accreditation(crebo="90201", start=local_today() - timedelta(days=400), end=local_today() - timedelta(days=1)),
        Accreditation(crebo="90301", start=local_today() + timedelta(days=5)),
    ]
    company.save()
    statement = ready_concept(selections=[selection("90101"), selection("90201"), selection("90301")])
    problems = svc.readiness_problems(statement)
    assert len(problems) == 2, problems
    assert any("90201" in p for p in problems) and any("90301" in p for p in problems)
    assert not any("90101" in p for p in problems)
    assert local_today().strftime("%d-%m-%Y") in problems[0]
    # The day the future accreditation starts it counts.
    later = svc.readiness_problems(statement, on_date=local_today() + timedelta(days=5))
    assert [p for p in later if "90301" in p] == []


def test_company_whose_accreditation_ended_cannot_be_used(app):
    crebo = Company.objects(company_id=ENDED).get().accreditations[0].crebo
    statement = ready_concept(participant_at(company_id=ENDED), selections=[selection(crebo)])
    assert any(crebo in p and "niet erkend" in p for p in svc.readiness_problems(statement))


def test_finalize_numbers_codes_and_stores_the_exact_pdf(app):
    first = final_statement()
    second = final_statement()
    for final in (first, second):
        assert re.fullmatch(rf"PV-{utcnow().year}-\d{{6}}", final.number)
        assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", final.verification_code)  # 16 base32 chars = 80 bits
        assert final.pdf_sha256 == hashlib.sha256(bytes(final.pdf)).hexdigest()
        assert bytes(final.pdf).startswith(b"%PDF")
        record = VerificationRecord.objects(code=final.verification_code).get()
        assert (record.number, record.status, record.pdf_sha256) == (final.number, "valid", final.pdf_sha256)
        assert final.snapshot["participant"]["full_name"] == final.participant.full_name
        assert final.placement is not None
    assert first.number != second.number and first.verification_code != second.verification_code
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    # Every download returns exactly the stored bytes.
    stored = PracticeStatement.objects(pk=first.pk).get()
    assert svc.final_pdf(stored) == svc.final_pdf(stored) == bytes(first.pdf)


def test_verification_codes_are_random_and_80_bits():
    codes = {svc.new_verification_code() for _ in range(2000)}
    assert len(codes) == 2000
    raw = next(iter(codes)).replace("-", "")
    assert len(raw) * 5 >= 80
    assert svc.normalise_code(next(iter(codes)).lower().replace("-", " ")) in codes


def test_finalize_twice_is_refused(app):
    final = final_statement()
    with pytest.raises(svc.StatementError, match="al definitief"):
        svc.finalize(final, user("mbo@school.example"))


def test_other_school_cannot_finalize_or_open(app):
    statement = ready_concept()
    with pytest.raises(NotFound):
        svc.get_statement_for(user("vso@school.example"), statement.pk)
    with pytest.raises(NotFound):
        svc.get_statement_for(user("vso@school.example"), "not-an-id")
    with pytest.raises(svc.StatementError):
        svc.finalize(statement, user("vso@school.example"))
    assert svc.get_statement_for(user("collega@school.example"), statement.pk).pk == statement.pk


# --- final means final ------------------------------------------------------------------------------------


def test_final_statement_is_immutable_through_every_path(app):
    final = final_statement()
    maker = user("mbo@school.example")
    before = PracticeStatement.objects(pk=final.pk).as_pymongo().get()
    attempts = [
        lambda: svc.update_concept(final, maker, bpv_hours="20"),
        lambda: svc.set_selections(final, maker, [selection(count=1)]),
        lambda: svc.set_company_logo(final, maker, png_bytes()),
        lambda: svc.set_branch_organisations(final, maker, []),
        lambda: PracticeStatement.objects(pk=final.pk).update(set__bpv_hours=20),
        lambda: PracticeStatement.objects(pk=final.pk).update_one(set__bpv_hours=20),
        lambda: PracticeStatement.objects(pk=final.pk).modify(set__bpv_hours=20),
        lambda: PracticeStatement.objects.update(set__bpv_hours=20),
    ]
    for attempt in attempts:
        with pytest.raises((FinalDocumentError, svc.StatementError)):
            attempt()
    doc = PracticeStatement.objects(pk=final.pk).get()
    doc.bpv_hours = 20
    with pytest.raises(FinalDocumentError):
        doc.save()
    # A concept cannot be saved as final directly either: only finalize() makes it final.
    concept = ready_concept()
    concept.status = "final"
    with pytest.raises(FinalDocumentError):
        concept.save()
    assert PracticeStatement.objects(pk=final.pk).as_pymongo().get() == before


# --- taking over from a begeleidingsdocument --------------------------------------------------------------


def test_take_over_werkprocessen_from_a_guidance_document_then_adjust(app):
    maker = user("mbo@school.example")
    participant = participant_at()
    guidance = guidance_svc.create_concept(participant, maker, [selection("90101", 4), selection("90201", 2)])
    statement = svc.create_concept(participant, maker)
    statement = svc.take_over_guidance(statement, maker, guidance)
    assert [s.crebo for s in statement.selections] == ["90101", "90201"]
    assert statement.werkproces_count == 6 and statement.source_guidance.pk == guidance.pk
    adjusted = [Selection(**s.to_mongo().to_dict()) for s in statement.selections]
    adjusted[0].codes = adjusted[0].codes[:1]
    statement = svc.set_selections(statement, maker, adjusted)
    assert statement.werkproces_count == 3
    other = GuidanceDocument.objects(participant__ne=participant).first()
    if other is None:
        other = guidance_svc.create_concept(participant_at(first_name="Ander"), maker, [selection()])
    with pytest.raises(svc.StatementError, match="van deze deelnemer"):
        svc.take_over_guidance(statement, maker, other)


# --- deletion and withdrawal ------------------------------------------------------------------------------


def test_only_the_maker_may_delete(app):
    concept = ready_concept()
    colleague = user("collega@school.example")
    assert not svc.may_delete(colleague, concept)
    assert "Marieke de Boer" in svc.delete_refusal_reason(colleague, concept)
    with pytest.raises(svc.StatementError, match="zelf hebt gemaakt"):
        svc.delete_statement(concept, colleague)
    assert PracticeStatement.objects(pk=concept.pk).count() == 1
    svc.delete_statement(concept, user("mbo@school.example"))
    assert PracticeStatement.objects(pk=concept.pk).count() == 0


def test_deleting_a_final_statement_needs_confirmation_and_leaves_a_withdrawn_record(app):
    final = final_statement()
    maker = user("mbo@school.example")
    with pytest.raises(svc.StatementError) as exc:
        svc.delete_statement(final, maker)
    assert len(exc.value.problems) == 2 and "ingenomen en vernietigd" in exc.value.problems[0]
    with pytest.raises(svc.StatementError, match="zelf hebt gemaakt"):
        svc.delete_statement(final, user("collega@school.example"), taken_back=True, reason="fout")
    assert verification.public_view(verification.lookup_code(final.verification_code))["status"] == "valid"
    svc.delete_statement(final, maker, taken_back=True, reason="Verkeerde uren")
    assert PracticeStatement.objects(pk=final.pk).count() == 0
    record = VerificationRecord.objects(code=final.verification_code).get()
    assert (record.status, record.withdrawal_reason, record.number) == ("withdrawn", "Verkeerde uren", final.number)
    assert record.withdrawn_at is not None and record.statement is None
    view = verification.public_view(record)
    assert view["status"] == "withdrawn" and "participant_name" not in view
    # The record itself holds no personal data.
    raw = VerificationRecord.objects(pk=record.pk).as_pymongo().get()
    assert final.participant.last_name not in repr(raw)


def test_deleting_the_participant_withdraws_its_final_statements(app):
    final = final_statement()
    final.participant.delete()
    assert PracticeStatement.objects(pk=final.pk).count() == 0
    assert VerificationRecord.objects(code=final.verification_code).get().status == "withdrawn"


# --- logos ------------------------------------------------------------------------------------------------


def test_logo_upload_rules(app):
    maker = user("mbo@school.example")
    statement = ready_concept(participant_at(company_id="100200302"))  # no registry logo
    for data, message in [
        (b"not an image at all", "geen afbeelding"),
        (image_bytes("GIF"), "JPG- of PNG-bestand"),
        (b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 10), "te groot"),
        (b"", "Kies een afbeelding"),
    ]:
        with pytest.raises(svc.StatementError, match=message):
            svc.set_company_logo(statement, maker, data)
    assert not PracticeStatement.objects(pk=statement.pk).get().company_logo
    original = png_bytes(size=(300, 120))
    statement = svc.set_company_logo(statement, maker, original)
    assert statement.company_logo_type == "image/jpeg" and bytes(statement.company_logo) != original
    from PIL import Image

    assert Image.open(io.BytesIO(bytes(statement.company_logo))).size == (300, 120)
    transparent = svc.set_company_logo(statement, maker, png_bytes(mode="RGBA", colour=(0, 0, 0, 0)))
    assert transparent.company_logo_type == "image/png"
    jpeg = svc.set_company_logo(transparent, maker, image_bytes("JPEG"))
    assert jpeg.company_logo_type == "image/jpeg"
    assert svc.remove_company_logo(jpeg, maker).company_logo is None


def test_company_with_a_registry_logo_gets_no_upload(app):
    statement = ready_concept()  # the bakery has a registry logo
    assert svc.registry_logo(statement)
    with pytest.raises(svc.StatementError, match="register"):
        svc.set_company_logo(statement, user("mbo@school.example"), png_bytes())


def test_branch_organisations_are_ticked_by_id(app):
    from documents.statements import BranchOrganisation

    maker = user("mbo@school.example")
    statement = ready_concept()
    branches = list(BranchOrganisation.objects.order_by("name"))
    assert len(branches) >= 2
    statement = svc.set_branch_organisations(statement, maker, [str(branches[1].pk), "rubbish"])
    assert [b.pk for b in statement.branch_organisations] == [branches[1].pk]


def test_demo_data_has_every_status_and_onderwijsvorm(app):
    statuses = set(PracticeStatement.objects.distinct("status"))
    forms = set(PracticeStatement.objects.distinct("education_form"))
    assert statuses == {"concept", "final"}
    assert forms == {"mbo_diploma", "mbo_maatwerk", "pro", "vso"}
    assert VerificationRecord.objects(status="withdrawn").count() >= 1
    for final in PracticeStatement.objects(status="final"):
        assert hashlib.sha256(bytes(final.pdf)).hexdigest() == final.pdf_sha256
    assert qualification() is not None


def test_deleting_a_branch_organisation_takes_it_off_concepts_and_leaves_finals_as_issued(app):
    from documents.statements import BranchOrganisation

    maker = user("mbo@school.example")
    first, second = list(BranchOrganisation.objects.order_by("name"))[:2]
    concept = svc.set_branch_organisations(ready_concept(), maker, [str(first.pk), str(second.pk)])
    final = svc.finalize(svc.set_branch_organisations(ready_concept(), maker, [str(first.pk)]), maker)
    first.delete()
    assert [b.pk for b in PracticeStatement.objects(pk=concept.pk).get().branch_organisations] == [second.pk]
    stored = PracticeStatement.objects(pk=final.pk).get()
    assert stored.status == "final" and bytes(stored.pdf) == bytes(final.pdf)
