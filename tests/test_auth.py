"""Sign in, terms, password reset, rate limits, CSRF and session cookies."""

import re
import threading
import time
from datetime import timedelta

import pytest

from documents.audit import AuditEvent
from documents.users import PasswordResetToken, Terms, User
from services import accounts
from services.clock import utcnow
from tests.conftest import make_app


def test_login_page_is_dutch_with_named_fields(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html
    assert "Inloggen" in html and "Nieuw wachtwoord aanvragen" in html
    assert 'lang="nl"' in html


def test_demo_banner_on_every_page(client):
    assert "Demoversie" in client.get("/login").get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_message(client):
    wrong = client.post("/login", data={"email": "mbo@school.example", "password": "fout-wachtwoord"})
    unknown = client.post("/login", data={"email": "niemand@school.example", "password": "fout-wachtwoord"})
    assert wrong.status_code == unknown.status_code == 401
    message = "Het e-mailadres of het wachtwoord is onjuist"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert AuditEvent.objects(action="login_failed").count() == 2


def test_login_is_case_insensitive_and_recorded(client, auth):
    response = auth.login("MBO@School.Example")
    assert response.status_code == 302
    user = User.objects(email="mbo@school.example").get()
    assert user.last_login_at is not None
    assert AuditEvent.objects(action="login", user_id=user.pk).count() == 1


def test_inactive_user_cannot_sign_in(client, auth):
    User.objects(email="mbo@school.example").update_one(set__active=False)
    assert auth.login("mbo@school.example").status_code == 401


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/beheer/gebruikers/", "/beheer/gebruikers/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_to_local_paths(client, auth, target, expected):
    auth.login("beheerder@sbb.example")  # accepts terms
    auth.logout()
    response = client.post(
        "/login", data={"email": "beheerder@sbb.example", "password": "praktijkloket-demo", "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_anonymous_goes_to_login_with_next(client):
    response = client.get("/beheer/gebruikers/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_logout_ends_the_session(client, auth):
    auth.login("mbo@school.example")
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302


def test_first_login_must_accept_terms_before_anything_else(client, auth):
    auth.login("mbo@school.example", accept_terms=False)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/voorwaarden")
    page = client.get("/voorwaarden").get_data(as_text=True)
    assert "Ik accepteer de Algemene Voorwaarden" in page
    version = Terms.current().version
    response = client.post("/voorwaarden", data={"version": version, "next": "/"})
    assert response.status_code == 302
    user = User.objects(email="mbo@school.example").get()
    assert user.accepted_terms_version == version and user.accepted_terms_at is not None
    assert client.get("/").status_code == 200


def test_new_terms_version_must_be_accepted_again(client, auth):
    auth.login("mbo@school.example")
    assert client.get("/").status_code == 200
    admin = User.objects(email="beheerder@sbb.example").get()
    accounts.publish_terms("Nieuwe voorwaarden, versie twee.", by=admin)
    response = client.get("/")
    assert response.status_code == 302 and "/voorwaarden" in response.headers["Location"]


def test_accepting_an_outdated_version_is_refused(app):
    user = User.objects(email="mbo@school.example").get()
    old = Terms.current().version
    accounts.publish_terms("Versie twee", by=User.objects(email="beheerder@sbb.example").get())
    with pytest.raises(accounts.AccountError):
        accounts.accept_terms(user, old)


def test_sbb_admin_publishes_terms_through_the_admin(client, auth):
    auth.login("beheerder@sbb.example")
    before = Terms.current().version
    response = client.post("/beheer/voorwaarden/new/", data={"text": "Versie met nieuwe tekst"})
    assert response.status_code == 302
    assert Terms.current().version == before + 1


def test_login_rate_limited_per_account(client):
    for _ in range(5):
        client.post("/login", data={"email": "mbo@school.example", "password": "fout"})
    blocked = client.post("/login", data={"email": "mbo@school.example", "password": "praktijkloket-demo"})
    assert blocked.status_code == 429
    assert "Te veel pogingen" in blocked.get_data(as_text=True)
    # Another account from the same address is not blocked by this one's failures.
    assert client.post("/login", data={"email": "pro@school.example", "password": "fout"}).status_code == 401


def test_login_rate_limited_per_address(client):
    for i in range(30):
        client.post("/login", data={"email": f"iemand{i}@school.example", "password": "fout"})
    assert client.post("/login", data={"email": "vso@school.example", "password": "fout"}).status_code == 429


def test_successful_logins_do_not_count_against_the_limit(client, auth):
    for _ in range(7):
        assert auth.login("mbo@school.example").status_code == 302
        auth.logout()


def test_post_without_csrf_token_fails(demo_dump):
    application = make_app(demo_dump, WTF_CSRF_ENABLED=True)
    client = application.test_client()
    response = client.post("/login", data={"email": "mbo@school.example", "password": "praktijkloket-demo"})
    assert response.status_code == 400
    assert "Formulier verlopen" in response.get_data(as_text=True)
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    ok = client.post(
        "/login", data={"email": "mbo@school.example", "password": "praktijkloket-demo", "csrf_token": token}
    )
    assert ok.status_code == 302


def test_session_cookie_flags(demo_dump):
    application = make_app(demo_dump, PUBLIC_BASE_URL="https://praktijkloket.example")
    assert application.config["SESSION_COOKIE_SECURE"] is True
    client = application.test_client()
    User.objects(email="mbo@school.example").get()
    response = client.post("/login", data={"email": "mbo@school.example", "password": "praktijkloket-demo"})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_security_headers(client):
    headers = client.get("/login").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Referrer-Policy" in headers


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from app import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"MONGODB_URI": "mongodb://127.0.0.1:1/x", "SECRET_KEY": None})


# --- password reset over real SMTP ---------------------------------------------------------


def _reset_link(message):
    import email

    body = email.message_from_string(message).get_payload(decode=True).decode("utf-8")
    return re.search(r"http://localhost(/wachtwoord-instellen/\S+)", body).group(1)


def test_password_reset_over_smtp(demo_dump, smtp_server):
    application = make_app(demo_dump, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    client = application.test_client()
    response = client.post("/wachtwoord-vergeten", data={"email": "mbo@school.example"})
    assert response.status_code == 302
    unknown = client.post("/wachtwoord-vergeten", data={"email": "niemand@school.example"})
    assert unknown.status_code == 302  # same answer, no mail
    deadline = time.time() + 5
    while not smtp_server.messages and time.time() < deadline:
        time.sleep(0.05)
    assert len(smtp_server.messages) == 1
    assert "Nieuw wachtwoord voor het Praktijkloket" in smtp_server.messages[0]
    link = _reset_link(smtp_server.messages[0])

    assert "Nieuw wachtwoord kiezen" in client.get(link).get_data(as_text=True)
    short = client.post(link, data={"password": "kort", "repeat": "kort"})
    assert "minstens 12 tekens" in short.get_data(as_text=True)
    assert (
        client.post(
            link, data={"password": "een lange zin als wachtwoord", "repeat": "een lange zin als wachtwoord"}
        ).status_code
        == 302
    )
    # Single use.
    assert client.get(link).status_code == 410
    login = client.post("/login", data={"email": "mbo@school.example", "password": "een lange zin als wachtwoord"})
    assert login.status_code == 302


def test_reset_link_expires_after_an_hour(app):
    token = accounts.request_password_reset("mbo@school.example")
    assert accounts.valid_reset_token(token) is not None
    PasswordResetToken.objects.update(set__expires_at=utcnow() - timedelta(seconds=1))
    assert accounts.valid_reset_token(token) is None
    with pytest.raises(accounts.AccountError):
        accounts.reset_password(token, "een lange zin als wachtwoord", "een lange zin als wachtwoord")


def test_password_reset_ends_existing_sessions(client, auth):
    auth.login("mbo@school.example")
    assert client.get("/").status_code == 200
    user = User.objects(email="mbo@school.example").get()
    user.set_password("een ander lang wachtwoord")
    user.save()
    assert client.get("/").status_code == 302


def test_demo_mode_without_mail_server_logs_the_mail(app, caplog):
    with caplog.at_level("WARNING", logger="praktijkloket.mail"):
        accounts.request_password_reset("mbo@school.example")
    assert "wachtwoord-instellen" in caplog.text


def test_reset_claims_token_once_under_concurrency(app):
    token = accounts.request_password_reset("mbo@school.example")
    results = []

    def attempt():
        try:
            accounts.reset_password(token, "een lange zin als wachtwoord", "een lange zin als wachtwoord")
            results.append("ok")
        except accounts.AccountError:
            results.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]


def test_mail_server_down_gives_the_same_answer_and_no_error(demo_dump):
    from tests.conftest import free_port

    application = make_app(demo_dump, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there
    client = application.test_client()
    known = client.post("/wachtwoord-vergeten", data={"email": "mbo@school.example"})
    unknown = client.post("/wachtwoord-vergeten", data={"email": "niemand@school.example"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
