"""Browser journeys: the SBB dashboard with its chart (screenshot), drill down from a bar and a figure, answer
"per school x onderwijsvorm last year" and download it; the school dashboard with its to-do list."""

import io

import openpyxl

from services.clock import local_today
from tests import reports_data as data
from tests.browser import browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401

pytestmark = requires_chromium
LAST_YEAR = local_today().year - 1


def _seed(live_server):  # noqa: F811
    with live_server.app.app_context():
        data.seed_known(LAST_YEAR)


def test_sbb_dashboard_chart_and_drilldown(page, live_server):  # noqa: F811
    _seed(live_server)
    sign_in(page, "beheerder@sbb.example")
    page.wait_for_selector("#dashboard-sbb")
    chart = page.locator("#chart-months svg")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 600 and box["height"] > 150
    # 24 bars, each with its value written above it (readable without colour).
    assert page.locator("#chart-months a.dash-bar-link").count() == 24
    assert page.locator("#chart-months text.dash-bar-value").count() == 24
    screenshot(page, "dashboard-sbb")

    march = page.locator(f"#bar-{LAST_YEAR}-3")
    if march.count():  # March of last year lies inside the 24 months shown
        value = int(march.locator("text").text_content())
        assert value >= 3
        march.locator("rect").click()
        page.wait_for_url("**/rapportages/praktijkverklaringen**")
        assert int(page.locator("#list-total").inner_text()) == value
        page.go_back()

    shown = int(page.locator("#fig-statements-final .dash-value").inner_text())
    page.click("#fig-statements-final a")
    page.wait_for_url("**/rapportages/praktijkverklaringen**")
    assert int(page.locator("#list-total").inner_text()) == shown

    # The SBB question, in a minute: Rapportages -> per school and onderwijsvorm; it opens on this year, the
    # figures seeded here are last year's.
    page.goto("/")
    page.click("#link-matrix")
    page.wait_for_selector("#matrix")
    assert f"in {LAST_YEAR + 1}" in page.locator("h1").inner_text()
    page.goto(f"/rapportages/?jaar={LAST_YEAR}")
    page.wait_for_selector("#matrix")
    assert f"in {LAST_YEAR}" in page.locator("h1").inner_text()
    screenshot(page, "reports-matrix")
    with page.expect_download() as info:
        page.click("#download-xlsx")
    with open(info.value.path(), "rb") as downloaded:
        sheet = openpyxl.load_workbook(io.BytesIO(downloaded.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Onderwijsinstelling" and rows[-1][0] == "Totaal"
    assert next(r for r in rows if r[0] == "Praktijkschool Demo")[-1] >= 2


def test_school_dashboard_shows_own_figures_and_todo(page, live_server):  # noqa: F811
    _seed(live_server)
    sign_in(page, "mbo@school.example")
    page.goto("/")  # school staff land on the deelnemersoverzicht; the dashboard is the start page
    page.wait_for_selector("#dashboard-school")
    assert page.locator("#dashboard-sbb").count() == 0
    assert "Anna Aalders" in page.locator("#todo-stale").inner_text()
    screenshot(page, "dashboard-school")
    shown = int(page.locator("#fig-participants-active .dash-value").inner_text())
    page.click("#fig-participants-active a")
    page.wait_for_selector("#participant-count")
    assert page.locator("#participant-count").inner_text().startswith(f"{shown} ")
