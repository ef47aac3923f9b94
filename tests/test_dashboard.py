"""Dashboard on the home page: figures against known data, drill-down links that land on lists with the same count,
the school's to-do list, tenancy, and the query budget (no per-row queries)."""

import re
from datetime import date, timedelta

import lxml.html
import pytest

from documents.companies import AccreditationRequest, Company, Placement
from documents.imports import ImportBatch
from documents.participants import Participant
from services import dashboard
from services.clock import local_today, utcnow
from tests import reports_data as data

LAST_YEAR = local_today().year - 1


def _page(client, url):
    response = client.get(url, follow_redirects=True)  # the overview's old parameters redirect to the list's
    assert response.status_code == 200, (url, response.status_code)
    return lxml.html.fromstring(response.data.decode())


def _number(tree, xpath):
    return int(tree.xpath(xpath)[0].text_content().strip())


def _list_count(client, url):
    """The count a list shows: the participants overview, or one of the report lists."""
    tree = _page(client, url)
    if tree.xpath('//*[@id="participant-count"]'):
        return int(re.match(r"\d+", tree.xpath('//*[@id="participant-count"]')[0].text_content().strip()).group())
    if tree.xpath('//*[@id="list-total"]'):
        return int(tree.xpath('//*[@id="list-total"]')[0].text_content())
    if tree.xpath('//*[@id="queue-total"]') or "verzoeken/leerbedrijven" in url:
        return None  # the advisors' queue: checked separately
    raise AssertionError(f"no count on {url}")


@pytest.fixture
def known(app):
    from documents.users import User

    school_user = User.objects.get(email="mbo@school.example")
    sbb_user = User.objects.get(email="beheerder@sbb.example")
    before = {"school": dashboard.main_figures(school_user), "sbb": dashboard.main_figures(sbb_user)}
    made = data.seed_known(LAST_YEAR)
    return {"before": before, "made": made}


def test_school_figures_count_the_known_data(client, auth, known):
    auth.login("mbo@school.example")
    tree = _page(client, "/")
    before = known["before"]["school"]
    assert _number(tree, '//*[@id="fig-statements-final"]//*[@class="dash-value"]') == before["statements"]["final"] + 3
    assert (
        _number(tree, '//*[@id="fig-statements-concept"]//*[@class="dash-value"]')
        == before["statements"]["concept"] + 2
    )
    assert _number(tree, '//*[@id="fig-guidance-concept"]//*[@class="dash-value"]') == before["guidance"]["concept"] + 1
    assert _number(tree, '//*[@id="fig-guidance-final"]//*[@class="dash-value"]') == before["guidance"]["final"] + 1
    assert (
        _number(tree, '//*[@id="fig-participants-active"]//*[@class="dash-value"]') == before["participants_active"] + 2
    )
    # The SBB dashboard is not shown to a school.
    assert not tree.xpath('//*[@id="dashboard-sbb"]')


def test_sbb_figures_are_national(client, auth, known):
    auth.login("beheerder@sbb.example")
    tree = _page(client, "/")
    before = known["before"]["sbb"]
    assert _number(tree, '//*[@id="fig-statements-final"]//*[@class="dash-value"]') == before["statements"]["final"] + 5
    assert (
        _number(tree, '//*[@id="fig-participants-active"]//*[@class="dash-value"]') == before["participants_active"] + 3
    )
    assert tree.xpath('//*[@id="chart-months"]//svg')
    # Per onderwijsvorm: the known pro statements are counted under praktijkonderwijs.
    pro = tree.xpath('//*[@id="per-form"]//tr[@data-form="pro"]//a')[0]
    assert int(pro.text_content()) >= 2
    # Per school: Praktijkschool Demo has (at least) its 2 final statements and 1 concept.
    pro_school = data.school("12PD")
    row = tree.xpath(f'//*[@id="per-school"]//tr[@data-school="{pro_school.pk}"]')[0]
    assert int(row.xpath('.//a[@class="school-final"]')[0].text_content()) >= 2
    # Most used kwalificatie: 25180 is in every known final statement.
    assert "25180" in tree.xpath('//*[@id="top-qualifications"]')[0].text_content()


def test_month_chart_counts_per_month(app, known):
    from documents.users import User

    sbb = User.objects.get(email="beheerder@sbb.example")
    months = dashboard.per_month(sbb, today=date(LAST_YEAR + 1, 2, 10))
    assert len(months) == 24
    by_month = {(m["year"], m["month"]): m["count"] for m in months}
    assert by_month[(LAST_YEAR, 3)] >= 3 and by_month[(LAST_YEAR, 6)] >= 2
    assert months[-1]["year"] == LAST_YEAR + 1 and months[-1]["month"] == 2


@pytest.mark.parametrize("email", ["mbo@school.example", "beheerder@sbb.example"])
def test_every_figure_drills_down_to_a_list_with_the_same_count(client, auth, known, email):
    auth.login(email)
    tree = _page(client, "/")
    links = tree.xpath('//*[@class="dash-figure-link"]')
    links += tree.xpath('//*[@id="per-school"]//a') + tree.xpath('//*[@id="per-form"]//a')
    links += tree.xpath('//*[@id="top-qualifications"]//a') + tree.xpath('//*[@id="top-work-processes"]//a')
    links += tree.xpath('//*[@id="todo-stale"]//a[@id="todo-stale-count"]')
    links += tree.xpath('//*[@id="chart-table"]//a') + tree.xpath('//*[@id="todo-requests"]//a')
    assert len(links) >= (9 if email.startswith("mbo") else 20)
    checked = 0
    for link in links:
        shown = int(re.search(r"\d+", link.text_content()).group())
        count = _list_count(client, link.get("href"))
        assert count == shown, (link.get("href"), shown, count)
        checked += 1
    assert checked == len(links)


def test_advisor_queue_links_to_the_queue(client, auth, known):
    auth.login("adviseur@sbb.example")
    tree = _page(client, "/")
    queue = tree.xpath('//*[@id="advisor-queue"]')[0]
    open_requests = AccreditationRequest.objects(status__in=("submitted", "in_progress")).count()
    assert int(queue.xpath('.//*[@id="queue-requests"]')[0].text_content()) == open_requests
    href = queue.xpath('.//*[@id="queue-requests"]')[0].get("href")
    assert client.get(href).status_code == 200
    access = queue.xpath('.//*[@id="queue-access"]')
    assert access and "flt0_0=submitted" in access[0].get("href")


def test_school_todo_list(client, auth, known):
    roc = data.school("25DM")
    a, b, _c = known["made"]["participants"]
    # An unaccredited company and an expired accreditation, a proposed company; a fresh import batch.
    Company(company_id="900000001", name="Zonder Erkenning BV", accreditations=[]).save()
    bare = Company.objects.get(company_id="900000001")
    Placement(participant=a, institution=roc, company=bare).save()
    accredited = (
        Company.objects(accreditations__end=None, accreditations__start__lte=local_today()).first()
        or Company.objects(accreditations__0__exists=True).first()
    )
    if accredited is not None and accredited.is_accredited:
        Placement(participant=b, institution=roc, company=accredited).save()
    ImportBatch(kind="participants", institution=roc, file_name="klas-3b.xlsx", count=12).save()
    ImportBatch(
        kind="participants", institution=roc, file_name="oud.xlsx", count=3, created_at=utcnow() - timedelta(days=3)
    ).save()
    ImportBatch(kind="participants", institution=data.school("12PD"), file_name="andere-school.xlsx", count=4).save()

    auth.login("mbo@school.example")
    tree = _page(client, "/")
    stale = tree.xpath('//*[@id="todo-stale"]')[0].text_content()
    assert "Anna Aalders" in stale
    placements = tree.xpath('//*[@id="todo-placements"]')[0].text_content()
    assert "Zonder Erkenning BV" in placements and "Anna Aalders" in placements
    if accredited is not None and accredited.is_accredited:
        assert "Bram Bakker" not in placements
    imports = tree.xpath('//*[@id="todo-imports"]')[0].text_content()
    assert "klas-3b.xlsx" in imports and "oud.xlsx" not in imports and "andere-school.xlsx" not in imports


def test_school_staff_never_see_another_school_in_drilldowns(client, auth, known):
    pro = data.school("12PD")
    auth.login("mbo@school.example")
    own = _list_count(client, "/rapportages/praktijkverklaringen?status=final")
    guessed = _list_count(client, f"/rapportages/praktijkverklaringen?status=final&school={pro.pk}")
    assert guessed == own  # the school filter is ignored for school staff
    body = client.get(f"/rapportages/praktijkverklaringen?school={pro.pk}").data.decode()
    assert "Cem Celik" not in body and "Praktijkschool Demo" not in body
    participants = client.get(f"/deelnemers/?school={pro.pk}").data.decode()
    assert "Cem Celik" not in participants


def test_dashboard_queries_do_not_grow_per_row(app, known):
    """The figures are aggregates: 40 more statements do not add database operations."""
    from documents.users import User
    from tests import reports_data

    sbb = User.objects.get(email="beheerder@sbb.example")
    school_user = User.objects.get(email="mbo@school.example")
    counter = _CommandCounter()
    with counter:
        dashboard.sbb_dashboard(sbb)
        dashboard.school_dashboard(school_user)
    first = counter.count
    p = Participant.objects(institution=data.school("25DM")).first()
    for i in range(40):
        reports_data.statement(p, form="mbo_diploma", final_at=utcnow() - timedelta(days=i))
    counter = _CommandCounter()
    with counter:
        dashboard.sbb_dashboard(sbb)
        dashboard.school_dashboard(school_user)
    assert first > 5 and counter.count <= first + 2, (first, counter.count)


class _CommandCounter:
    """Count collection operations through mongomock/pymongo Collection methods."""

    METHODS = ("find", "find_one", "aggregate", "count_documents", "distinct", "estimated_document_count")

    def __enter__(self):
        from mongoengine.connection import get_db

        collection_class = type(get_db()["participants"])
        self.patched = []
        self.count = 0
        for name in self.METHODS:
            original = getattr(collection_class, name, None)
            if original is None:
                continue

            def wrapper(*args, _original=original, **kwargs):
                self.count += 1
                return _original(*args, **kwargs)

            setattr(collection_class, name, wrapper)
            self.patched.append((collection_class, name, original))
        return self

    def __exit__(self, *exc):
        for cls, name, original in self.patched:
            setattr(cls, name, original)
