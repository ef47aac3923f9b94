"""Browser-test fixtures: the app served on 127.0.0.1 from a thread, driven by Playwright on Debian's Chromium."""

import importlib.resources
import os
import re
import shutil
import threading
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests.conftest import free_port, make_app

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_available():
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


requires_chromium = pytest.mark.skipif(
    not chromium_available(),
    reason="Chromium ontbreekt (Debian-pakket 'chromium'); `make test` installeert het als root.",
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
        _shared.update(
            pw=pw, users=0, browser=pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        )
    _shared["users"] += 1
    yield _shared["browser"]
    _shared["users"] -= 1
    if not _shared["users"]:
        _shared["browser"].close()
        _shared["pw"].stop()
        _shared.clear()


# axe-core as shipped inside the axe-playwright-python wheel: nothing is downloaded at test time.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_ENABLED = os.environ.get("AXE", "1") != "0"  # AXE=0 skips the checks (e.g. to time a journey without them)
AXE_IMPACTS = ("serious", "critical")
# Role -> pages (path with ids folded) checked in this session, for the summary printed at the end.
AXE_CHECKED = defaultdict(set)
AXE_RUNS = defaultdict(int)
_axe_source = []

# Injected with page.evaluate (a DevTools evaluation, so the page's CSP neither blocks nor reports it), then
# run on the whole document; only the serious and critical findings come back, a few elements each.
AXE_RUN = """async ([tags, impacts]) => {
  if (document.contentType !== "text/html") return null;
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return {
    signedIn: document.getElementById("logout") !== null,
    violations: result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + "  " + n.html.slice(0, 200)),
    })),
  };
}"""


def _axe_script():
    if not _axe_source:
        _axe_source.append((importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text("utf-8"))
    return _axe_source[0]


def page_key(url):
    """A visited URL as a page name: the path with ids and numbers folded, so /x/65a1.../bewerken is one page."""
    path = urlsplit(url).path
    path = re.sub(r"/[0-9a-f]{24}(?=/|$)", "/<id>", path)
    return re.sub(r"/\d+(?=/|$)", "/<n>", path) or "/"


class AxeChecker:
    """Run axe on every document the page loads; collect serious and critical violations per page and role."""

    def __init__(self, pg, base_url):
        self.page = pg
        self.base_url = base_url
        self.role = "niet ingelogd"  # the role sign_in() signed in with; pages without a logout button are public
        self.violations = []
        self.seen = set()
        self.busy = False
        self.pending = False
        if AXE_ENABLED:
            pg.on("load", lambda _page: self.on_load())

    def on_load(self):
        # Playwright's sync API calls listeners in their own greenlet; a load while axe runs is checked after it.
        if self.busy:
            self.pending = True
            return
        self.busy = True
        try:
            self.check()
            while self.pending:
                self.pending = False
                self.check()
        finally:
            self.busy = False

    def check(self):
        from playwright.sync_api import Error

        url = self.page.url
        if self.page.is_closed() or not url.startswith(self.base_url):
            return
        if (self.role, url) in self.seen:
            return
        try:
            self.page.evaluate(_axe_script() + "\n;true")
            found = self.page.evaluate(AXE_RUN, [AXE_TAGS, list(AXE_IMPACTS)])
        except Error:
            # The document went away mid-run (the test navigated on): its successor fires its own load.
            return
        if found is None:
            return
        self.seen.add((self.role, url))
        role = self.role if found["signedIn"] else "niet ingelogd"
        AXE_CHECKED[role].add(page_key(url))
        AXE_RUNS[role] += 1
        for v in found["violations"]:
            self.violations.append(
                f"{page_key(url)} ({role}): {v['id']} [{v['impact']}] {v['help']}\n      " + "\n      ".join(v["nodes"])
            )

    def report(self):
        return "axe: serious/critical WCAG A/AA violations:\n  " + "\n  ".join(self.violations)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        locale="nl-NL", viewport={"width": 1280, "height": 900}, accept_downloads=True, base_url=live_server.url
    )
    context.set_default_timeout(30000)
    pg = context.new_page()
    # Chromium enforces the Content-Security-Policy and reports each blocked script, handler or style in
    # the console: a page that only works with something the policy forbids fails its test here.
    violations = []
    pg.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    pg.axe = AxeChecker(pg, live_server.url)
    yield pg
    context.close()
    assert not violations, "Content-Security-Policy violations: " + " | ".join(violations)
    assert not pg.axe.violations, pg.axe.report()


def screenshot(page, name):
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _role_of(email):
    from documents.users import User

    user = User.objects(email=email).only("role").first()
    return user.role if user else email


def sign_in(page, email, password="praktijkloket-demo", accept_terms=True):
    """Sign in through the login form; accept the terms when asked."""
    page.goto("/login")
    if getattr(page, "axe", None) is not None:
        page.axe.role = _role_of(email)
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    if accept_terms and "/voorwaarden" in page.url:
        page.click("#accept-terms")
