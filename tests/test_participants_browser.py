"""Browser journeys of step 1: add by hand, duplicate warning, bulk import with a bad row, archive/restore, delete,
and acting on every participant a filter matches."""

import io
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from tests.browser import browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401

pytestmark = requires_chromium


def names_on_page(pg):
    return pg.locator("a.participant-link").all_inner_texts()


def test_add_participant_by_hand(page):  # noqa: F811
    sign_in(page, "mbo@school.example")
    page.goto("/deelnemers/")
    screenshot(page, "participants-overview")
    page.click("#new-participant")
    assert "Aan de slag" in page.content()
    page.click("#start")
    assert page.locator("#printed-reminder").is_visible()
    page.fill("#first_name", "Eliëtte")
    page.fill("#infix", "van 't")
    page.fill("#last_name", "Hoff")
    page.fill("#birth_date", "31-13-2007")
    page.click("#save")
    assert "31-13-2007 bestaat niet" in page.locator("#error-birth_date").inner_text()
    page.fill("#birth_date", "09-10-2007")
    page.fill("#group", "MZ2A")
    screenshot(page, "participants-form")
    page.click("#save")
    page.wait_for_url("**/stap2/**")  # saving leads on to stap 2, the name stays on top
    assert "Eliëtte van 't Hoff" in page.locator("#participant-bar").inner_text()
    page.click("#participant-bar-name")
    page.wait_for_selector("#value-birth_date")
    assert page.locator("#value-birth_date").inner_text() == "09-10-2007"
    screenshot(page, "participants-details")
    page.click("#edit-participant")
    page.fill("#group", "MZ2B")
    page.click("#save")
    assert page.locator("#value-group").inner_text() == "MZ2B"
    page.goto("/deelnemers/?search=hoff")
    assert names_on_page(page) == ["Hoff, Eliëtte van 't"]


def test_duplicate_warning(page):  # noqa: F811
    sign_in(page, "collega@school.example")
    page.goto("/deelnemers/nieuw/gegevens")
    page.fill("#first_name", "JAN")
    page.fill("#infix", "de")
    page.fill("#last_name", "vries")
    page.fill("#birth_date", "14-03-2006")
    page.click("#save")
    warning = page.locator("#duplicate-warning")
    assert "bestaat al" in warning.inner_text()
    screenshot(page, "participants-duplicate")
    page.click("#duplicate-link")
    page.wait_for_selector("#participant-bar")
    assert "Jan de Vries" in page.locator("#participant-bar").inner_text()


def test_bulk_import_with_one_bad_row(page, tmp_path):  # noqa: F811
    sign_in(page, "mbo@school.example")
    page.goto("/deelnemers/")
    page.click("#bulk-import")
    with page.expect_download() as info:
        page.click("#download-template")
    template = tmp_path / "sjabloon.xlsx"
    info.value.save_as(template)
    wb = load_workbook(template)
    ws = wb["Deelnemers"]
    filled_rows = [
        ["Lieke", None, "Brouwer", date(2007, 4, 3), "Zwolle", "Cohort 2026"],
        ["Bas", "ter", "Maat", "21-08-2006", None, "Cohort 2026"],
        ["Roos", None, None, "01-01-2007"],  # the bad row: no last name
        ["Jan", "de", "Vries", date(2006, 3, 14)],  # exists already
    ]
    # As a user types them: from row 2 on, into the template's formatted cells.
    for r, values in enumerate(filled_rows, start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    filled = tmp_path / "klas.xlsx"
    wb.save(filled)
    page.set_input_files("#bestand", str(filled))
    page.click("#upload")
    page.wait_for_selector("#preview-table")
    assert page.locator("#count-new").inner_text() == "2 nieuw"
    assert page.locator("#count-errors").inner_text() == "1 met fouten"
    assert "Achternaam: is verplicht maar leeg" in page.locator("#row-4").inner_text()
    assert page.locator("#row-4 input[name=rows]").is_disabled()
    assert page.locator("#row-5 input[name=rows]").is_disabled()
    screenshot(page, "participants-import-preview")
    page.click("#import-selected")
    page.wait_for_selector("#participant-tabs")
    assert "2 deelnemers geïmporteerd uit klas.xlsx" in page.content()
    page.goto("/deelnemers/?groep=Cohort+2026")  # the old address: redirected to the group filter
    assert names_on_page(page) == ["Brouwer, Lieke", "Maat, Bas ter"]
    # A CSV is refused with a Dutch message.
    page.goto("/deelnemers/import/")
    csv_file = tmp_path / "lijst.csv"
    csv_file.write_text("Voornaam;Achternaam\n")
    page.set_input_files("#bestand", str(csv_file))
    page.click("#upload")
    assert "CSV-bestand kan niet worden ingelezen" in page.locator("#import-error").inner_text()
    # And the batch can be undone.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Import ongedaan maken")
    assert "De import is ongedaan gemaakt: 2 deelnemers verwijderd." in page.content()


def run_action(pg, name):
    """Choose an action in "Met selectie" and accept its confirmation; return the confirmation's text."""
    messages = []

    def accept(dialog):
        messages.append(dialog.message)
        dialog.accept()

    pg.once("dialog", accept)
    pg.click("#actions-menu")
    pg.click(f"#action-{name}")
    pg.wait_for_load_state()
    return messages[0] if messages else ""


def tick(pg, name):
    pg.locator("tr", has=pg.locator("a.participant-link", has_text=name)).locator("input.action-checkbox").check()


def test_archive_and_restore(page):  # noqa: F811
    sign_in(page, "mbo@school.example")
    page.goto("/deelnemers/?search=vries")
    tick(page, "Vries, Jan de")
    assert run_action(page, "archive") == "1 deelnemer naar het archief verplaatsen?"
    page.wait_for_selector(".alert-success")
    assert "1 deelnemer naar het archief verplaatst." in page.content()
    assert names_on_page(page) == []
    page.click("#tab-archief")  # the search stays
    assert "Vries, Jan de" in names_on_page(page)
    screenshot(page, "participants-archive")
    tick(page, "Vries, Jan de")
    run_action(page, "restore")
    page.wait_for_selector(".alert-success")
    assert "1 deelnemer teruggezet naar Actueel." in page.content()
    page.click("#tab-actueel")
    assert "Vries, Jan de" in names_on_page(page)


def test_delete_with_confirmation(page):  # noqa: F811
    sign_in(page, "mbo@school.example")
    page.goto("/deelnemers/?search=zoe")
    page.click("a[aria-label='Zoë Bakker definitief verwijderen']")
    assert "niet meer terugzetten" in page.locator("#delete-warning").inner_text()
    screenshot(page, "participants-delete")
    page.click("#confirm-delete")
    assert "definitief verwijderd: Zoë Bakker" in page.content()
    page.goto("/deelnemers/?search=zoe")
    assert names_on_page(page) == []
    page.goto("/deelnemers/?tab=archief&search=zoe")
    assert names_on_page(page) == []


def test_export_downloads(page):  # noqa: F811
    sign_in(page, "mbo@school.example")
    page.goto("/deelnemers/?groep=MZ2A")
    page.click("#list-menu a.dropdown-toggle:text-is('Exporteren')")
    with page.expect_download() as info:
        page.click("#list-menu a.dropdown-item[href*='/export/xlsx/']")
    ws = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    assert {r[0] for r in ws.iter_rows(min_row=2, values_only=True)} == {"Vries", "Berg", "Bakker"}


def test_filter_on_a_group_select_all_matching_and_archive_exactly_those(page, live_server):  # noqa: F811
    from documents.participants import Participant
    from documents.users import User
    from tests.factories import ParticipantFactory

    with live_server.app.app_context():
        roc = User.objects.get(email="mbo@school.example").institution
        pro = User.objects.get(email="pro@school.example").institution
        chosen = [p.pk for p in ParticipantFactory.create_batch(26, institution=roc, group="Klas Selectie")]
        others = [p.pk for p in ParticipantFactory.create_batch(3, institution=roc, group="Klas Anders")]
        others += [p.pk for p in ParticipantFactory.create_batch(3, institution=pro, group="Klas Selectie")]
        current_before = Participant.objects(archived_at=None).count()

    sign_in(page, "mbo@school.example")
    page.goto("/deelnemers/")
    page.click("#filter-menu")
    page.click("a.filter:text-is('Groep')")
    # Flask-Admin dresses the choice up with select2 and hides the <select> itself: choose on the element.
    page.locator("#filter_form select.filter-val").select_option("Klas Selectie", force=True)
    page.click("#filter_form button[type=submit]", force=True)
    page.wait_for_url("**_0=Klas+Selectie**")
    assert page.inner_text("#participant-count").startswith("26 deelnemers")
    assert page.locator("input.action-checkbox").count() == 20  # the first page of 26
    page.check("input.action-rowtoggle")
    page.wait_for_selector("#select-all-bar", state="visible")
    page.click("#select-all-matching")  # asks the server which rows match now (their number and a token)
    page.wait_for_selector("#select-all-chosen", state="visible")
    assert "Alle 26 items die aan het filter voldoen zijn gekozen" in page.inner_text("#select-all-bar")
    screenshot(page, "participants-select-all-matching")
    assert run_action(page, "archive") == "26 deelnemers naar het archief verplaatsen?"
    page.wait_for_selector(".alert-success")
    assert "26 deelnemers naar het archief verplaatst." in page.inner_text(".alert-success")

    with live_server.app.app_context():
        assert Participant.objects(pk__in=chosen, archived_at__ne=None).count() == 26
        assert Participant.objects(pk__in=others, archived_at=None).count() == 6
        assert Participant.objects(archived_at=None).count() == current_before - 26
