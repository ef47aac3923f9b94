"""Accessibility and Dutch-only forms (issue 13) without a browser: a crawl over the pages each role reaches
(lang, skip link, a unique Dutch title, forms without the browser's English validation, tables with header
cells, errors tied to their field), and impossible dates said as such."""

import re
from urllib.parse import urlsplit

import lxml.html
import pytest

from services import spreadsheet
from services.participants import ParticipantError, clean_values
from tests.conftest import ROLE_ACCOUNTS

MAX_PAGES = 40
# Links a crawl must not follow: they change state, download files or leave the signed-in session.
SKIP = re.compile(r"/(logout|uitloggen|export|download|pdf|csv|xlsx|sjabloon|bestand|logo)\b|formaat=|\.pdf$|\.xlsx$")
ENGLISH = re.compile(r"\b(List|Create|Edit|Home|Admin|Export|Delete|View|Save|Page)\b")


def crawl(client, start="/"):
    """Visit the pages reachable from `start` through GET links (at most MAX_PAGES): {path: lxml tree}."""
    seen, queue, pages = set(), [start], {}
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        key = urlsplit(url).path
        if key in seen:
            continue
        seen.add(key)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        tree = lxml.html.fromstring(response.data.decode())
        pages[key] = tree
        for href in tree.xpath("//a/@href"):
            if href.startswith("/") and not href.startswith("//") and not SKIP.search(href):
                queue.append(href.split("#")[0])
    return pages


@pytest.fixture(params=sorted(ROLE_ACCOUNTS))
def role_pages(request, client, auth):
    auth.login_role(request.param)
    return request.param, crawl(client)


def test_every_page_has_lang_skip_link_main_and_a_unique_dutch_title(role_pages):
    role, pages = role_pages
    assert len(pages) >= 5, (role, sorted(pages))
    titles = {}
    for path, tree in pages.items():
        assert tree.xpath("/html/@lang") == ["nl"], path
        skip = tree.xpath('//a[@href="#inhoud"]')
        assert skip and skip[0].text_content().strip() == "Naar de inhoud", path
        assert tree.xpath('//main[@id="inhoud"]'), path
        title = tree.findtext(".//title").strip()
        assert title.endswith("Praktijkloket") and not ENGLISH.search(title), (path, title)
        titles.setdefault(title, []).append(path)
    same = {title: paths for title, paths in titles.items() if len(paths) > 1}
    assert not same, f"{role}: pages share a title: {same}"


def test_every_form_leaves_validation_to_the_server(role_pages):
    role, pages = role_pages
    for path, tree in pages.items():
        scripts = tree.xpath("//script/@src")
        assert any(s.endswith("/novalidate.js") for s in scripts), path
        # The layout's and the step pages' own forms say so themselves (the script covers every other form).
        own = path == "/" or path.startswith(("/praktijkverklaringen", "/begeleidingsdocument", "/voorwaarden"))
        for form in tree.xpath("//form") if own else tree.xpath("//form[@action='/logout']"):
            assert form.get("novalidate") is not None, (path, lxml.html.tostring(form)[:120])


def test_data_tables_have_header_cells(role_pages):
    role, pages = role_pages
    for path, tree in pages.items():
        for table in tree.xpath("//main//table"):
            if table.xpath(".//tbody/tr[td]"):
                assert table.xpath(".//th"), (role, path, lxml.html.tostring(table)[:160])


def test_impossible_date_says_it_does_not_exist():
    with pytest.raises(spreadsheet.DateError, match=r"^31-02-2007 bestaat niet"):
        spreadsheet.parse_date("31-02-2007")
    with pytest.raises(spreadsheet.DateError, match="geen geldige datum; gebruik dd-mm-jjjj"):
        spreadsheet.parse_date("morgen")
    assert str(spreadsheet.parse_date("29-02-2008")) == "2008-02-29"


def test_participant_birth_date_that_does_not_exist(app):
    values = {"first_name": "Piet", "last_name": "Puk", "birth_date": "29-02-2007"}
    with pytest.raises(ParticipantError) as caught:
        clean_values(values)
    assert "29-02-2007 bestaat niet" in caught.value.errors["birth_date"]


def test_spreadsheet_cell_with_impossible_date():
    column = spreadsheet.Column("birth_date", "Geboortedatum", kind="date")
    assert spreadsheet._convert(column, "30-02-2007") == (
        None,
        "30-02-2007 bestaat niet; controleer de dag en de maand",
    )


def _tied(tree, field_id):
    """The field is marked invalid and points at an error text that exists; return that text."""
    field = tree.xpath(f'//*[@id="{field_id}"]')[0]
    assert field.get("aria-invalid") == "true"
    described = tree.xpath(f'//*[@id="{field.get("aria-describedby")}"]')
    assert described, field.get("aria-describedby")
    return described[0].text_content().strip()


def test_flask_admin_form_errors_are_tied_to_their_field(client, auth):
    auth.login_role("sbb_admin")
    response = client.post("/beheer/voorwaarden/new/", data={"text": ""})
    tree = lxml.html.fromstring(response.data.decode())
    assert tree.xpath('//form[contains(@class, "admin-form")][@novalidate]')
    assert "Vul de tekst in." in _tied(tree, "text")


def test_forgot_password_error_is_tied_and_announced(client):
    tree = lxml.html.fromstring(client.post("/wachtwoord-vergeten", data={"email": ""}).data.decode())
    assert _tied(tree, "email") == "Vul uw e-mailadres in."
    assert tree.xpath('//*[@id="email-error"]/@role') == ["alert"]


def test_headings_start_at_one_and_skip_no_level(role_pages):
    role, pages = role_pages
    problems = []
    for path, tree in pages.items():
        levels = [
            int(h.tag[1]) for h in tree.xpath("//main//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5]")
        ]
        if not levels or levels[0] != 1:
            problems.append((path, "begint niet met h1", levels[:3]))
            continue
        skips = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        if skips:
            problems.append((path, "slaat een niveau over", skips[:2]))
    assert not problems, f"{role}: {problems}"
