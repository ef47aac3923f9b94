"""Privacy (AVG): the participant's history panel, the ZIP export (JSON + every PDF), and the retention rule
(dry run, real run, CLI) with verification records that keep working."""

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest

from documents.audit import AuditEvent
from documents.guidance import GuidanceDocument, Selection
from documents.participants import Participant
from documents.statements import PracticeStatement, VerificationRecord
from services import audit, privacy, statement_data
from services.clock import utcnow
from tests import reports_data as data


def _guidance_with_snapshot(p, crebo="90101", codes=("B1-K1-W1",)):
    selections = [Selection(crebo=crebo, codes=list(codes))]
    snapshot = statement_data.storable(
        {
            "institution": statement_data.institution_part(p.institution),
            "participant": statement_data.participant_part(p),
            "company": statement_data.company_part(None, None),
            "trainer": statement_data.trainer_part(None),
            "qualifications": statement_data.qualifications_part(selections),
        }
    )
    doc = GuidanceDocument(institution=p.institution, participant=p, selections=selections, snapshot=snapshot)
    doc.save()
    return doc


@pytest.fixture
def person(app):
    roc = data.school("25DM")
    p = data.participant(roc, "Sanne", "Smits")
    audit.record("create", p, label=p.full_name)
    final = data.statement(p, form="mbo_diploma", final_at=utcnow() - timedelta(days=3))
    concept = data.statement(p, form="mbo_diploma")
    guidance = _guidance_with_snapshot(p)
    return {"p": p, "final": final, "concept": concept, "guidance": guidance}


def test_history_panel_lists_the_participants_events(client, auth, person):
    p = person["p"]
    audit.record("update", person["concept"], label="Concept bijgewerkt")
    other = Participant.objects(institution=p.institution, pk__ne=p.pk).first()
    audit.record("update", other, label="Iemand anders")
    auth.login("mbo@school.example")
    body = client.get(f"/deelnemers/{p.pk}/").data.decode()
    assert 'id="panel-history"' in body
    panel = body[body.index('id="panel-history"') :]
    assert "Concept bijgewerkt" in panel and "Praktijkverklaring" in panel and "Aangemaakt" in panel
    assert "Iemand anders" not in panel
    assert "Gegevens exporteren (AVG)" in panel
    auth.logout()
    auth.login("adviseur@sbb.example")  # advisors see the history, but may not export
    body = client.get(f"/deelnemers/{p.pk}/").data.decode()
    assert "Concept bijgewerkt" in body and "Gegevens exporteren (AVG)" not in body


def test_avg_export_zip_has_all_data_and_pdfs(client, auth, person):
    p = person["p"]
    auth.login("mbo@school.example")
    response = client.post(f"/rapportages/deelnemer/{p.pk}/avg-export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    content = json.loads(archive.read("gegevens.json"))
    assert content["deelnemer"]["first_name"] == "Sanne" and content["deelnemer"]["birth_date"].startswith("2008-05-01")
    assert len(content["praktijkverklaringen"]) == 2 and len(content["begeleidingsdocumenten"]) == 1
    assert any(e["actie"] == "Aangemaakt" for e in content["geschiedenis"])
    final_name = f"pdf/praktijkverklaring-{person['final'].number}.pdf"
    assert final_name in names
    assert archive.read(final_name) == bytes(PracticeStatement.objects.get(pk=person["final"].pk).pdf)
    guidance_pdfs = [n for n in names if n.startswith("pdf/begeleidingsdocument-")]
    assert len(guidance_pdfs) == 1 and archive.read(guidance_pdfs[0]).startswith(b"%PDF")
    assert sorted(content["bestanden"]) == sorted(n for n in names if n.startswith("pdf/"))
    event = AuditEvent.objects(action="export", participant_id=p.pk).first()
    assert event is not None and event.user_email == "mbo@school.example"


def test_avg_export_is_scoped(client, auth, person):
    p = person["p"]
    auth.login("pro@school.example")
    assert client.post(f"/rapportages/deelnemer/{p.pk}/avg-export").status_code == 404
    assert client.post("/rapportages/deelnemer/000000000000000000000000/avg-export").status_code == 404
    auth.logout()
    auth.login("adviseur@sbb.example")
    assert client.post(f"/rapportages/deelnemer/{p.pk}/avg-export").status_code == 403
    auth.logout()
    assert client.post(f"/rapportages/deelnemer/{p.pk}/avg-export").status_code == 302
    assert AuditEvent.objects(action="export", participant_id=p.pk).count() == 0


@pytest.fixture
def retention(app):
    roc = data.school("25DM")
    long_ago = utcnow() - timedelta(days=365 * 9)
    old = data.participant(roc, "Oud", "Zonderverklaring", archived_at=long_ago)
    audit.record("archive", old, label=old.full_name)
    concept = data.statement(old, form="mbo_diploma")
    guidance = _guidance_with_snapshot(old)
    keep_final = data.participant(roc, "Oud", "Metverklaring", archived_at=long_ago)
    final = data.statement(keep_final, form="mbo_diploma", final_at=long_ago - timedelta(days=30))
    recent = data.participant(roc, "Recent", "Gearchiveerd", archived_at=utcnow() - timedelta(days=365))
    active = data.participant(roc, "Nog", "Actief")
    return {
        "old": old,
        "concept": concept,
        "guidance": guidance,
        "keep_final": keep_final,
        "final": final,
        "recent": recent,
        "active": active,
    }


def test_retention_dry_run_changes_nothing(app, retention):
    before = Participant.objects.get(pk=retention["old"].pk).to_mongo().to_dict()
    found = privacy.apply_retention(7, dry_run=True)
    assert [p.pk for p in found] == [retention["old"].pk]
    assert Participant.objects.get(pk=retention["old"].pk).to_mongo().to_dict() == before
    assert AuditEvent.objects(action="anonymise").count() == 0


def test_retention_anonymises_and_keeps_verification_working(client, app, retention):
    record = VerificationRecord.objects.get(number=retention["final"].number)
    record_before = record.to_mongo().to_dict()
    done = privacy.apply_retention(7)
    assert [p.pk for p in done] == [retention["old"].pk]
    old = Participant.objects.get(pk=retention["old"].pk)
    assert old.first_name == "Geanonimiseerd" and "Zonderverklaring" not in old.full_name
    assert old.birth_date is None and old.birth_place is None and old.email is None and old.student_number is None
    assert "zonderverklaring" not in " ".join(old.search_tokens) and old.search_last != "zonderverklaring"
    # Copies of the name in documents and in the history are replaced too.
    for model in (PracticeStatement, GuidanceDocument):
        for doc in model.objects(participant=old):
            assert "Zonderverklaring" not in json.dumps(doc.snapshot, default=str)
    assert not AuditEvent.objects(participant_id=old.pk, object_label__contains="Zonderverklaring").count()
    event = AuditEvent.objects(action="anonymise").get()
    assert event.participant_id == old.pk
    # Others untouched.
    for key in ("keep_final", "recent", "active"):
        assert Participant.objects.get(pk=retention[key].pk).first_name != "Geanonimiseerd"
    # The verification record is untouched and still answers, by code and by the exact PDF.
    assert VerificationRecord.objects.get(pk=record.pk).to_mongo().to_dict() == record_before
    response = client.get(f"/verificatie/{record.code}")
    assert response.status_code == 200 and retention["final"].number in response.data.decode()
    pdf = bytes(PracticeStatement.objects.get(pk=retention["final"].pk).pdf)
    assert hashlib.sha256(pdf).hexdigest() == record.pdf_sha256
    # Running again finds nothing: anonymised participants are not anonymised twice.
    assert privacy.apply_retention(7) == []


def test_retention_cli(app, retention):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["bewaartermijn", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Oud Zonderverklaring" in result.output and "Proefdraai" in result.output
    assert "Metverklaring" not in result.output
    assert Participant.objects.get(pk=retention["old"].pk).first_name == "Oud"
    result = runner.invoke(args=["bewaartermijn"])
    assert result.exit_code == 0, result.output
    assert "1 deelnemer is geanonimiseerd" in result.output and "Zonderverklaring" not in result.output
    assert Participant.objects.get(pk=retention["old"].pk).first_name == "Geanonimiseerd"
    app.config["RETENTION_YEARS"] = 20
    result = runner.invoke(args=["bewaartermijn", "--dry-run"])
    assert "0 deelnemers" in result.output


def test_retention_respects_configured_years(app, retention):
    assert privacy.retention_candidates(10) == []
    assert {p.pk for p in privacy.retention_candidates(0, now=utcnow() + timedelta(days=1))} >= {
        retention["old"].pk,
        retention["recent"].pk,
    }
    assert retention["keep_final"].pk not in {p.pk for p in privacy.retention_candidates(0)}


def test_audit_log_is_filterable_and_scoped_for_schools(client, auth, person):
    """Geschiedenis (Beheer): SBB sees all schools, school staff only their own, with user/action/period filters."""
    other = data.participant(data.school("12PD"), "Piet", "Andereschool")
    audit.record("update", other, label="Wijziging andere school")
    audit.record("update", person["p"], label="Wijziging eigen school")
    auth.login("mbo@school.example")
    body = client.get("/beheer/geschiedenis/").data.decode()
    assert "Wijziging eigen school" in body and "Wijziging andere school" not in body
    body = client.get("/beheer/geschiedenis/?flt0_1=update").data.decode()  # Actie = Gewijzigd
    assert "Wijziging eigen school" in body and "Sanne Smits" not in body  # the 'create' event is filtered out
    body = client.get("/beheer/geschiedenis/?flt0_1=create&flt1_2=Participant").data.decode()  # actie + object
    assert "Sanne Smits" in body and "Wijziging eigen school" not in body
    body = client.get("/beheer/geschiedenis/?flt0_0=niemand%40nergens").data.decode()  # gebruiker
    assert "Wijziging eigen school" not in body
    body = client.get("/beheer/geschiedenis/?flt0_5=2001-01-01+00%3A00%3A00+to+2001-12-31+00%3A00%3A00").data.decode()
    assert "Wijziging eigen school" not in body  # periode
    auth.logout()
    auth.login("beheerder@sbb.example")
    body = client.get("/beheer/geschiedenis/?flt0_1=update").data.decode()
    assert "Wijziging eigen school" in body and "Wijziging andere school" in body


def test_avg_export_needs_the_csrf_token_of_the_page(demo_dump):
    import re

    from tests.conftest import make_app

    application = make_app(demo_dump, WTF_CSRF_ENABLED=True)
    with application.app_context():
        p = data.participant(data.school("25DM"), "Csrf", "Proef")
        client = application.test_client()
        login_page = client.get("/login").data.decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
        from documents.users import Terms, User
        from services.accounts import accept_terms

        user = User.objects.get(email="mbo@school.example")
        if Terms.current():
            accept_terms(user, Terms.current().version)
        client.post("/login", data={"email": user.email, "password": "praktijkloket-demo", "csrf_token": token})
        page = client.get(f"/deelnemers/{p.pk}/").data.decode()
        form = page[page.index('id="avg-export-form"') :]
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        assert client.post(f"/rapportages/deelnemer/{p.pk}/avg-export").status_code == 400
        response = client.post(f"/rapportages/deelnemer/{p.pk}/avg-export", data={"csrf_token": token})
        assert response.status_code == 200 and response.mimetype == "application/zip"


def test_retention_drops_cached_pdfs_that_carry_the_name(app, retention):
    import pypdf

    from services import guidance as guidance_service

    doc = GuidanceDocument.objects.finalize_conditionally(retention["guidance"].pk, finalized_at=utcnow())
    before = guidance_service.pdf(doc)  # rendered once and kept
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(before)).pages)
    assert "Zonderverklaring" in text
    privacy.apply_retention(7)
    doc = GuidanceDocument.objects.get(pk=doc.pk)
    after = guidance_service.pdf(doc)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(after)).pages)
    assert "Zonderverklaring" not in text and "Geanonimiseerd" in text


def test_retention_clears_the_trainers_remarks(app, retention):
    from documents.reviews import GuidanceProgress, TrainerReview

    doc = retention["guidance"]
    entry = {"moments": [{"datum": "01-03-2026", "niveau": "beheerst"}], "opmerkingen": "Zonderverklaring werkt netjes"}
    common = {"guidance": doc, "institution": doc.institution, "participant": retention["old"]}
    GuidanceProgress(**common, entries={"B1-K1-W1": dict(entry)}).save()
    TrainerReview(
        **common,
        guidance_version=doc.version,
        token_hash="0" * 64,
        email="opleider@bedrijf.example",
        expires_at=utcnow() + timedelta(days=90),
        entries={"B1-K1-W1": dict(entry)},
    ).save()

    privacy.apply_retention(7)

    for model in (GuidanceProgress, TrainerReview):
        kept = model.objects(guidance=doc).get().entries["B1-K1-W1"]
        assert kept["opmerkingen"] == ""
        assert kept["moments"] == entry["moments"]  # levels and dates say nothing about the person
