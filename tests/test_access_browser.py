"""Browser journey: a school employee asks for access, an SBB-beheerder approves, the mailed link leads to sign-in."""

import email
import re
import time

from tests.browser import browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401

pytestmark = requires_chromium


def _mail_with_subject(inbox, subject, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for raw in inbox.messages:
            message = email.message_from_string(raw)
            if message["Subject"] == subject:
                return message["To"], message.get_payload(decode=True).decode("utf-8")
        time.sleep(0.1)
    raise AssertionError(f"geen e-mail met onderwerp {subject!r}; ontvangen: {len(inbox.messages)}")


def test_request_access_approve_and_sign_in(page, live_server, smtp_server):  # noqa: F811
    live_server.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)

    # Anonymous: from the login page to the request form; a mistake first, then the corrected request.
    page.goto("/login")
    page.click("text=Toegang aanvragen")
    page.wait_for_selector("#access-request-form")
    page.fill("#name", "Sanne Visser")
    page.fill("#email", "sanne.visser@hetatelier.example")
    page.fill("#function", "Stagecoördinator")
    page.fill("#school_name", "Praktijkschool Het Atelier")
    page.check("#kind-pro")
    page.fill("#brin", "9X")
    page.click("#submit-request")
    assert "twee cijfers gevolgd door twee letters" in page.locator("#error-brin").inner_text()
    assert page.input_value("#school_name") == "Praktijkschool Het Atelier"
    screenshot(page, "access-request-error")
    page.fill("#brin", "31ka")
    page.fill("#message", "Wij begeleiden leerlingen in de horeca en willen praktijkverklaringen maken.")
    page.click("#submit-request")
    page.wait_for_selector("#thanks-title")
    screenshot(page, "access-request-thanks")

    # SBB-beheerder: home panel -> filtered list -> details -> approve (with confirmation).
    sign_in(page, "beheerder@sbb.example")
    panel = page.locator("#open-access-requests")
    assert "Open toegangsaanvragen: 1" in panel.inner_text()
    screenshot(page, "access-admin-home")
    panel.click()
    page.wait_for_url("**/verzoeken/toegangsaanvragen/**")
    assert "sanne.visser@hetatelier.example" in page.content()
    screenshot(page, "access-review-list")
    page.click("a[href*='details/?id=']")
    page.wait_for_selector("#new-school")
    assert "Praktijkschool Het Atelier" in page.locator("#new-school").inner_text()
    screenshot(page, "access-review-details")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.click("#approve")
    page.wait_for_selector(".alert-success")
    assert dialogs and "goedkeuren" in dialogs[0]
    assert "De aanvraag is goedgekeurd" in page.locator(".alert-success").inner_text()
    assert page.locator("#approve").count() == 0
    screenshot(page, "access-review-approved")
    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_url("**/login")

    # The new user: the link from the mail, a password, sign in, accept the terms, home page of the new school.
    to, body = _mail_with_subject(smtp_server, "Nieuw wachtwoord voor het Praktijkloket")
    assert to == "sanne.visser@hetatelier.example"
    link = re.search(r"(http://127\.0\.0\.1:\d+/wachtwoord-instellen/\S+)", body).group(1)
    _mail_with_subject(smtp_server, "Uw toegang tot het Praktijkloket is geregeld")
    page.goto(link)
    password = "zonnebloemen in de kas"
    page.fill("#password", password)
    page.fill("#repeat", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/login")
    assert "Uw nieuwe wachtwoord is ingesteld" in page.content()
    sign_in(page, "sanne.visser@hetatelier.example", password=password)
    # School staff land on the deelnemersoverzicht after the terms (the guide's first screen); the start page
    # says who they are.
    page.wait_for_url("**/deelnemers/")
    page.goto("/")
    page.wait_for_selector("#home-identity")
    assert "Welkom, Sanne Visser" in page.content()
    assert "Praktijkschool Het Atelier" in page.locator("#home-identity").inner_text()
    assert page.locator("#open-access-requests").count() == 0
    screenshot(page, "access-new-user-home")
