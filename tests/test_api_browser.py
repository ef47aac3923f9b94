"""Browser journey: school staff make an API key in Beheer, see it once, read the API docs, and revoke the key.

Every page is checked with axe and under the CSP by the `page` fixture (tests/browser.py).
"""

from documents.api_keys import ApiKey
from tests.browser import browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401

pytestmark = requires_chromium


def test_make_a_key_read_the_docs_and_revoke_it(page, live_server):  # noqa: F811
    sign_in(page, "mbo@school.example")
    page.goto("/beheer/api-sleutels/")
    page.click("#new-api-key")
    page.fill("#name", "Leerlingvolgsysteem")
    page.check("#scope-write")
    page.click("#make-key")
    page.wait_for_selector("#api-key")
    key = page.input_value("#api-key")
    assert key.startswith("pl_")
    screenshot(page, "api-key-created")

    page.click("text=API-documentatie")
    page.wait_for_url("**/api/v1/docs")
    assert "/api/v1/participants/bulk" in page.inner_text("main")
    screenshot(page, "api-docs")

    page.goto("/beheer/api-sleutels/")
    page.check("input.action-rowtoggle")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#actions-menu")
    page.click("#action-revoke")
    page.wait_for_selector(".alert-success")
    assert "1 sleutel ingetrokken." in page.inner_text(".alert-success")
    with live_server.app.app_context():
        assert ApiKey.objects(name="Leerlingvolgsysteem").get().revoked_at is not None
