"""Fixtures: a fresh app per test on a database restored from one demo seed, a client, sign-in helpers."""

import copy
import os
import socket

import jinja2
import pytest
from flask import g
from mongoengine.connection import get_db

from app import create_app
from services.demo import DEMO_PASSWORD

ROLE_ACCOUNTS = {
    "sbb_admin": "beheerder@sbb.example",
    "sbb_advisor": "adviseur@sbb.example",
    "school_staff": "mbo@school.example",
}

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "MAIL_SERVER": None,
    "PUBLIC_BASE_URL": "http://localhost",
    # A cheap hash keeps the suite fast; production uses scrypt.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SEED_DEMO": False,
}
if os.environ.get("MONGODB_URI"):
    BASE_CONFIG["MONGODB_DB"] = "praktijkloket_test"
    BASE_CONFIG["SIGNING_DEMO_CA"] = True  # the suite signs with a generated CA on a real database too


def free_port():
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dump():
    db = get_db()
    return {name: list(db[name].find()) for name in db.list_collection_names() if not name.startswith("system.")}


def _restore(dump):
    db = get_db()
    for name in db.list_collection_names():
        if not name.startswith("system."):
            db[name].delete_many({})
    for name, docs in dump.items():
        if docs:
            db[name].insert_many(copy.deepcopy(docs))


@pytest.fixture(scope="session")
def demo_dump():
    """Seed the demo data once per session and keep a copy of every collection."""
    from services.demo import seed_demo

    application = create_app(dict(BASE_CONFIG))
    with application.app_context():
        _restore({})
        seed_demo()
        return _dump()


def make_app(demo_dump, **overrides):
    from services.accounts import forget_terms_cache

    application = create_app({**BASE_CONFIG, **overrides})
    with application.app_context():
        _restore(demo_dump)
    forget_terms_cache()
    application.jinja_env.undefined = jinja2.StrictUndefined

    # The fixture keeps one app context open for the whole test, so `g` would outlive a request
    # (a real server gets a fresh one each time): drop flask-login's cached user after each request.
    @application.teardown_request
    def _forget_user(_exc):
        g.pop("_login_user", None)

    return application


@pytest.fixture
def app(demo_dump):
    application = make_app(demo_dump)
    with application.app_context():
        yield application


@pytest.fixture
def client(app):
    return app.test_client()


class Auth:
    """Sign in as a demo account; by default the terms are accepted first so pages open directly."""

    def __init__(self, client):
        self.client = client

    def login(self, email, password=DEMO_PASSWORD, accept_terms=True):
        if accept_terms:
            from documents.users import Terms, User
            from services.accounts import accept_terms as accept

            user = User.objects(email=email).first()
            current = Terms.current()
            if user and current and (user.accepted_terms_version or 0) < current.version:
                accept(user, current.version)
        return self.client.post("/login", data={"email": email, "password": password})

    def login_role(self, role):
        return self.login(ROLE_ACCOUNTS[role])

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd); `messages` holds the raw mails it received."""
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope.content.decode("utf-8", "replace"))
            return "250 OK"

    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


def pytest_terminal_summary(terminalreporter):
    """Print how many pages per role the browser tests checked with axe (when any browser test ran)."""
    import sys

    browser_module = sys.modules.get("tests.browser")
    if browser_module is None or not browser_module.AXE_CHECKED:
        return
    terminalreporter.section("axe: pagina's gecontroleerd per rol")
    checked = browser_module.AXE_CHECKED
    for role in sorted(checked):
        terminalreporter.write_line(
            f"{role}: {len(checked[role])} pagina's ({browser_module.AXE_RUNS[role]} controles)"
        )
    total = sum(len(pages) for pages in checked.values())
    terminalreporter.write_line(f"totaal: {total} pagina's x rollen")


@pytest.fixture
def fast_render(monkeypatch):
    """A cheap stand-in for the statement renderer and the signer: for tests about numbers and writes, not layout."""
    from tests.statement_helpers import fake_render

    monkeypatch.setattr("services.pdf.statement.render_statement", fake_render)
    monkeypatch.setattr("services.signing.sign_pdf", lambda pdf, **_kw: pdf)  # a fake PDF cannot be signed
