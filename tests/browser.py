"""Browser-test fixtures: the app served on 127.0.0.1 from a thread, driven by Playwright on Debian's Chromium."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import free_port, make_app

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium_available():
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


requires_chromium = pytest.mark.skipif(
    not chromium_available(), reason="Chromium ontbreekt (Debian-pakket 'chromium'); `make test` installeert het als root."
)


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(demo_dump):
    application = make_app(demo_dump, PUBLIC_BASE_URL="http://127.0.0.1")
    server = LiveServer(application)
    application.config["PUBLIC_BASE_URL"] = server.url
    server.start()
    yield server
    server.stop()


# Every test module imports `browser`, which gives each module its own session fixture; Playwright's sync API
# allows one instance per process, so they all share this one and the last to finish closes it.
_shared = {}


@pytest.fixture(scope="session")
def browser():
    if not chromium_available():
        pytest.skip("Chromium ontbreekt (Debian-pakket 'chromium'); `make test` installeert het als root.")
    if not _shared:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        _shared.update(pw=pw, users=0,
                       browser=pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True))
    _shared["users"] += 1
    yield _shared["browser"]
    _shared["users"] -= 1
    if not _shared["users"]:
        _shared["browser"].close()
        _shared["pw"].stop()
        _shared.clear()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True, base_url=live_server.url)
    context.set_default_timeout(30000)
    pg = context.new_page()
    # Chromium enforces the Content-Security-Policy and reports each blocked script, handler or style in
    # the console: a page that only works with something the policy forbids fails its test here.
    violations = []
    pg.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield pg
    context.close()
    assert not violations, "Content-Security-Policy violations: " + " | ".join(violations)


def screenshot(page, name):
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, email, password="praktijkloket-demo", accept_terms=True):
    """Sign in through the login form; accept the terms when asked."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    if accept_terms and "/voorwaarden" in page.url:
        page.click("#accept-terms")
