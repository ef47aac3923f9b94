"""Browser journey, issue 15: invite -> the mail's link -> the trainer fills in and signs on a 360-px-wide page ->
the school sees the progress -> stap 4.2 takes it over -> definitief (with the sign-off date printed)."""

import email
import io
import re

from pypdf import PdfReader

from core.clock import local
from tests.browser import (  # noqa: F401
    AxeChecker,
    browser,
    live_server,
    page,
    requires_chromium,
    screenshot,
    sign_in,
)

pytestmark = requires_chromium


def _setup(app):
    from documents.guidance import Selection
    from services import guidance as gsvc
    from services import statements as ssvc
    from tests.statement_helpers import participant_at, qualification, user

    with app.app_context():
        staff = user("mbo@school.example")
        participant = participant_at(first_name="Sem", last_name="Online")
        q = qualification("90101")
        chosen = [wp.code for wp in q.work_processes()][:3]
        selection = Selection(crebo="90101", qualification_id=str(q.pk), codes=chosen, behaviour_codes=chosen[:1])
        doc = gsvc.finalize(gsvc.create_concept(participant, staff, [selection]), staff)
        statement = ssvc.create_concept(participant, staff)
        ssvc.update_concept(statement, staff, education_form="mbo_diploma", bpv_hours="800")
        return str(participant.pk), str(doc.pk), str(statement.pk), chosen


def test_invite_sign_on_a_phone_school_sees_it_and_takes_it_over(page, live_server, browser, smtp_server):  # noqa: F811
    app = live_server.app
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    pid, gid, sid, codes = _setup(app)

    # The school invites the trainer from the final begeleidingsdocument.
    sign_in(page, "mbo@school.example")
    page.goto(f"/begeleidingsdocument/document/{gid}/")
    page.fill("#invite-email", "j.bakker@korenaar.example")
    page.click("#invite-trainer")
    page.wait_for_selector("#resend-invitation")
    assert "Uitgenodigd: j.bakker@korenaar.example" in page.inner_text("#review-status")

    # The mail carries the personal link.
    assert len(smtp_server.messages) == 1
    mail = email.message_from_string(smtp_server.messages[0], policy=email.policy.default)
    assert mail["To"] == "j.bakker@korenaar.example"
    link = re.search(r"(http://127\.0\.0\.1:\d+/beoordeling/[A-Za-z0-9_\-]+)", mail.get_content()).group(1)

    # The trainer opens it on a phone: no account, 360 pixels wide.
    phone = browser.new_context(locale="nl-NL", viewport={"width": 360, "height": 740}, base_url=live_server.url)
    trainer = phone.new_page()
    csp = []
    trainer.on("console", lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None)
    trainer.axe = AxeChecker(trainer, live_server.url)
    trainer.goto(link)
    assert "Sem Online" in trainer.inner_text("#review-parties")
    assert trainer.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    trainer.fill("#r0-m1-datum", "02-02-2026")
    trainer.select_option("#r0-m1-niveau", "gedeeltelijk")
    trainer.fill("#r0-m2-datum", "16-02-2026")
    trainer.select_option("#r0-m2-niveau", "beheerst")
    trainer.check("#r0-gedrag-1")
    trainer.fill("#r1-m1-datum", "03-02-2026")
    trainer.select_option("#r1-m1-niveau", "gedeeltelijk")
    trainer.fill("#r1-opmerkingen", "Oefent nog met de oven; volgende keer samen.")
    trainer.click("#save-draft")
    trainer.wait_for_selector("#opgeslagen")
    assert trainer.input_value("#r0-m2-datum") == "16-02-2026"  # the draft is kept
    trainer.fill("#r2-m1-datum", "04-02-2026")
    trainer.select_option("#r2-m1-niveau", "beheerst")
    trainer.fill("#sign-name", "J. Bakker")
    trainer.fill("#sign-function", "Chef-bakker")
    trainer.check("#sign-confirm")
    screenshot(trainer, "review-trainer-360px")
    trainer.once("dialog", lambda dialog: dialog.accept())
    trainer.click("#sign")
    trainer.wait_for_selector("#review-signed")
    assert "J. Bakker" in trainer.inner_text("#review-signed")
    assert trainer.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(trainer, "review-trainer-signed")
    phone.close()
    assert not csp, csp
    assert not trainer.axe.violations, trainer.axe.report()

    # The school sees the progress per werkproces, with where it came from.
    with app.app_context():
        from documents.reviews import TrainerReview

        day = local(TrainerReview.objects.get(guidance=gid).signed_at).strftime("%d-%m-%Y")
    page.goto(f"/begeleidingsdocument/document/{gid}/")
    progress = page.inner_text("#voortgang")
    assert f"online afgetekend door J. Bakker op {day}" in progress and "Oefent nog met de oven" in progress
    assert "Online afgetekend door J. Bakker" in page.inner_text("#review-status")
    page.goto(f"/deelnemers/{pid}/")
    assert f"online afgetekend door J. Bakker op {day}" in page.inner_text("#panel-guidance")

    # Stap 4.2 takes over what the trainer marked "wel" (latest moment beheerst): the first and the third.
    page.goto(f"/praktijkverklaringen/{sid}/werkprocessen")
    page.click("#review-take-over")
    page.wait_for_selector("#work-process-form")
    assert page.is_checked(f"#wp-90101-{codes[0]}") and page.is_checked(f"#wp-90101-{codes[2]}")
    assert not page.is_checked(f"#wp-90101-{codes[1]}")
    page.check("#print-trainer-review")
    page.click("#save-print-trainer-review")
    page.wait_for_selector("#print-trainer-review:checked")
    page.click("#next-step")
    page.wait_for_selector("#bpv_hours")
    page.click("#next-step")
    page.wait_for_selector("#logo-form")
    page.click("#next-step")
    page.wait_for_selector("#statement-summary")
    page.check("#confirm-final")
    page.click("#make-final")
    page.wait_for_selector("#statement-number")
    with page.expect_download() as info:
        page.click("#download-final")
    text = " ".join(PdfReader(io.BytesIO(info.value.path().read_bytes())).pages[0].extract_text().split())
    assert f"Beoordeeld door de praktijkopleider op {day}" in text
    assert codes[0] in text and codes[2] in text and codes[1] not in text
    with app.app_context():
        from documents.statements import PracticeStatement

        snapshot = PracticeStatement.objects.get(pk=sid).snapshot
        assert snapshot["trainer_review"]["signed"] and snapshot["trainer_review"]["signed_by"] == "J. Bakker"
