"""Browser journey: an adviser ticks two open requests, chooses Afwijzen, is asked the reason, and rejects both."""

from datetime import date

from documents.companies import AccreditationRequest
from documents.participants import Participant
from documents.users import User
from services import accreditation_requests as svc
from services.demo_companies import demo_crebos
from tests.browser import browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401

pytestmark = requires_chromium


def test_afwijzen_asks_the_reason_then_rejects_the_ticked_requests(page, live_server):  # noqa: F811
    with live_server.app.app_context():
        staff = User.objects(email="mbo@school.example").get()
        made = []
        for name in ("Afwijsbaar Een", "Afwijsbaar Twee"):
            person = Participant(
                first_name="Browser", last_name=name, birth_date=date(2006, 5, 6), institution=staff.institution
            )
            person.save()
            made.append(svc.propose_company(staff, person, {"name": name, "city": "Zwolle"}, demo_crebos()[0]).pk)

    sign_in(page, "adviseur@sbb.example")
    page.goto("/verzoeken/leerbedrijven/")  # the old address leads to the open requests
    page.wait_for_url("**/lijsten/verzoeken/?flt0_0=open")
    page.fill("input[name=search]", "afwijsbaar")
    page.press("input[name=search]", "Enter")
    page.wait_for_url("**search=afwijsbaar**")
    screenshot(page, "requests-list")
    page.check("input.action-rowtoggle")
    page.click("#actions-menu")
    page.click("#action-reject")
    page.wait_for_selector("#reject-form")
    assert "U wijst 2 verzoeken af" in page.content()
    screenshot(page, "requests-reject-reason")
    page.fill("#reden", "Het bedrijf biedt geen passend werk.")
    page.click("#reject-submit")
    page.wait_for_selector("table.model-list")
    assert "2 verzoeken afgewezen." in page.content()
    with live_server.app.app_context():
        for req in AccreditationRequest.objects(pk__in=made):
            assert req.status == "rejected" and req.notes[-1].text == "Het bedrijf biedt geen passend werk."
