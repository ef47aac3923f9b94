"""Hulp (issue 13 part 5): a page per step in our own words, the configurable servicedesk, a link on every step page."""

import re

import pytest

from documents.statements import PracticeStatement
from services import statements as svc
from tests.conftest import ROLE_ACCOUNTS, Auth, make_app
from tests.statement_helpers import participant_at, user


def html(response):
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", sorted(ROLE_ACCOUNTS))
def test_every_role_reads_the_help_per_step_with_the_servicedesk(client, auth, role):
    auth.login_role(role)
    titles = set()
    for url in ("/hulp/", "/hulp/stap-1", "/hulp/stap-2", "/hulp/stap-3", "/hulp/stap-4"):
        response = client.get(url)
        page = html(response)
        assert response.status_code == 200, url
        assert 'href="mailto:servicedesk@praktijkloket.example"' in page, url
        titles.add(re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip())
    assert len(titles) == 5  # each page its own title
    assert client.get("/hulp/stap-5").status_code == 404


def test_the_servicedesk_contact_comes_from_the_settings(demo_dump):
    app = make_app(demo_dump, SERVICEDESK_EMAIL="helpdesk@sbb.example", SERVICEDESK_PHONE="030 123 45 67")
    with app.app_context():
        client = app.test_client()
        Auth(client).login("mbo@school.example")
        page = html(client.get("/hulp/stap-2"))
    assert 'href="mailto:helpdesk@sbb.example"' in page and "servicedesk@praktijkloket.example" not in page
    assert 'href="tel:0301234567"' in page and "030 123 45 67" in page


def test_the_help_asks_for_a_login(client):
    response = client.get("/hulp/stap-1")
    assert response.status_code == 302 and "/login" in response.location


def test_each_step_page_links_to_its_help(client, auth):
    participant = participant_at()
    maker = user("mbo@school.example")
    statement = svc.create_concept(participant, maker)
    auth.login("mbo@school.example")
    pages = {
        1: [f"/deelnemers/{participant.pk}/", "/deelnemers/import/"],
        2: [f"/stap2/{participant.pk}/leerbedrijf", f"/stap2/{participant.pk}/voordragen"],
        3: [f"/begeleidingsdocument/{participant.pk}/nieuw"],
        4: [f"/praktijkverklaringen/{statement.pk}/{step}" for step in ("onderwijsvorm", "uren", "samenvatting")],
    }
    for step, urls in pages.items():
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert f'href="/hulp/stap-{step}" id="help-link"' in html(response), url
    assert PracticeStatement.objects(participant=participant).count() == 1
