"""Browser journey: sign in as a school user, accept the terms, land on the Dutch home page."""

from tests.browser import browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401  # noqa: F401

pytestmark = requires_chromium


def test_first_login_accept_terms_and_home(page):  # noqa: F811
    page.goto("/")
    assert "/login" in page.url
    assert page.locator("#demo-banner").is_visible()
    page.fill("#email", "mbo@school.example")
    page.fill("#password", "verkeerd-wachtwoord")
    page.click("button[type=submit]")
    assert "onjuist" in page.locator("#login-error").inner_text()

    sign_in(page, "mbo@school.example", accept_terms=False)
    assert "/voorwaarden" in page.url
    assert "Algemene Voorwaarden" in page.locator("h1").inner_text()
    screenshot(page, "foundation-terms")
    page.click("#accept-terms")
    page.wait_for_url("**/deelnemers/")  # school staff go on to the guide's first screen
    page.goto("/")
    page.wait_for_selector("#home-identity")
    assert "Welkom, Marieke de Boer" in page.content()
    assert "ROC Demo" in page.locator("#home-identity").inner_text()
    screenshot(page, "foundation-home")

    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_url("**/login")
    assert "U bent uitgelogd" in page.content()


def test_school_user_gets_dutch_403_on_sbb_page(page):  # noqa: F811
    sign_in(page, "mbo@school.example")
    response = page.goto("/beheer/gebruikers/")
    assert response.status == 403
    assert "Geen toegang" in page.content()


def test_file_pickers_are_dutch(page):  # noqa: F811
    sign_in(page, "mbo@school.example")
    page.goto("/deelnemers/import/")
    label = page.locator(".custom-file-label").first
    assert label.inner_text() == "Kies een bestand"
    page.set_input_files(
        "input[type=file]", files=[{"name": "klas.xlsx", "mimeType": "application/octet-stream", "buffer": b"x"}]
    )
    assert label.inner_text() == "klas.xlsx"
