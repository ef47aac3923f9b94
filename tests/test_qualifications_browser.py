"""Browser journey: a school user finds a kwalificatie and reads its werkprocessen; an SBB admin imports a file."""

from services.demo_qualifications import DEMO_FILE
from tests.browser import browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401

pytestmark = requires_chromium

ROWS = "table.model-list tbody tr"


def test_browse_a_kwalificatie(page):  # noqa: F811
    sign_in(page, "pro@school.example")
    # The old address leads to the list, filtered to the current versions (the earlier 90101 is hidden).
    page.goto("/kwalificaties/")
    page.wait_for_url("**/lijsten/kwalificaties/?flt0_2=current")
    assert page.locator(ROWS).count() == 5
    page.fill("input[name=search]", "teamleid")
    page.press("input[name=search]", "Enter")
    page.wait_for_url("**search=teamleid**")
    rows = page.locator(ROWS)
    assert rows.count() == 1
    screenshot(page, "qualifications-search")
    rows.first.locator("a[title=Bekijken]").click()
    page.wait_for_selector("#qualification-title")
    assert "90102 Logistiek teamleider" in page.locator("#qualification-title").inner_text()
    assert page.locator(".core-task").count() == 3
    # The first werkproces is open; another opens on a click and shows its gedrag lines.
    assert page.locator("#wp-B1-K1-W1").is_visible()
    assert "binnen één werkdag" in page.locator("#wp-B1-K1-W1").inner_text()
    assert not page.locator("#wp-P2-K1-W3").is_visible()
    page.click("#werkproces-P2-K1-W3 .card-header a")
    page.wait_for_selector("#wp-P2-K1-W3.show")
    assert "formuleert haalbare verbetervoorstellen;" in page.locator("#wp-P2-K1-W3").inner_text()
    screenshot(page, "qualifications-details")
    # Back to the list; without the Geldigheid filter the earlier version shows too.
    page.click("#back-to-list")
    page.wait_for_url("**/lijsten/kwalificaties/")
    assert page.locator(ROWS).count() == 6


def test_sbb_admin_imports_a_new_version(page, tmp_path):  # noqa: F811
    newer = tmp_path / "horeca-2025.xml"
    newer.write_bytes(DEMO_FILE.read_bytes().replace(b'Geldig_vanaf="01-08-2023"', b'Geldig_vanaf="01-08-2024"'))
    sign_in(page, "beheerder@sbb.example")
    page.goto("/kwalificaties/")
    page.click("#import-link")
    page.set_input_files("#bestand", str(newer))
    page.click("#upload-button")
    page.wait_for_selector("#confirm-import")
    assert "90202 niveau 3 Zelfstandig werkend kok: 2 kerntaken, 4 werkprocessen" in page.content()
    screenshot(page, "qualifications-import-confirm")
    page.click("#confirm-import")
    page.wait_for_selector(".alert-success")
    assert "Import voltooid" in page.content()
    page.wait_for_url("**/lijsten/kwalificaties/")  # back on the list, every version shown
    page.fill("input[name=search]", "90202")
    page.press("input[name=search]", "Enter")
    page.wait_for_url("**search=90202**")
    assert page.locator(ROWS).count() == 2
    assert sorted(page.locator(f"{ROWS} td.col-superseded").all_inner_texts()) == ["Ja", "Nee"]
