"""Browser journey, stap 3: from a participant with a placement to downloading the final begeleidingsdocument,
then uploading the copy the trainer filled in and seeing the progress on the participant page."""

import io
from datetime import date

from pypdf import PdfReader

from tests.browser import (  # noqa: F401
    ARTIFACTS,
    browser,
    live_server,
    page,
    requires_chromium,
    screenshot,
    sign_in,
)
from tests.test_guidance import fill

pytestmark = requires_chromium


def _participant_with_placement(app, company_id="100200301"):
    from documents.companies import Company, Trainer
    from documents.institutions import Institution
    from documents.participants import Participant
    from documents.users import User
    from services.placements import create_placement

    with app.app_context():
        school = Institution.objects(brin="25DM").get()
        p = Participant(
            first_name="Noëlle",
            infix="van",
            last_name="Aarle",
            birth_date=date(2006, 4, 3),
            group="MZ2A",
            institution=school,
        ).save()
        company = Company.objects(company_id=company_id).get()
        create_placement(
            User.objects(email="mbo@school.example").get(),
            p,
            company=company,
            trainer=Trainer.objects(company=company).first(),
        )
        return str(p.pk)


def test_compose_finalize_download_and_upload_filled_copy(page, live_server):  # noqa: F811
    pid = _participant_with_placement(live_server.app)
    sign_in(page, "mbo@school.example")
    page.goto(f"/deelnemers/{pid}/")
    page.click("#guidance-new")
    page.wait_for_load_state("load")  # the page script submits on change
    page.select_option("#q0_crebo", "90101")
    page.wait_for_selector("#q0_wp_B1-K1-W1")
    for code in ("B1-K1-W1", "B1-K1-W2", "B1-K2-W1"):
        page.click(f"label[for='q0_wp_{code}']")
    assert page.is_enabled("#q0_gedrag_B1-K1-W1") and not page.is_enabled("#q0_gedrag_B1-K1-W3")
    page.click("label[for='q0_gedrag_B1-K1-W1']")
    page.click("#add-qualification")
    page.wait_for_load_state("load")  # the page script submits on change
    page.select_option("#q1_crebo", "90102")
    page.wait_for_selector("#block-1 .work-process")
    first_wp = page.locator("#block-1 .js-wp").first.get_attribute("value")
    page.click(f"label[for='q1_wp_{first_wp}']")
    assert page.is_checked("#q0_wp_B1-K1-W2") and page.is_checked("#q0_gedrag_B1-K1-W1")
    page.locator("#block-0 details").first.click()
    screenshot(page, "guidance-compose")
    page.click("#compose-next")

    page.wait_for_selector("#finalize")
    assert "Concept" in page.inner_text("#doc-status")
    assert page.locator(".summary-wp").count() == 4
    screenshot(page, "guidance-summary")
    page.check("#confirm-final", force=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#finalize")
    page.wait_for_selector("#download-final")
    assert "Afgerond" in page.inner_text("#doc-status")
    assert page.locator("#to-statement").is_visible()
    with page.expect_download() as info:
        page.click("#download-final")
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "guidance-final.pdf"
    info.value.save_as(target)
    data = target.read_bytes()
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "B1-K1-W2" in text and "B1-K1-W3" not in text and "CONCEPT" not in text
    # A code chosen in both kwalificaties gets the crebo in its field names (services/pdf/guidance.py).
    key = "90101-B1-K1-W1" if first_wp == "B1-K1-W1" else "B1-K1-W1"
    assert f"wp_{key}_moment1_niveau" in reader.get_fields()

    filled = fill(
        data,
        {
            f"wp_{key}_moment1_datum": "12-01-2026",
            f"wp_{key}_moment1_niveau": "beheerst",
            "wp_B1-K1-W2_opmerkingen": "Werkt zelfstandig; let op de veiligheidsschoenen.",
        },
    )
    (ARTIFACTS / "guidance-filled.pdf").write_bytes(filled)
    page.set_input_files("#bestand", str(ARTIFACTS / "guidance-filled.pdf"))
    page.click("#upload")
    page.wait_for_selector("#filled-info")
    assert "beheerst" in page.inner_text("#voortgang") and "veiligheidsschoenen" in page.inner_text("#voortgang")
    screenshot(page, "guidance-summary-final")

    page.goto(f"/deelnemers/{pid}/")
    panel = page.inner_text("#panel-guidance")
    assert "Afgerond" in panel and "beheerst" in panel and "90101" in panel
    screenshot(page, "guidance-participant")


def test_extension_request_and_wrong_upload(page, live_server, tmp_path):  # noqa: F811
    # 100200330 is accredited for 90101 and 90301 only (services/demo_companies.py).
    pid = _participant_with_placement(live_server.app, "100200330")
    sign_in(page, "mbo@school.example")
    page.goto(f"/begeleidingsdocument/{pid}/nieuw")
    page.select_option("#q0_crebo", "90201")
    page.wait_for_selector(".js-wp")
    page.locator(".work-process .custom-control-label").first.click()
    assert "niet erkend voor kwalificatie 90201" in page.inner_text("#accreditation-90201")
    page.click("#extend-90201")
    page.wait_for_selector(".accreditation-requested")
    assert "is ingediend bij SBB" in page.content()
    assert page.locator(".js-wp:checked").count() == 1  # the ticked werkproces is kept
    screenshot(page, "guidance-extension-requested")
    page.click("#compose-next")
    page.wait_for_selector("#upload-form")
    bad = tmp_path / "foto.pdf"
    bad.write_bytes(b"GIF89a not really a pdf")
    page.set_input_files("#bestand", str(bad))
    page.click("#upload")
    page.wait_for_selector(".alert-danger")
    assert "geen PDF" in page.inner_text(".alert-danger")
