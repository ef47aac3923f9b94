"""Issue 15: the praktijkopleider signs off online through a personal link (invite, page, sign, school, stap 4.2)."""

import hashlib
import io
import logging
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader, PdfWriter

from core.clock import local, utcnow
from documents.audit import AuditEvent
from documents.companies import Company, Trainer
from documents.guidance import GuidanceDocument
from documents.institutions import Institution
from documents.participants import Participant
from documents.reviews import GuidanceProgress, TrainerReview
from documents.users import User
from services import guidance as gsvc
from services import trainer_review as svc
from services.errors import NotFound
from services.placements import create_placement
from services.qualifications import get_by_crebo
from tests.conftest import make_app

LINK = re.compile(r"http://localhost(/beoordeling/[A-Za-z0-9_\-]+)")


@pytest.fixture
def staff(app):
    return User.objects(email="mbo@school.example").get()


@pytest.fixture
def participant(app, staff):
    school = Institution.objects(brin="25DM").get()
    company = Company.objects(company_id="100200330").get()
    p = Participant(first_name="Zoë", last_name="Ösztürk", birth_date=date(2006, 5, 1), institution=school).save()
    create_placement(staff, p, company=company, trainer=Trainer.objects(company=company).first())
    return p


def codes(crebo="90101"):
    return [wp.code for wp in get_by_crebo(crebo).work_processes()]


def final_doc(participant, staff, n=3, gedrag=1):
    from documents.guidance import Selection

    q = get_by_crebo("90101")
    chosen = codes()[:n]
    selection = Selection(crebo="90101", qualification_id=str(q.pk), codes=chosen, behaviour_codes=chosen[:gedrag])
    return gsvc.finalize(gsvc.create_concept(participant, staff, [selection]), staff)


@pytest.fixture
def doc(participant, staff):
    return final_doc(participant, staff)


def invite(doc, staff, caplog, email="opleider@bedrijf.example"):
    """Invite and return the path of the link as the mail (written to the log) carries it."""
    caplog.clear()
    with caplog.at_level(logging.INFO):
        svc.invite(doc, staff, email)
    mails = [r.getMessage() for r in caplog.records if r.name == "praktijkloket.mail"]
    assert len(mails) == 1 and "opleider@bedrijf.example" in mails[0] or email in mails[0]
    return LINK.search(mails[-1]).group(1)


def moment_form(entries=None, **extra):
    """Form data of the trainer's page: entries = {row index: [(datum, niveau), ...]}."""
    data = {"action": "save"}
    for i, moments in (entries or {}).items():
        for m, (day, level) in enumerate(moments, start=1):
            data[f"r{i}-m{m}-datum"] = day
            data[f"r{i}-m{m}-niveau"] = level
    data.update(extra)
    return data


def sign_form(entries, **extra):
    return moment_form(
        entries,
        action="sign",
        **{"sign-name": "J. Bakker", "sign-function": "Chef-kok", "sign-confirm": "ja", **extra},
    )


# --- invite: token, hash, mail, audit ------------------------------------------------------------------------------


def test_invite_mails_a_link_whose_token_is_stored_only_as_a_hash(doc, staff, caplog):
    path = invite(doc, staff, caplog)
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes, base64url: at least 128 bits as asked
    review = TrainerReview.objects.get(guidance=doc)
    assert review.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = str(TrainerReview.objects(pk=review.pk).as_pymongo().first())
    assert token not in stored
    assert review.guidance_version == doc.version and review.email == "opleider@bedrijf.example"
    assert timedelta(days=89) < review.expires_at - utcnow() <= timedelta(days=90)
    events = AuditEvent.objects(object_id=str(review.pk))
    assert [e.action for e in events] == ["invite"]
    assert all(token not in str(e.to_mongo()) for e in AuditEvent.objects)


def test_invite_needs_a_final_document_and_an_email_address(participant, staff, doc, caplog):
    from documents.guidance import Selection

    q = get_by_crebo("90101")
    concept = gsvc.create_concept(
        participant, staff, [Selection(crebo="90101", qualification_id=str(q.pk), codes=codes()[:1])]
    )
    with pytest.raises(svc.ReviewError, match="Rond het begeleidingsdocument eerst af"):
        svc.invite(concept, staff, "a@b.nl")
    with pytest.raises(svc.ReviewError, match="geen geldig e-mailadres"):
        svc.invite(doc, staff, "geen-adres")
    # The register has no address for this trainer: the form asks for it.
    GuidanceDocument._get_collection().update_one({"_id": doc.pk}, {"$set": {"snapshot.trainer.email": ""}})
    doc.reload()
    with pytest.raises(svc.ReviewError, match="Vul het e-mailadres van de praktijkopleider in"):
        svc.invite(doc, staff, "")
    assert not TrainerReview.objects(guidance=doc).count()


def test_one_invitation_per_version_resend_rotates_and_revoke(client, doc, staff, caplog):
    first = invite(doc, staff, caplog)
    with pytest.raises(svc.ReviewError, match="al uitgenodigd"):
        svc.invite(doc, staff, "ander@bedrijf.example")
    assert client.get(first).status_code == 200
    review = TrainerReview.objects.get(guidance=doc)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        svc.resend(review, staff)
    second = LINK.search([r.getMessage() for r in caplog.records if r.name == "praktijkloket.mail"][0]).group(1)
    assert second != first
    assert client.get(first).status_code == 404  # the old link opens nothing
    assert client.get(second).status_code == 200
    svc.revoke(TrainerReview.objects.get(guidance=doc), staff)
    revoked = client.get(second)
    unknown = client.get("/beoordeling/" + "x" * 43)
    # No oracle: a revoked and an unknown link get the same page.
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.text == unknown.text and "Deze link werkt niet" in revoked.text
    # After revoking, the document can be sent again (a new invitation).
    again = invite(doc, staff, caplog)
    assert client.get(again).status_code == 200
    actions = [e.action for e in AuditEvent.objects(object_type="TrainerReview").order_by("at")]
    assert actions.count("invite") == 3 and "revoke" in actions and "review_opened" in actions


def test_expired_link_has_its_own_page_and_writes_nothing(client, doc, staff, caplog):
    path = invite(doc, staff, caplog)
    TrainerReview.objects(guidance=doc).update(set__expires_at=utcnow() - timedelta(minutes=1))
    page = client.get(path)
    assert page.status_code == 410 and "Deze link is verlopen" in page.text
    posted = client.post(path, data=moment_form({0: [("01-02-2026", "beheerst")]}))
    assert posted.status_code == 410
    assert TrainerReview.objects.get(guidance=doc).entries == {}


# --- the trainer's page ------------------------------------------------------------------------------------------


def test_page_shows_only_the_document_and_links_nowhere_into_the_app(client, doc, staff, caplog):
    path = invite(doc, staff, caplog)
    page = client.get(path)
    text = page.text
    assert page.status_code == 200
    assert "Zoë Ösztürk" in text and "ROC Demo" in text and doc.snapshot["company"]["name"] in text
    for code in doc.selections[0].codes:
        assert code in text
    assert text.count('class="review-moment') == 3 * 3
    assert "Gedrag" in text and 'name="r0-gedrag-1"' in text and 'name="r1-gedrag-1"' not in text
    hrefs = re.findall(r'href="([^"]+)"', text)
    assert all(h.startswith(("/static/", "/admin-static/", "#")) for h in hrefs), hrefs
    assert "action=" not in text.replace('name="action"', "")  # forms post back to the link itself
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert 'name="csrf_token"' in text
    assert 'lang="nl"' in text and "<script>" not in text and "onclick" not in text


def test_draft_then_sign_records_who_when_where_and_locks(client, doc, staff, caplog):
    path = invite(doc, staff, caplog)
    saved = client.post(path, data=moment_form({0: [("01-02-2026", "gedeeltelijk")]}))
    assert saved.status_code == 303
    review = TrainerReview.objects.get(guidance=doc)
    key = doc.selections[0].codes[0]
    assert review.entries[key]["moments"][0] == {"datum": "01-02-2026", "niveau": "gedeeltelijk"}
    assert review.draft_saved_at and not review.is_signed
    assert not GuidanceProgress.objects(guidance=doc).count()  # a draft is not the school's progress
    assert "Uw concept is opgeslagen" in client.get(saved.headers["Location"]).text
    signed = client.post(
        path,
        data=sign_form({0: [("01-02-2026", "gedeeltelijk"), ("15-02-2026", "beheerst")]}, **{"r0-gedrag-1": "ja"}),
        headers={"User-Agent": "Mozilla/5.0 (Android 14; Mobile)"},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    assert signed.status_code == 303
    review.reload()
    assert review.is_signed and review.signed_name == "J. Bakker" and review.signed_function == "Chef-kok"
    assert review.signed_ip == "198.51.100.9" and "Android" in review.signed_user_agent
    assert review.entries[key]["gedrag"]["1"] is True and not any(list(review.entries[key]["gedrag"].values())[1:])
    # Locked: the page says so, and a later post changes nothing.
    page = client.get(path)
    assert "al afgetekend" in page.text and "J. Bakker" in page.text
    client.post(path, data=moment_form({0: [("02-02-2026", "nog niet")]}))
    assert TrainerReview.objects.get(pk=review.pk).entries[key]["moments"][1]["niveau"] == "beheerst"
    with pytest.raises(svc.ReviewError):
        svc.save_draft(review, moment_form({0: [("02-02-2026", "nog niet")]}))
    actions = [e.action for e in AuditEvent.objects(object_id=str(review.pk)).order_by("at")]
    assert actions == ["invite", "review_opened", "review_draft", "review_signed"]
    token = path.rsplit("/", 1)[1]
    assert all(token not in str(e.to_mongo()) for e in AuditEvent.objects)


def test_page_says_what_to_fix_and_writes_nothing(client, doc, staff, caplog):
    path = invite(doc, staff, caplog)
    tomorrow = (local(utcnow()).date() + timedelta(days=2)).strftime("%d-%m-%Y")
    bad = client.post(
        path,
        data=moment_form(
            {0: [("31-02-2026", "beheerst"), ("", "wel"), (tomorrow, "beheerst")], 1: [("01-02-2026", "")]}
        ),
    )
    assert bad.status_code == 400
    text = bad.text
    assert "31-02-2026 bestaat niet" in text and "kies niet, gedeeltelijk of wel" in text
    assert "ligt in de toekomst" in text and "kies ook de beheersing" in text
    assert 'value="31-02-2026"' in text  # what was typed stays in the form
    unsigned = client.post(path, data=sign_form({}, **{"sign-name": "", "sign-function": "", "sign-confirm": ""}))
    assert unsigned.status_code == 400
    for message in ("Vul uw naam in", "Vul uw functie in", "Vink aan dat u", "ten minste één werkproces"):
        assert message in unsigned.text
    review = TrainerReview.objects.get(guidance=doc)
    assert review.entries == {} and not review.is_signed and review.draft_saved_at is None


def test_rate_limited(demo_dump, caplog):
    app = make_app(demo_dump, RATELIMIT_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        codes_seen = [client.post("/beoordeling/" + "y" * 43, data={}).status_code for _ in range(32)]
    assert codes_seen[0] == 404 and codes_seen[-1] == 429
    assert "Te veel pogingen" in client.post("/beoordeling/" + "y" * 43, data={}).text


def test_csrf_on_the_trainer_page_and_on_invite(demo_dump, caplog):
    app = make_app(demo_dump, WTF_CSRF_ENABLED=True)
    with app.app_context():
        staff = User.objects(email="mbo@school.example").get()
        school = Institution.objects(brin="25DM").get()
        company = Company.objects(company_id="100200330").get()
        p = Participant(first_name="Csrf", last_name="Test", birth_date=date(2006, 5, 1), institution=school).save()
        create_placement(staff, p, company=company, trainer=Trainer.objects(company=company).first())
        doc = final_doc(p, staff)
        path = invite(doc, staff, caplog)
        client = app.test_client()
        refused = client.post(path, data=moment_form({0: [("01-02-2026", "beheerst")]}))
        assert refused.status_code == 400 and "Formulier verlopen" in refused.text
        assert all(
            h.startswith(("/static/", "/admin-static/", "#")) for h in re.findall(r'href="([^"]+)"', refused.text)
        )
        assert TrainerReview.objects.get(guidance=doc).entries == {}
        page = client.get(path).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        accepted = client.post(path, data=moment_form({0: [("01-02-2026", "beheerst")]}, csrf_token=token))
        assert accepted.status_code == 303
        assert TrainerReview.objects.get(guidance=doc).draft_saved_at is not None
        # The school's invite form is protected the same way.
        svc.revoke(TrainerReview.objects.get(guidance=doc), staff)
        login_page = client.get("/login").text
        login_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
        from documents.users import Terms
        from services.accounts import accept_terms

        accept_terms(staff, Terms.current().version)
        client.post("/login", data={"email": staff.email, "password": "praktijkloket-demo", "csrf_token": login_token})
        url = f"/begeleidingsdocument/document/{doc.pk}/praktijkopleider-uitnodigen"
        assert client.post(url, data={"email": "x@y.nl"}).status_code == 400
        assert TrainerReview.objects(guidance=doc, revoked_at=None).count() == 0


# --- logs ----------------------------------------------------------------------------------------------------------


def test_tokens_are_masked_in_werkzeugs_request_line_and_the_app_log(app, doc, staff, caplog):
    from werkzeug._internal import _log

    path = invite(doc, staff, caplog)
    token = path.rsplit("/", 1)[1]
    caplog.clear()
    with caplog.at_level(logging.INFO):
        # What werkzeug's request handler logs for every request (serving.WSGIRequestHandler.log_request).
        _log("info", '%s - - [%s] "%s" %s %s', "127.0.0.1", "30/Nov/2026 10:00:00", f"GET {path} HTTP/1.1", "200", "-")
        app.logger.error("Exception on %s [POST]", path)
        logging.getLogger("praktijkloket.trainer_review").info("opened %s", path)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3 and all("/beoordeling/***" in line for line in lines)
    assert token not in caplog.text


# --- another school, a second document version -------------------------------------------------------------------


def test_another_school_cannot_invite_or_read(client, auth, doc, staff, caplog):
    invite(doc, staff, caplog)
    review = TrainerReview.objects.get(guidance=doc)
    other = User.objects(email="pro@school.example").get()
    with pytest.raises(NotFound):
        svc.invite(doc, other, "x@y.nl")
    with pytest.raises(NotFound):
        svc.get_review_for(other, review.pk)
    auth.login("pro@school.example")
    base = f"/begeleidingsdocument/document/{doc.pk}"
    assert client.get(f"{base}/").status_code == 404
    assert client.post(f"{base}/praktijkopleider-uitnodigen", data={"email": "x@y.nl"}).status_code == 404
    assert client.post(f"{base}/uitnodiging/{review.pk}/opnieuw").status_code == 404
    assert client.post(f"{base}/uitnodiging/{review.pk}/intrekken").status_code == 404
    assert TrainerReview.objects.get(pk=review.pk).revoked_at is None and review.sent_count == 1


def test_second_document_version_gets_its_own_invitation(client, participant, doc, staff, caplog):
    first = invite(doc, staff, caplog)
    client.post(first, data=sign_form({0: [("01-02-2026", "beheerst")]}))
    second_doc = gsvc.finalize(gsvc.copy_as_new(doc, staff), staff)
    second = invite(second_doc, staff, caplog)
    assert second != first
    page = client.get(second)
    assert page.status_code == 200 and second_doc.document_id in page.text and doc.document_id not in page.text
    assert "al afgetekend" in client.get(first).text  # the first link still belongs to the first document
    assert gsvc.progress_table(second_doc) == []  # the sign-off of version 1 is not version 2's progress
    assert gsvc.progress_table(doc)[0]["source"].startswith("online afgetekend door J. Bakker")


# --- the school sees it; stap 4.2; the statement -----------------------------------------------------------------


def _fill(pdf_bytes, values):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes)))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_one_progress_record_fed_by_pdf_and_online(client, auth, doc, staff, caplog):
    first, second, third = doc.selections[0].codes
    filled = _fill(
        gsvc.pdf(doc), {f"wp_{second}_moment1_datum": "03-02-2026", f"wp_{second}_moment1_niveau": "beheerst"}
    )
    gsvc.upload_filled_copy(doc, staff, "ingevuld.pdf", filled)
    path = invite(doc, staff, caplog)
    client.post(path, data=sign_form({0: [("01-02-2026", "beheerst")]}))
    day = local(TrainerReview.objects.get(guidance=doc).signed_at).strftime("%d-%m-%Y")
    rows = {r["code"]: r for r in gsvc.progress_table(doc)}
    assert rows[first]["source"] == f"online afgetekend door J. Bakker op {day}"
    assert rows[second]["source"] == "uit het geüploade PDF" and rows[second]["moments"][0]["niveau"] == "beheerst"
    assert not rows[third]["filled"]
    auth.login("mbo@school.example")
    summary = client.get(f"/begeleidingsdocument/document/{doc.pk}/").text
    assert f"online afgetekend door J. Bakker op {day}" in summary and "uit het geüploade PDF" in summary
    assert f"Online afgetekend door J. Bakker op {day}" in summary


def test_participant_page_shows_progress_and_review_status(client, auth, doc, staff, caplog):
    path = invite(doc, staff, caplog)
    client.post(path, data=sign_form({0: [("01-02-2026", "beheerst")]}))
    auth.login("mbo@school.example")
    from flask import url_for

    with client.application.test_request_context():
        url = url_for("participants.details", pid=str(doc.participant.pk))
    page = client.get(url).text
    assert "online afgetekend door J. Bakker" in page and "Online afgetekend door J. Bakker" in page


def test_school_invites_resends_and_revokes_from_the_summary(client, auth, doc, caplog):
    auth.login("mbo@school.example")
    base = f"/begeleidingsdocument/document/{doc.pk}"
    assert "Praktijkopleider uitnodigen" in client.get(f"{base}/").text
    caplog.clear()
    with caplog.at_level(logging.INFO):
        client.post(f"{base}/praktijkopleider-uitnodigen", data={"email": "opleider@bedrijf.example"})
    review = TrainerReview.objects.get(guidance=doc)
    assert review.email == "opleider@bedrijf.example" and "Uitgenodigd" in client.get(f"{base}/").text
    client.post(f"{base}/uitnodiging/{review.pk}/opnieuw", data={"email": ""})
    assert TrainerReview.objects.get(pk=review.pk).sent_count == 2
    client.post(f"{base}/uitnodiging/{review.pk}/intrekken")
    assert TrainerReview.objects.get(pk=review.pk).revoked_at is not None


def test_step_4_2_takes_over_the_werkprocessen_marked_wel_and_prints_the_date(client, auth, doc, staff, caplog):
    from services import statement_data
    from services import statements as ssvc
    from services.pdf.statement import render_statement

    first, second, third = doc.selections[0].codes
    path = invite(doc, staff, caplog)
    # "wel" is what the latest moment says: the second werkproces went from wel to gedeeltelijk.
    client.post(
        path,
        data=sign_form(
            {
                0: [("01-02-2026", "gedeeltelijk"), ("08-02-2026", "beheerst")],
                1: [("01-02-2026", "beheerst"), ("09-02-2026", "gedeeltelijk")],
                2: [("01-02-2026", "nog niet")],
            }
        ),
    )
    statement = ssvc.create_concept(doc.participant, staff)
    auth.login("mbo@school.example")
    step = f"/praktijkverklaringen/{statement.pk}/werkprocessen"
    page = client.get(step).text
    assert "Overnemen uit de beoordeling van de praktijkopleider" in page
    client.post(step, data={"action": "review_take_over", "guidance": str(doc.pk), "version": statement.version})
    statement.reload()
    assert [s.codes for s in statement.selections] == [[first]]
    assert statement.source_guidance.pk == doc.pk
    # The user can still adjust: add another werkproces by hand.
    client.post(step, data={"action": "save", "go": "stay", "wp-90101": [first, third], "version": statement.version})
    statement.reload()
    assert statement.selections[0].codes == [first, third]
    data = statement_data.build(statement)
    assert data["trainer_review"]["signed"] and data["trainer_review"]["signed_by"] == "J. Bakker"
    assert not data["trainer_review"]["print"]
    assert "Beoordeeld door de praktijkopleider" not in _text(render_statement(data, concept=True))
    client.post(step, data={"action": "review_print", "print_trainer_review": "ja", "version": statement.version})
    statement.reload()
    assert statement.print_trainer_review
    day = local(TrainerReview.objects.get(guidance=doc).signed_at).strftime("%d-%m-%Y")
    printed = _text(render_statement(statement_data.build(statement), concept=True))
    assert f"Beoordeeld door de praktijkopleider op {day}" in printed


def _text(pdf_bytes):
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages)


def test_take_over_without_any_wel_says_so(doc, staff, caplog, client):
    from services import statements as ssvc

    path = invite(doc, staff, caplog)
    client.post(path, data=sign_form({0: [("01-02-2026", "gedeeltelijk")]}))
    statement = ssvc.create_concept(doc.participant, staff)
    with pytest.raises(svc.ReviewError, match="nog geen werkproces als 'wel'"):
        svc.take_over(statement, staff, doc)


def test_demo_link_opens_an_open_invitation(app, client):
    from services.demo_trainer_review import demo_link

    link = demo_link()
    assert link and "/beoordeling/" in link
    page = client.get(link.replace("http://localhost", ""))
    assert page.status_code == 200 and "Mila" in page.text
    # At the next start the link is new (only the hash is kept) and the old one stops working.
    again = demo_link()
    assert again != link and client.get(link.replace("http://localhost", "")).status_code == 404


def test_start_log_prints_the_demo_invitation_link(demo_dump, caplog):
    from app import create_app
    from tests.conftest import BASE_CONFIG

    with caplog.at_level(logging.WARNING, logger="praktijkloket"):
        create_app({**BASE_CONFIG, "SEED_DEMO": True})
    lines = [r.getMessage() for r in caplog.records if r.name == "praktijkloket"]
    assert any(
        re.search(r"Demo-uitnodiging praktijkopleider .*: http://localhost/beoordeling/[\w-]{43}", m) for m in lines
    )
