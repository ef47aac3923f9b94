"""Toegang aanvragen: the public form, approving and rejecting over a real SMTP server, permissions, rate limit."""

import email
import re
import time

import pytest

from documents.access import AccessRequest
from documents.audit import AuditEvent
from documents.institutions import Institution
from documents.users import PasswordResetToken, User
from services import access
from tests.conftest import Auth, free_port, make_app

LIST = "/verzoeken/toegangsaanvragen/"

VALID = {
    "name": "Anouk Jansen",
    "email": "Anouk.Jansen@Nieuwcollege.example",
    "function": "stagecoördinator",
    "school_name": "Nieuw College",
    "kind": "pro",
    "brin": "12ab",
    "message": "Wij willen praktijkverklaringen maken.",
}


def submit(client, **changes):
    return client.post("/toegang-aanvragen", data={**VALID, **changes})


def wait_for(inbox, count, timeout=5):
    deadline = time.time() + timeout
    while len(inbox.messages) < count and time.time() < deadline:
        time.sleep(0.05)
    return inbox.messages


def body_of(raw):
    message = email.message_from_string(raw)
    return message["Subject"], message.get_payload(decode=True).decode("utf-8"), message["To"]


def admin():
    return User.objects(email="beheerder@sbb.example").get()


# --- submitting ------------------------------------------------------------------------------------


def test_request_page_is_public_dutch_and_linked_from_login(client):
    html = client.get("/toegang-aanvragen").get_data(as_text=True)
    assert "Toegang aanvragen" in html and "BRIN-code" in html and 'name="csrf_token"' in html
    assert "praktijkonderwijs" in html.lower() and "Aanvraag versturen" in html
    assert 'href="/toegang-aanvragen"' in client.get("/login").get_data(as_text=True)


def test_valid_request_is_stored_normalised_and_thanked(client):
    response = submit(client)
    assert response.status_code == 302 and response.headers["Location"] == "/toegang-aanvragen/bedankt"
    assert "Bedankt voor uw aanvraag" in client.get(response.headers["Location"]).get_data(as_text=True)
    stored = AccessRequest.objects.get()
    assert stored.email == "anouk.jansen@nieuwcollege.example"
    assert stored.brin == "12AB" and stored.kind == "pro" and stored.status == "submitted"
    assert stored.function == "stagecoördinator" and stored.ip_address == "127.0.0.1"
    assert stored.created_at is not None
    assert AuditEvent.objects(action="create", object_type="AccessRequest").count() == 1


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"brin": "ABCD"}, "brin", "twee cijfers gevolgd door twee letters of cijfers"),
        ({"brin": "12ABC"}, "brin", "twee cijfers gevolgd door twee letters of cijfers"),
        ({"email": "geen-adres"}, "email", "geen geldig e-mailadres"),
        ({"email": ""}, "email", "Vul uw e-mailadres in."),
        ({"name": "  "}, "name", "Vul uw naam in."),
        ({"school_name": ""}, "school_name", "Vul de naam van uw school in."),
        ({"kind": ""}, "kind", "Kies bij welk soort school u werkt"),
        ({"kind": "hbo"}, "kind", "Kies bij welk soort school u werkt"),
        ({"brin": ""}, "brin", "Vul de BRIN-code van uw school in."),
        ({"name": "x" * 201}, "name", "maximaal 200 tekens"),
    ],
)
def test_invalid_request_gets_dutch_message_and_stores_nothing(client, changes, field, message):
    response = submit(client, **changes)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="error-{field}"' in html and message in html
    assert "De aanvraag is nog niet verstuurd" in html
    # What the user typed stays in the form.
    assert 'value="Nieuw College"' in html or field == "school_name"
    assert AccessRequest.objects.count() == 0


def test_all_missing_fields_reported_at_once(client):
    html = client.post("/toegang-aanvragen", data={}).get_data(as_text=True)
    for field in ("name", "email", "school_name", "kind", "brin"):
        assert f'id="error-{field}"' in html
    assert "function" not in re.findall(r'id="error-(\w+)"', html)
    assert AccessRequest.objects.count() == 0


def test_existing_account_gets_the_same_answer_and_reviewer_sees_it(client, auth):
    unknown = submit(client)
    known = submit(client, email="mbo@school.example", name="Marieke de Boer")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert AccessRequest.objects.count() == 2
    auth.login("beheerder@sbb.example")
    listing = client.get(LIST).get_data(as_text=True)
    assert listing.count("account bestaat al") == 1
    stored = AccessRequest.objects(email="mbo@school.example").get()
    details = client.get(f"{LIST}details/?id={stored.pk}").get_data(as_text=True)
    assert 'id="existing-account"' in details and "Marieke de Boer" in details


def test_repeated_submission_does_not_make_a_second_open_request(client):
    submit(client)
    submit(client)
    assert AccessRequest.objects.count() == 1


def test_honeypot_field_stores_nothing(client):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 302
    assert AccessRequest.objects.count() == 0


def test_submit_is_rate_limited_per_address(client):
    for i in range(10):
        submit(client, email=f"persoon{i}@school.example")
    blocked = submit(client, email="nog-een@school.example")
    assert blocked.status_code == 429
    assert "Te veel pogingen" in blocked.get_data(as_text=True)
    assert AccessRequest.objects.count() == 10
    assert client.get("/toegang-aanvragen").status_code == 200  # reading the page is not limited


def test_csrf_token_is_required(demo_dump):
    application = make_app(demo_dump, WTF_CSRF_ENABLED=True)
    with application.app_context():
        client = application.test_client()
        assert client.post("/toegang-aanvragen", data=VALID).status_code == 400
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', client.get("/toegang-aanvragen").get_data(as_text=True)
        ).group(1)
        assert client.post("/toegang-aanvragen", data={**VALID, "csrf_token": token}).status_code == 302
        assert AccessRequest.objects.count() == 1


# --- approving and rejecting over a real SMTP server ---------------------------------------------


@pytest.fixture
def mail_app(demo_dump, smtp_server):
    application = make_app(demo_dump, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with application.app_context():
        yield application


def test_approve_creates_school_user_and_mails_a_working_link(mail_app, smtp_server):
    client = mail_app.test_client()
    submit(client)
    request = AccessRequest.objects.get()
    auth = Auth(client)
    auth.login("beheerder@sbb.example")
    before = Institution.objects.count()
    page = client.get(f"{LIST}details/?id={request.pk}").get_data(as_text=True)
    assert 'id="new-school"' in page and 'id="approve"' in page and "data-confirm=" in page

    response = client.post(f"{LIST}goedkeuren/{request.pk}", follow_redirects=True)
    assert "De aanvraag is goedgekeurd" in response.get_data(as_text=True)
    assert Institution.objects.count() == before + 1
    school = Institution.objects(brin="12AB").get()
    assert (school.name, school.kind) == ("Nieuw College", "pro")
    user = User.objects(email="anouk.jansen@nieuwcollege.example").get()
    assert user.role == "school_staff" and user.institution == school and user.password_hash is None
    assert user.function == "stagecoördinator"
    request.reload()
    assert request.status == "approved" and request.created_user == user and request.institution == school
    assert request.handled_by.email == "beheerder@sbb.example" and request.handled_at is not None
    assert AuditEvent.objects(action="status_change", object_id=str(request.pk)).count() == 1

    messages = wait_for(smtp_server, 2)
    assert len(messages) == 2
    subjects = {body_of(m)[0]: body_of(m) for m in messages}
    assert "Uw toegang tot het Praktijkloket is geregeld" in subjects
    subject, body, to = subjects["Nieuw wachtwoord voor het Praktijkloket"]
    assert to == "anouk.jansen@nieuwcollege.example"
    link = re.search(r"http://localhost(/wachtwoord-instellen/\S+)", body).group(1)

    auth.logout()
    assert "Nieuw wachtwoord kiezen" in client.get(link).get_data(as_text=True)
    password = "een nieuw lang wachtwoord"
    assert client.post(link, data={"password": password, "repeat": password}).status_code == 302
    assert auth.login("anouk.jansen@nieuwcollege.example", password=password).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Welkom, Anouk Jansen" in home and "Nieuw College" in home


def test_approve_links_to_existing_school_by_brin(mail_app, smtp_server):
    school = Institution.objects(name="Praktijkschool Demo").get()
    client = mail_app.test_client()
    submit(client, brin=school.brin.lower(), school_name="Andere schrijfwijze van de naam", kind="pro")
    request = AccessRequest.objects.get()
    before = Institution.objects.count()
    user = access.approve_request(request, admin())
    assert Institution.objects.count() == before
    assert user.institution == school and request.institution == school
    assert len(wait_for(smtp_server, 2)) == 2


def test_existing_school_with_other_kind_is_pointed_out(client, auth):
    school = Institution.objects(name="ROC Demo").get()
    submit(client, brin=school.brin, kind="vso")
    auth.login("beheerder@sbb.example")
    page = client.get(f"{LIST}details/?id={AccessRequest.objects.get().pk}").get_data(as_text=True)
    assert 'id="existing-school"' in page and "ROC Demo" in page and "Let op:" in page


def test_reject_needs_a_reason_and_mails_it(mail_app, smtp_server):
    client = mail_app.test_client()
    submit(client)
    request = AccessRequest.objects.get()
    Auth(client).login("beheerder@sbb.example")
    empty = client.post(f"{LIST}afwijzen/{request.pk}", data={"reason": "  "}, follow_redirects=True)
    assert "Vul de reden van de afwijzing in" in empty.get_data(as_text=True)
    assert AccessRequest.objects.get().status == "submitted"
    reason = "Uw school staat niet geregistreerd als onderwijsinstelling; neem contact op met uw adviseur."
    done = client.post(f"{LIST}afwijzen/{request.pk}", data={"reason": reason}, follow_redirects=True)
    assert "De aanvraag is afgewezen" in done.get_data(as_text=True)
    request.reload()
    assert request.status == "rejected" and request.rejection_reason == reason
    assert User.objects(email=request.email).first() is None
    messages = wait_for(smtp_server, 1)
    assert len(messages) == 1
    subject, body, to = body_of(messages[0])
    assert subject == "Uw aanvraag voor toegang tot het Praktijkloket" and to == request.email
    assert reason in body and "Beste Anouk Jansen" in body
    # Handled is handled: a second decision is refused.
    with pytest.raises(access.AccessError, match="al behandeld"):
        access.approve_request(request, admin())


def test_approve_refused_when_account_exists(app):
    access.submit_request({**VALID, "email": "mbo@school.example"})
    request = AccessRequest.objects.get()
    with pytest.raises(access.AccessError, match="Er bestaat al een account"):
        access.approve_request(request, admin())
    assert AccessRequest.objects.get().status == "submitted"


def test_failed_mail_leaves_nothing_half_made(demo_dump):
    application = make_app(demo_dump, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens
    with application.app_context():
        request = access.submit_request(VALID)
        schools, users, tokens = Institution.objects.count(), User.objects.count(), PasswordResetToken.objects.count()
        with pytest.raises(access.AccessError, match="Er is niets aangemaakt"):
            access.approve_request(request, admin())
        assert Institution.objects.count() == schools and User.objects.count() == users
        assert PasswordResetToken.objects.count() == tokens
        assert Institution.objects(brin="12AB").first() is None
        request.reload()
        assert request.status == "submitted" and request.handled_by is None
        # Reject still works without mail; the reviewer is told the mail did not go out.
        assert access.reject_request(request, admin(), "Geen geldige school.") is False
        assert AccessRequest.objects.get().status == "rejected"


def test_concurrent_second_decision_is_refused(app):
    request = access.submit_request(VALID)
    stale = AccessRequest.objects.get(pk=request.pk)
    access.reject_request(request, admin(), "Dubbele aanvraag.")
    with pytest.raises(access.AccessError, match="al door iemand anders behandeld"):
        access._claim(stale, "approved", admin())


# --- permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, list_status",
    [(None, 302), ("school_staff", 403), ("sbb_advisor", 200), ("sbb_admin", 200)],
)
def test_who_sees_the_requests(client, auth, role, list_status):
    access.submit_request(VALID)
    request = AccessRequest.objects.get()
    if role:
        auth.login_role(role)
    assert client.get(LIST).status_code == list_status
    assert client.get(f"{LIST}details/?id={request.pk}").status_code == list_status


@pytest.mark.parametrize("role, status", [(None, 302), ("school_staff", 403), ("sbb_advisor", 403)])
def test_only_sbb_admin_decides(client, auth, role, status):
    access.submit_request(VALID)
    request = AccessRequest.objects.get()
    if role:
        auth.login_role(role)
    assert client.post(f"{LIST}goedkeuren/{request.pk}").status_code == status
    assert client.post(f"{LIST}afwijzen/{request.pk}", data={"reason": "nee"}).status_code == status
    assert AccessRequest.objects.get().status == "submitted"
    assert User.objects(email=request.email).first() is None


def test_advisor_sees_details_without_decision_buttons(client, auth):
    access.submit_request(VALID)
    auth.login("adviseur@sbb.example")
    page = client.get(f"{LIST}details/?id={AccessRequest.objects.get().pk}").get_data(as_text=True)
    assert 'id="approve"' not in page and 'id="reject"' not in page
    assert "Een SBB-beheerder keurt deze aanvraag goed" in page


def test_services_refuse_roles_that_may_not_decide(app):
    request = access.submit_request(VALID)
    advisor = User.objects(email="adviseur@sbb.example").get()
    with pytest.raises(access.AccessError, match="Alleen een SBB-beheerder"):
        access.approve_request(request, advisor)
    with pytest.raises(access.AccessError, match="Alleen een SBB-beheerder"):
        access.reject_request(request, advisor, "reden")


def test_unknown_request_id_is_404(client, auth):
    auth.login("beheerder@sbb.example")
    assert client.post(f"{LIST}goedkeuren/000000000000000000000000").status_code == 404
    assert client.post(f"{LIST}goedkeuren/geen-id").status_code == 404


# --- list and home panel ------------------------------------------------------------------------


def test_status_filter_and_home_panel_count_agree(client, auth):
    for i in range(3):
        access.submit_request({**VALID, "email": f"persoon{i}@school.example"})
    access.reject_request(AccessRequest.objects.first(), admin(), "Geen school.")
    auth.login("beheerder@sbb.example")
    home = client.get("/").get_data(as_text=True)
    match = re.search(r'href="([^"]+)" id="open-access-requests">Open toegangsaanvragen: <strong>(\d+)</strong>', home)
    assert match and match.group(2) == "2"
    listing = client.get(match.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert listing.count("badge-warning") == 2 and "badge-secondary" not in listing


def test_home_panel_only_for_sbb_admin(client, auth):
    auth.login("adviseur@sbb.example")
    assert "Open toegangsaanvragen" not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("mbo@school.example")
    assert "Open toegangsaanvragen" not in client.get("/").get_data(as_text=True)


def test_menu_entry_under_verzoeken(client, auth):
    auth.login("beheerder@sbb.example")
    html = client.get(LIST).get_data(as_text=True)
    assert "Verzoeken" in html and "Toegangsaanvragen" in html
