"""Browser journey: a new participant through steps 1 to 4, then the public verification page, as a user does it."""

import io

from pypdf import PdfReader

from tests.browser import ARTIFACTS, browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401

pytestmark = requires_chromium


def test_new_participant_to_a_verified_praktijkverklaring(page, live_server):  # noqa: F811
    sign_in(page, "mbo@school.example")
    # Stap 1: the participant.
    page.goto("/deelnemers/nieuw/gegevens")
    page.fill("#first_name", "Loïs")
    page.fill("#last_name", "Verklaring")
    page.fill("#birth_date", "12-05-2006")
    page.fill("#birth_place", "Amersfoort")
    page.click("#save")
    # Saving leads straight on to stap 2 (Leerbedrijfgegevens), the participant's name on top.
    page.wait_for_selector("#company-search")
    participant_url = page.locator("#participant-bar-name").get_attribute("href")

    # Stap 2: the company and a registered trainer.
    page.fill("#q", "korenaar")
    page.click("#search-button")
    page.check("#company-100200301")
    page.click("#next")
    page.wait_for_selector("#trainer-form")
    page.locator("input[name=trainer]").first.check()
    page.click("#next")
    page.wait_for_selector("#placement-saved")

    # Stap 3: a begeleidingsdocument with three werkprocessen (a concept is enough to take them over).
    page.goto(participant_url)
    page.click("#guidance-new")
    page.wait_for_load_state("load")  # the page script submits on change
    page.select_option("#q0_crebo", "90101")
    page.wait_for_selector("#q0_wp_B1-K1-W1")
    for code in ("B1-K1-W1", "B1-K1-W2", "B1-K2-W1"):
        page.click(f"label[for='q0_wp_{code}']")
    page.click("#compose-next")
    page.wait_for_selector("#finalize")

    # Stap 4: Aan de slag.
    page.goto(participant_url)
    page.click("#statement-start")
    page.wait_for_selector("#statement-steps")
    assert "Loïs Verklaring" in page.inner_text("#participant-bar")
    assert page.locator("input[name=education_form]").count() == 2  # an mbo school: the two mbo forms
    page.check("#form-mbo_diploma")
    screenshot(page, "statements-4-1-onderwijsvorm")
    page.click("#next-step")

    page.wait_for_selector("#take-over")
    page.click("#take-over")
    page.wait_for_selector("#q-90101")
    assert page.is_checked("#wp-90101-B1-K1-W1") and page.is_checked("#wp-90101-B1-K2-W1")
    page.uncheck("#wp-90101-B1-K1-W2")  # adjust after taking over
    screenshot(page, "statements-4-2-werkprocessen")
    page.click("#next-step")

    page.wait_for_selector("#bpv_hours")
    page.fill("#bpv_hours", "9")
    page.click("#next-step")
    assert "heel getal van 10 tot en met 10.000" in page.inner_text("#bpv_hours-error")
    screenshot(page, "statements-4-3-uren-fout")
    page.fill("#bpv_hours", "1.200")
    page.click("#next-step")

    page.wait_for_selector("#logo-form")
    assert page.locator("#company-logo").is_visible()  # the bakery's registry logo
    page.locator("input[name=branch]").first.check()
    screenshot(page, "statements-4-4-logos")
    page.click("#next-step")

    page.wait_for_selector("#statement-summary")
    summary = page.inner_text("#statement-summary")
    assert "1.200" in summary and "Loïs Verklaring" in summary and "Bakkerij De Gouden Korenaar" in summary
    body = page.inner_text("body")
    assert "B1-K1-W1" in body and "B1-K2-W1" in body and "B1-K1-W2" not in body
    screenshot(page, "statements-4-5-samenvatting")
    with page.expect_download() as info:
        page.click("#make-concept")
    concept = info.value.path().read_bytes()
    assert "CONCEPT" in PdfReader(io.BytesIO(concept)).pages[0].extract_text()
    assert page.is_disabled("#make-final") is False
    page.click("#make-final")  # without the confirmation: refused
    page.wait_for_selector(".alert-danger")
    page.check("#confirm-final")
    page.click("#make-final")
    page.wait_for_selector("#statement-number")
    number = page.inner_text("#statement-number")
    screenshot(page, "statements-klaar")
    with page.expect_download() as info:
        page.click("#download-final")
    final_pdf = info.value.path().read_bytes()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "praktijkverklaring-browser.pdf").write_bytes(final_pdf)
    text = " ".join(PdfReader(io.BytesIO(final_pdf)).pages[0].extract_text().split())
    assert number in text and "Loïs Verklaring" in text and "CONCEPT" not in text

    # The participant page lists it as Definitief, without a pencil.
    page.goto(participant_url)
    row = page.locator("#statement-table .statement-row").first
    assert "Definitief" in row.inner_text() and number in row.inner_text()
    assert row.locator(".fa-pencil").count() == 0

    # Anyone holding it can verify it: first the address printed on it, then the file itself.
    page.context.clear_cookies()
    verification_path = text.split("/verificatie/")[1].split()[0]
    page.goto(f"/verificatie/{verification_path}")
    result = page.inner_text("#verification-result")
    assert "Geldig" in result and number in result
    assert "Loïs Verklaring" in page.content()
    screenshot(page, "statements-verificatie-geldig")
    page.goto("/verificatie")
    pdf_path = ARTIFACTS / "praktijkverklaring-browser.pdf"
    page.set_input_files("#pdf", str(pdf_path))
    page.click("button[type=submit]")
    assert "Geldig" in page.inner_text("#verification-result")
    changed = ARTIFACTS / "praktijkverklaring-gewijzigd.pdf"
    middle = len(final_pdf) // 2
    changed.write_bytes(final_pdf[:middle] + bytes([final_pdf[middle] ^ 1]) + final_pdf[middle + 1 :])
    page.set_input_files("#pdf", str(changed))
    page.click("button[type=submit]")
    assert "niet precies" in page.inner_text("#verification-result")
    screenshot(page, "statements-verificatie-gewijzigd")


def test_colleague_sees_why_not_then_maker_withdraws(page, live_server):  # noqa: F811
    from tests.statement_helpers import final_statement

    with live_server.app.app_context():
        final = final_statement()
        pid, sid, code = str(final.participant.pk), str(final.pk), final.verification_code
    sign_in(page, "collega@school.example")
    page.goto(f"/deelnemers/{pid}/")
    assert "zelf hebt gemaakt" in page.inner_text("#panel-statements")
    screenshot(page, "statements-panel-collega")
    page.context.clear_cookies()
    sign_in(page, "mbo@school.example")
    page.goto(f"/deelnemers/{pid}/")
    page.click(f"a[href='/praktijkverklaringen/{sid}/verwijderen']")
    page.click("#confirm-delete")
    assert "ingenomen en vernietigd" in page.inner_text("#delete-errors")
    page.check("#taken_back")
    page.fill("#reason", "Verkeerde BPV-uren")
    screenshot(page, "statements-verwijderen")
    page.click("#confirm-delete")
    page.wait_for_selector("#participant-bar")
    page.goto(f"/verificatie/{code}")
    assert "Ingetrokken" in page.inner_text("#verification-result")
    screenshot(page, "statements-verificatie-ingetrokken")
