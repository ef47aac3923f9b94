"""Browser journey: filter the Praktijkverklaringen list, select all N that match (more than a page), delete exactly N."""

from documents.statements import PracticeStatement
from services import statements as svc
from tests.browser import browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401
from tests.statement_helpers import final_statement, participant_at, ready_concept, user

pytestmark = requires_chromium


def test_select_all_matching_across_pages_deletes_exactly_those(page, live_server):  # noqa: F811
    with live_server.app.app_context():
        maker = user("mbo@school.example")
        chosen = [
            svc.create_concept(participant_at(first_name=f"Kandidaat{n}", last_name="Selectietest"), maker).pk
            for n in range(25)
        ]
        kept = [final_statement(participant=participant_at(first_name="Definitief", last_name="Selectietest")).pk]
        kept += [
            svc.create_concept(participant_at(first_name=f"Blijft{n}", last_name="Anders"), maker).pk for n in range(3)
        ]
        pro = participant_at(brin="12PD", author="pro@school.example", first_name="Ander", last_name="Selectietest")
        kept.append(ready_concept(pro, author="pro@school.example", form="pro").pk)

    sign_in(page, "mbo@school.example")
    page.goto("/lijsten/praktijkverklaringen/")
    # The filter: status Concept, and the search on the name.
    page.click("#filter-menu")
    page.click("a.filter:text-is('Status')")
    # Flask-Admin dresses the choice up with select2 and hides the <select> itself: choose on the element.
    page.locator("#filter_form select.filter-val").select_option("concept", force=True)
    page.click("#filter_form button[type=submit]", force=True)
    page.wait_for_url("**=concept**")
    page.fill("input[name=search]", "selectietest")
    page.press("input[name=search]", "Enter")
    page.wait_for_url("**search=selectietest**")
    assert page.locator("input.action-checkbox").count() == 20  # the first page of 25
    assert page.is_hidden("#select-all-bar")

    page.check("input.action-rowtoggle")
    page.wait_for_selector("#select-all-bar", state="visible")
    page.click("#select-all-matching")  # asks the server which rows match now (their number and a token)
    page.wait_for_selector("#select-all-chosen", state="visible")
    assert "Alle 25 items die aan het filter voldoen zijn gekozen" in page.inner_text("#select-all-bar")
    screenshot(page, "lists-select-all-matching")

    messages = []

    def accept(dialog):
        messages.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.click("#actions-menu")
    page.click("#action-remove")
    page.wait_for_selector(".alert-success")
    assert messages and messages[0].startswith("25 praktijkverklaringen verwijderen?")
    assert "25 praktijkverklaringen verwijderd." in page.inner_text(".alert-success")

    with live_server.app.app_context():
        assert PracticeStatement.objects(pk__in=chosen).count() == 0
        assert PracticeStatement.objects(pk__in=kept).count() == len(kept)


def test_select_all_then_a_row_changes_the_action_is_refused_and_nothing_goes(page, live_server):  # noqa: F811
    """The rows chosen with "Selecteer alle N" are the rows acted on: one added in between stops the action."""
    with live_server.app.app_context():
        maker = user("mbo@school.example")
        chosen = [
            svc.create_concept(participant_at(first_name=f"Wijziging{n}", last_name="Tussendoor"), maker).pk
            for n in range(22)
        ]
    sign_in(page, "mbo@school.example")
    page.goto("/lijsten/praktijkverklaringen/?search=tussendoor")
    page.check("input.action-rowtoggle")
    page.click("#select-all-matching")
    page.wait_for_selector("#select-all-chosen", state="visible")
    assert "Alle 22 items die aan het filter voldoen zijn gekozen" in page.inner_text("#select-all-bar")
    with live_server.app.app_context():  # someone else adds one that matches the same search
        svc.create_concept(participant_at(first_name="Later", last_name="Tussendoor"), user("mbo@school.example"))

    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#actions-menu")
    page.click("#action-remove")
    page.wait_for_selector(".alert-danger")
    assert "veranderd sinds u ze koos (nu 23, toen 22)" in page.inner_text(".alert-danger")
    with live_server.app.app_context():
        assert PracticeStatement.objects(pk__in=chosen).count() == 22


def test_unticking_a_row_while_the_selection_is_asked_keeps_the_choice_to_the_ticked_rows(page, live_server):  # noqa: F811
    """A slow answer to "Selecteer alle N" that arrives after the user unticked a row chooses nothing more."""
    with live_server.app.app_context():
        maker = user("mbo@school.example")
        ids = [
            svc.create_concept(participant_at(first_name=f"Traag{n}", last_name="Antwoord"), maker).pk
            for n in range(22)
        ]
    sign_in(page, "mbo@school.example")
    held = []
    page.route("**/selectie/**", lambda route: held.append(route))  # the server is slow: the answer waits
    page.goto("/lijsten/praktijkverklaringen/?search=antwoord")
    page.check("input.action-rowtoggle")
    page.click("#select-all-matching")
    page.wait_for_function("() => document.getElementById('select-all-matching').disabled")
    page.locator("input.action-checkbox").first.uncheck()  # the user changes their mind meanwhile
    assert held, "the page did not ask the server"
    held[0].continue_()  # the answer arrives
    page.wait_for_function("() => !document.getElementById('select-all-matching').disabled")
    assert page.evaluate("() => document.getElementById('list-action-all').value") == "0"
    assert page.evaluate("() => document.getElementById('list-action-token').value") == ""

    messages = []
    page.on("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.click("#actions-menu")
    page.click("#action-remove")
    page.wait_for_selector(".alert-success")
    assert messages[0].startswith("19 praktijkverklaringen verwijderen?")
    with live_server.app.app_context():
        assert PracticeStatement.objects(pk__in=ids).count() == 3  # the unticked one and the 2 on page 2
