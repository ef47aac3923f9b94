"""Singular and plural in counts (issue 13 part 5): a crawl per role finds no "1 " followed by a plural noun, nor
"1 rij(en)"-style hedges; the pages that print counts use the one helper (admin_views.filters.aantal)."""

import re
from urllib.parse import urlsplit

import lxml.html
import pytest

from admin_views.filters import aantal, noun
from services import guidance as guidance_svc
from tests.conftest import ROLE_ACCOUNTS
from tests.statement_helpers import final_statement, participant_at, selection, user

PLURAL_NOUNS = (
    "deelnemers",
    "begeleidingsdocumenten",
    "praktijkverklaringen",
    "werkprocessen",
    "kwalificaties",
    "kerntaken",
    "leerbedrijven",
    "praktijkopleiders",
    "koppelingen",
    "verzoeken",
    "rijen",
    "dagen",
    "documenten",
)
# "1" on its own (not 21, 1.001 or 0,1), then a plural noun or a word with a hedged ending like "rij(en)".
ONE_PLURAL = re.compile(r"(?<![\d.,])\b1\s+(" + "|".join(PLURAL_NOUNS) + r")\b", re.IGNORECASE)
ONE_HEDGED = re.compile(r"(?<![\d.,])\b1\s+[a-zë]+\((?:en|s)\)", re.IGNORECASE)
SKIP = ("export", "formaat=", "pdf", "sjabloon", "logout", "uitloggen", "/static", "admin-static", "logo")
CRAWL_LIMIT = 40  # pages per role beyond the planted ones


def test_the_helper_picks_the_noun_by_count():
    assert [aantal(n, "werkproces", "werkprocessen") for n in (0, 1, 2)] == [
        "0 werkprocessen",
        "1 werkproces",
        "2 werkprocessen",
    ]
    assert aantal(1200, "dag", "dagen") == "1.200 dagen" and noun(1, "rij", "rijen") == "rij"


def _text(body):
    tree = lxml.html.fromstring(body)
    for bad in tree.xpath("//script|//style"):
        bad.drop_tree()
    return " ".join(tree.text_content().split())


def _links(body):
    tree = lxml.html.fromstring(body)
    for href in tree.xpath("//nav//a/@href|//main//a/@href"):
        if href.startswith("/") and not any(word in href for word in SKIP):
            yield href


def _crawl(client, start):
    """GET the start pages, then the menu and page links they lead to; return {url: text} of each HTML page."""
    seen, texts, queue = set(), {}, list(start)
    while queue and len(texts) < CRAWL_LIMIT + len(start):
        url = queue.pop(0)
        key = urlsplit(url).path
        if key in seen:
            continue
        seen.add(key)
        response = client.get(url)
        if response.status_code != 200 or not response.mimetype.startswith("text/html"):
            continue
        body = response.get_data(as_text=True)
        texts[url] = _text(body)
        queue.extend(_links(body))
    return texts


@pytest.fixture
def one_of_everything(app):
    """A participant with exactly one placement, one begeleidingsdocument and one praktijkverklaring."""
    maker = user("mbo@school.example")
    participant = participant_at(first_name="Enkel", last_name="Voud")
    doc = guidance_svc.create_concept(participant, maker, [selection(count=1)])
    guidance_svc.finalize(doc, maker)
    final_statement(participant=participant, selections=[selection(count=1)])
    return participant


@pytest.mark.parametrize("role", sorted(ROLE_ACCOUNTS))
def test_no_page_says_one_with_a_plural(client, auth, one_of_everything, role):
    auth.login_role(role)
    pid = one_of_everything.pk
    start = ["/", f"/deelnemers/{pid}/", f"/deelnemers/{pid}/verwijderen", "/rapportages/verzoeken"]
    texts = _crawl(client, start)
    assert len(texts) > 5, texts.keys()
    wrong = [
        (url, match.group(0))
        for url, text in texts.items()
        for pattern in (ONE_PLURAL, ONE_HEDGED)
        for match in pattern.finditer(text)
    ]
    assert not wrong, wrong


def test_the_delete_confirmation_counts_in_the_singular(client, auth, one_of_everything):
    auth.login("mbo@school.example")
    text = _text(client.get(f"/deelnemers/{one_of_everything.pk}/verwijderen").get_data(as_text=True))
    assert "1 begeleidingsdocument (1 afgerond)" in text
    assert "1 praktijkverklaring (waarvan 1 definitief" in text
    assert "1 koppeling aan een leerbedrijf" in text


def test_counted_fills_number_and_the_fitting_word():
    from core.text import counted

    text = "{n} {deelnemer is|deelnemers zijn} verplaatst."
    assert counted(text, 1) == "1 deelnemer is verplaatst."
    assert counted(text, 0) == "0 deelnemers zijn verplaatst."
    assert counted(text, 1200) == "1.200 deelnemers zijn verplaatst."


def test_no_action_message_says_s_or_en_in_brackets():
    """Every bulk message goes through counted(): "2 deelnemer(s)" would be a rough edge again."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    found = [
        f"{path.name}: {match.group(0)}"
        for folder in ("admin_views", "services", "static")
        for path in (root / folder).glob("*.[pj][ys]")
        # A word with "(s)"/"(en)" inside text, followed by more text: not a call such as fold(s).
        for match in re.finditer(r"[a-zë]{3,}\((?:s|en)\)[:;,]? [a-zë]", path.read_text(encoding="utf-8"))
    ]
    assert found == []
