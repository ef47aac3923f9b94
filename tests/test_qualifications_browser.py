"""Browser journey: a school user finds a kwalificatie and reads its werkprocessen; an SBB admin imports a file."""

from services.demo_qualifications import DEMO_FILE
from tests.browser import browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401

pytestmark = requires_chromium


def test_browse_a_kwalificatie(page):  # noqa: F811
    sign_in(page, "pro@school.example")
    page.goto("/kwalificaties/")
    assert page.locator("#qualification-results tbody tr").count() == 5
    page.fill("#q", "teamleid")
    page.click("#search-button")
    rows = page.locator("#qualification-results tbody tr")
    assert rows.count() == 1
    screenshot(page, "qualifications-search")
    rows.first.locator("a").click()
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
    page.fill("#q", "90202")
    page.check("#alle")
    page.click("#search-button")
    assert page.locator("#qualification-results tbody tr").count() == 2
    assert "voorgaande versie" in page.locator("#qualification-results").inner_text()
