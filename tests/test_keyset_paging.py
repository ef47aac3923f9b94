"""Deep pages of the deelnemersoverzicht by keyset ("after this row") instead of skip (issue 14, item 4)."""

import html
import re
from datetime import date, datetime, timedelta

import mongomock
import pytest

from bench import dbops
from documents.participants import Participant
from services import registry
from tests.factories import ParticipantFactory
from tests.statement_helpers import school
from tests.test_indexes import unserved

SIZE = 20
ROW = re.compile(r'href="/deelnemers/([0-9a-f]{24})/"')
NEXT = re.compile(r'<a class="page-link" href="(/[^"]+)">&gt;</a>')
PREVIOUS = re.compile(r'<a class="page-link" href="(/[^"]+)">&lt;</a>')


@pytest.fixture
def crowd(app):
    """70 participants at the demo school with many ties: five names, fourteen birth dates, groups and none,
    and creation moments shared by ten at a time."""
    institution = school("25DM")
    moment = datetime(2024, 1, 1)
    for i in range(70):
        ParticipantFactory(
            institution=institution,
            first_name="Sam",
            infix=None,
            last_name=["de Vries", "Jansen", "Bakker", "Visser", "Smit"][i % 5],
            birth_date=date(2007, 3, 1) + timedelta(days=i % 14),
            group=[None, "MZ2A", "MZ2B", ""][i % 4],
            created_at=moment + timedelta(days=i // 10),
        )
    return institution


def _sorts(app):
    """The list's sort parameters: naam, geboortedatum, groep and toegevoegd, each ascending and descending."""
    created = 3 + len(registry.of(app)["PARTICIPANT_OVERVIEW_COLUMNS"])  # after the step columns
    base = [{}, {"sort": 1}, {"sort": 2}, {"sort": created}]
    return [dict(b) for b in base] + [{**b, "sort": b.get("sort", 0), "desc": 1} for b in base]


def _url(params, **extra):
    query = {**params, "page_size": SIZE, **extra}
    return "/deelnemers/?" + "&".join(f"{k}={v}" for k, v in query.items())


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.get_data(as_text=True)
    return list(dict.fromkeys(ROW.findall(body))), body


def _link(pattern, body):
    found = pattern.search(body)
    return html.unescape(found.group(1)) if found else None


def _skipped_pages(client, params, pages):
    return [_page(client, _url(params, page=n) if n else _url(params))[0] for n in range(pages)]


@pytest.mark.parametrize("which", range(8))
def test_every_page_by_cursor_equals_the_same_page_by_skip(app, client, auth, crowd, which):
    auth.login("mbo@school.example")
    params = _sorts(app)[which]
    total = Participant.objects(institution=crowd, archived_at=None).count()
    pages = -(-total // SIZE)
    assert pages >= 4
    by_skip = _skipped_pages(client, params, pages)
    assert sum(map(len, by_skip)) == total and len({pid for page in by_skip for pid in page}) == total

    # Forward through "next", each link carrying a cursor, then back through "previous".
    rows, body = _page(client, _url(params))
    forward = [rows]
    while (link := _link(NEXT, body)) is not None:
        assert "cursor=" in link
        rows, body = _page(client, link)
        forward.append(rows)
    assert forward == by_skip
    backward = [rows]
    while (link := _link(PREVIOUS, body)) is not None:
        rows, body = _page(client, link)
        backward.append(rows)
    assert backward[::-1] == by_skip


def test_a_cursor_page_issues_no_skip_and_its_query_has_an_index(app, client, auth, crowd, monkeypatch):
    auth.login("mbo@school.example")
    dbops.install()
    skips = []
    real_skip = mongomock.collection.Cursor.skip

    def recording_skip(cursor, count):
        skips.append((cursor.collection.name, count))
        return real_skip(cursor, count)

    monkeypatch.setattr(mongomock.collection.Cursor, "skip", recording_skip)
    for params in _sorts(app):
        _rows, body = _page(client, _url(params))
        for _ in range(2):  # to page 3: the third page lies 40 rows deep
            link = _link(NEXT, body)
            skips.clear()
            with dbops.counting() as counter:
                _rows, body = _page(client, link)
            assert not [s for s in skips if s[0] == "participants" and s[1]], (params, skips)
            reads = [shape for shape in counter.shapes if shape[0] == "participants" and shape[2]]
            assert reads and any("$or" in str(spec) for _c, spec, _s in reads), reads
            assert not unserved(reads), unserved(reads)
    # Without a cursor the same page skips: the test above can tell the two apart.
    skips.clear()
    _page(client, _url({}, page=1))
    assert ("participants", SIZE) in skips


def test_a_cursor_of_another_list_is_ignored(app, client, auth, crowd):
    auth.login("mbo@school.example")
    by_name = _skipped_pages(client, {}, 3)
    _rows, body = _page(client, _url({"sort": 1}))
    foreign = _link(NEXT, body).split("cursor=")[1]  # a cursor of the birth-date order
    assert _page(client, _url({}, page=1, cursor=foreign))[0] == by_name[1]
    assert _page(client, _url({}, page=1, cursor="rommel"))[0] == by_name[1]
    # The same cursor on another page number is not used either.
    _rows, body = _page(client, _url({}))
    own = _link(NEXT, body).split("cursor=")[1]
    assert _page(client, _url({}, page=2, cursor=own))[0] == by_name[2]
    # The other links of a page never take the cursor along (sort headers, page size, tabs).
    rows, body = _page(client, _url({}, page=1, cursor=own))
    assert rows == by_name[1]
    in_list = [html.unescape(h) for h in re.findall(r'href="(/deelnemers/\?[^"]*)"', body)]
    with_cursor = [h for h in in_list if "cursor=" in h]
    assert with_cursor and all("page=2&" in h for h in with_cursor), with_cursor  # "next" (and its number) only
    assert any("sort=1" in h for h in in_list) and any("page_size=50" in h for h in in_list)


def test_a_page_jumped_to_far_from_both_ends_is_refused_in_dutch(app, client, auth, crowd, monkeypatch):
    from admin_views import participants

    auth.login("mbo@school.example")
    monkeypatch.setattr(participants, "MAX_SKIP_ROWS", 20)
    total = Participant.objects(institution=crowd, archived_at=None).count()
    pages = -(-total // SIZE)
    rows, body = _page(client, _url({}, page=2))
    assert rows == [] and "te ver in de lijst" in body
    # The last pages are counted from the end (the index walked backwards): they open directly.
    monkeypatch.setattr(participants, "MAX_SKIP_ROWS", 5000)
    expected_last = _page(client, _url({}, page=pages - 1))[0]
    monkeypatch.setattr(participants, "MAX_SKIP_ROWS", 20)
    assert _page(client, _url({}, page=pages - 1))[0] == expected_last
    assert len(expected_last) == total - (pages - 1) * SIZE
