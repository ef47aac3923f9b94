"""Browser journey through stap 2: find and select a company, add a trainer, continue; propose a company."""

from datetime import date

from documents.companies import AccreditationRequest, Placement, Trainer
from documents.participants import Participant
from documents.users import User
from services.demo_companies import demo_crebos
from tests.browser import browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401

pytestmark = requires_chromium


def _participant(first_name):
    staff = User.objects(email="mbo@school.example").get()
    p = Participant(
        first_name=first_name, last_name="Reiziger", birth_date=date(2007, 3, 14), institution=staff.institution
    )
    p.save()
    return p


def _open_step2(page, participant):  # noqa: F811
    """From the participant page ("Aan de slag"); straight to stap 2 when that page is not there yet."""
    response = page.goto(f"/deelnemers/{participant.pk}/")
    if response.status == 200 and page.locator("#step2-start").count():
        page.click("#step2-start")
    else:
        page.goto(f"/stap2/{participant.pk}/leerbedrijf")
    page.wait_for_selector("#company-search")


def test_step2_choose_company_and_add_trainer(page):  # noqa: F811
    participant = _participant("Lieke")
    sign_in(page, "mbo@school.example")
    _open_step2(page, participant)
    page.fill("#q", "korenaar")
    page.click("#search-button")
    page.wait_for_selector("#company-results")
    assert "Bakkerij De Gouden Korenaar" in page.locator("#company-results").inner_text()
    page.check("#company-100200301")
    screenshot(page, "companies-step2-company")
    page.click("#next")
    page.wait_for_selector("#trainer-form")
    assert "Bakkerij De Gouden Korenaar" in page.locator("#chosen-company").inner_text()
    # The add-trainer form shows only when that option is chosen.
    page.locator("input[name=trainer]").first.check()
    assert not page.locator("#new-trainer").is_visible()
    page.check("#trainer-new")
    assert page.locator("#new-trainer").is_visible()
    page.fill("#initials", "H.")
    page.fill("#first_name", "Hülya")
    page.fill("#last_name", "Şahin")
    page.fill("#function", "Ploegleider")
    page.fill("#email", "h.sahin@korenaar.example")
    screenshot(page, "companies-step2-trainer")
    page.click("#next")
    page.wait_for_selector("#placement-saved")
    assert "Hülya Şahin" in page.locator("#placement-saved").inner_text()
    assert page.locator("#to-guidance").is_visible() and page.locator("#to-statement").is_visible()
    screenshot(page, "companies-step2-done")
    page.goto(f"/deelnemers/{participant.pk}/")
    if page.locator("#panel-company").count():
        assert "Bakkerij De Gouden Korenaar" in page.locator("#panel-company-name").inner_text()
        assert "door school toegevoegd" in page.locator("#panel-company").inner_text()
        screenshot(page, "companies-participant-panel")
    page.goto("/leerbedrijven/?q=korenaar")
    page.click("text=Details")
    page.wait_for_selector("#accreditations")
    assert page.locator("#company-logo").is_visible()
    screenshot(page, "companies-details")

    placement = Placement.objects(participant=participant).get()
    assert placement.company.company_id == "100200301"
    trainer = Trainer.objects(participant=participant).get()
    assert trainer.source == "school" and trainer.review_status == "open" and placement.trainer == trainer

    # The trainer goes to the advisors' queue.
    page.context.clear_cookies()
    sign_in(page, "adviseur@sbb.example")
    page.goto("/verzoeken/leerbedrijven/?tab=opleiders")
    assert "Hülya Şahin" in page.locator("table.model-list").inner_text()


def test_step2_propose_company_then_advisor_grants(page):  # noqa: F811
    participant = _participant("Daan")
    sign_in(page, "mbo@school.example")
    _open_step2(page, participant)
    page.fill("#q", "pizzeria bella napoli")
    page.click("#search-button")
    page.wait_for_selector("#no-results")
    page.click("#propose-company")
    page.wait_for_selector("#propose-form")
    page.fill("#name", "Pizzeria Bella Napoli")
    page.fill("#city", "Amersfoort")
    page.fill("#postcode", "3811 AB")
    page.fill("#crebos", demo_crebos()[0])
    page.fill("#motivation", "De deelnemer werkt hier al twee maanden.")
    screenshot(page, "companies-step2-propose")
    page.click("#submit-proposal")
    page.wait_for_selector("#trainer-form")
    assert "Erkenning aangevraagd" in page.content()
    page.check("#trainer-new")
    page.fill("#first_name", "Marco")
    page.fill("#last_name", "Rossi")
    page.click("#next")
    page.wait_for_selector("#pending-warning")
    assert "pas definitief maken" in page.locator("#pending-warning").inner_text()
    page.goto(f"/deelnemers/{participant.pk}/")
    if page.locator("#panel-company").count():
        assert "pas definitief worden gemaakt" in page.locator("#panel-pending-warning").inner_text()
        screenshot(page, "companies-participant-panel-pending")
    req = AccreditationRequest.objects(proposed__name="Pizzeria Bella Napoli").get()
    assert req.status == "submitted" and req.participant == participant

    page.context.clear_cookies()
    sign_in(page, "adviseur@sbb.example")
    page.goto("/verzoeken/leerbedrijven/")
    page.click("text=Pizzeria Bella Napoli")
    page.wait_for_selector("#grant-form")
    page.fill("#company_id", "123123123")
    page.fill("#grant-note", "Erkend na bezoek.")
    screenshot(page, "companies-queue-request")
    page.click("#grant")
    page.wait_for_selector("#request-status")
    assert page.locator("#request-status").inner_text() == "Toegekend"
    placement = Placement.objects(participant=participant).get()
    assert placement.company is not None and placement.company.company_id == "123123123"
