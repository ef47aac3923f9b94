"""Issue 11 item 13: a Content-Security-Policy on every response, and no inline script in any page we serve."""

from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from werkzeug.exceptions import MethodNotAllowed, NotFound

from admin_views.security import CONTENT_SECURITY_POLICY
from documents.companies import Company
from documents.statements import VerificationRecord
from tests.conftest import ROLE_ACCOUNTS
from tests.statement_helpers import BAKERY, final_statement, participant_at, ready_concept

REQUIRED = (
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)
PAGES_PER_ROLE = 100  # the Hulp pages added a few links to every step page
PAGES_PER_ENDPOINT = 2


class _PageScan(HTMLParser):
    """Collect links and every inline script, inline event handler and javascript: URL of a page."""

    def __init__(self):
        super().__init__()
        self.links, self.problems = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.problems.append("inline <script>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            # Flask-Admin's no-op links (javascript:void(0)) are cancelled by static/praktijkloket.js before
            # the browser would run them; any other javascript: URL is script in the markup.
            url = (value or "").strip().lower() if name in ("href", "src", "action", "formaction") else ""
            if url.startswith("javascript:") and url != "javascript:void(0)":
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def test_the_policy_says_what_the_issue_asks():
    directives = [d.strip() for d in CONTENT_SECURITY_POLICY.split(";")]
    for directive in REQUIRED:
        assert directive in directives
    assert not any("unsafe-inline" in d or "unsafe-eval" in d for d in directives if d.startswith("script-src"))


def test_every_kind_of_response_carries_the_policy(client, auth):
    public = [
        "/login",
        "/wachtwoord-vergeten",
        "/toegang-aanvragen",
        "/verificatie",
        "/verificatie/ONBEKEND",
        "/bestaat-niet",
        "/wachtwoord-instellen/onzin",
        "/static/praktijkloket.js",
    ]
    for url in public:
        response = client.get(url)
        assert response.headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, url
    assert (
        client.post("/login", data={"email": "x@y.example", "password": "fout"}).headers["Content-Security-Policy"]
        == CONTENT_SECURITY_POLICY
    )
    auth.login_role("school_staff")
    redirect = client.get("/")
    for response in (redirect, client.get("/beheer/gebruikers/")):  # a page and a 403/404
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_a_view_that_sets_its_own_policy_keeps_it(app):
    @app.route("/_eigen-beleid")
    def own_policy():
        return "pdf", 200, {"Content-Security-Policy": "sandbox"}

    assert app.test_client().get("/_eigen-beleid").headers["Content-Security-Policy"] == "sandbox"


def _crawl(app, client, seeds):
    """Visit pages reachable from the seeds (a few per endpoint); return {url: problems} and the visit count."""
    adapter = app.url_map.bind("localhost")
    per_endpoint, seen, problems = Counter(), set(), {}
    queue = deque(seeds)
    visited = 0
    while queue and visited < PAGES_PER_ROLE:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or url in seen:
            continue
        seen.add(url)
        try:
            endpoint, _ = adapter.match(parts.path, method="GET")
        except (NotFound, MethodNotAllowed):
            continue
        except Exception:  # a redirect rule (trailing slash)
            endpoint = parts.path
        if per_endpoint[endpoint] >= PAGES_PER_ENDPOINT or endpoint.endswith("static"):
            continue
        per_endpoint[endpoint] += 1
        response = client.get(url)
        visited += 1
        assert response.headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, url
        if response.status_code in (301, 302, 303):
            queue.appendleft(urljoin(url, response.headers["Location"]))
            continue
        if response.mimetype != "text/html":
            continue
        scan = _PageScan()
        scan.feed(response.get_data(as_text=True))
        if scan.problems:
            problems[url] = sorted(set(scan.problems))
        queue.extend(urljoin(url, link).split("#")[0] for link in scan.links if "export" not in link)
    return problems, visited, per_endpoint


def test_no_page_has_inline_script_or_event_handlers(app, client, auth):
    concept = ready_concept()
    final = final_statement(participant=participant_at(first_name="Noor", last_name="Bakker"))
    company = Company.objects(company_id=BAKERY).get()
    public_seeds = [
        "/login",
        "/wachtwoord-vergeten",
        "/toegang-aanvragen",
        "/verificatie",
        f"/verificatie/{VerificationRecord.objects.first().code}",
    ]
    problems, visited, _ = _crawl(app, client, public_seeds)
    assert visited >= 5
    assert not problems, problems

    pid = concept.participant.pk
    seeds = [
        "/",
        "/deelnemers/",
        f"/stap2/{pid}/",
        f"/stap2/{pid}/praktijkopleider?company={company.pk}",
        f"/praktijkverklaringen/{concept.pk}/werkprocessen",
        f"/praktijkverklaringen/{concept.pk}/uren",
        f"/praktijkverklaringen/{concept.pk}/logos",
        f"/praktijkverklaringen/{final.pk}/samenvatting",
        f"/begeleidingsdocument/{pid}/nieuw",
    ]
    endpoints = Counter()
    for role, email in ROLE_ACCOUNTS.items():
        auth.login(email)
        problems, visited, per_endpoint = _crawl(app, client, seeds)
        assert not problems, f"{role}: {problems}"
        assert visited > 20, role
        endpoints.update(per_endpoint)
        auth.logout()
    # The crawl reached the pages that carried inline scripts and handlers before, and Flask-Admin's own.
    for endpoint in (
        "step2.trainer",
        "statements.work_processes",
        "guidance.new",
        "participants.index",
        "participants.details",
        "users.index_view",
        "users.edit_view",
        "institutions.edit_view",
        "access_requests.index_view",
        "companies.details",
    ):
        assert endpoint in endpoints, (endpoint, sorted(endpoints))
