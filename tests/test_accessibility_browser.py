"""Accessibility in a real browser (issue 13): axe runs on every page loaded here (see tests/browser.py), so a tour
of each role's menu checks the pages the journeys do not reach; plus what axe cannot see: the skip link, a visible
focus indicator, Dutch-only validation, the step pages at 320 CSS pixels, and stap 3's checkboxes by keyboard."""

from urllib.parse import urlsplit

from tests.browser import browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401

pytestmark = requires_chromium
TOUR_LIMIT = 14  # pages per role beyond the home page: axe takes about half a second each on 2 cores


def _menu_links(page):  # noqa: F811
    hrefs = page.eval_on_selector_all(
        "nav a[href^='/'], main a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    seen, links = set(), []
    for href in hrefs:
        path = urlsplit(href).path
        if path in seen or any(word in href for word in ("export", "formaat=", "pdf", "sjabloon", "logout")):
            continue
        seen.add(path)
        links.append(href)
    return links


def _tour(page, email):  # noqa: F811
    sign_in(page, email)
    page.goto("/")
    for href in _menu_links(page)[:TOUR_LIMIT]:
        page.goto(href)
        assert page.evaluate("document.documentElement.lang") == "nl", href
        # Every form leaves checking to the server (Dutch messages), Flask-Admin's included.
        assert page.evaluate("[...document.forms].every(f => f.noValidate)"), href


def test_tour_sbb_admin(page, live_server):  # noqa: F811
    _tour(page, "beheerder@sbb.example")


def test_tour_sbb_advisor(page, live_server):  # noqa: F811
    _tour(page, "adviseur@sbb.example")


def test_tour_school_staff(page, live_server):  # noqa: F811
    _tour(page, "mbo@school.example")


def test_skip_link_and_visible_focus(page, live_server):  # noqa: F811
    sign_in(page, "mbo@school.example")
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Naar de inhoud"
    box = page.locator(".skip-link").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0  # shown on screen once it has focus
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    screenshot(page, "a11y-skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    # Every next stop shows where focus is: an outline or a focus ring, never nothing.
    for _ in range(6):
        page.keyboard.press("Tab")
        style = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()"
        )
        assert style[0] != "none" or style[2] != "none", style


def test_browser_does_not_validate_in_english(page, live_server):  # noqa: F811
    sign_in(page, "beheerder@sbb.example")
    page.goto("/beheer/voorwaarden/new/")
    page.click("form.admin-form [type=submit]")
    # The empty required field went to the server, which answers in Dutch next to the field.
    page.wait_for_selector("#text-error")
    assert "Vul de tekst in." in page.inner_text("#text-error")
    assert page.get_attribute("#text", "aria-invalid") == "true"


def _step_urls(live_server):  # noqa: F811
    from tests.statement_helpers import participant_at, ready_concept

    with live_server.app.app_context():
        participant = participant_at(first_name="Smal", last_name="Scherm")
        statement = ready_concept(participant)
        pid, sid = str(participant.pk), str(statement.pk)
    return [
        f"/deelnemers/{pid}/",
        f"/stap2/{pid}/",
        f"/begeleidingsdocument/{pid}/nieuw",
        *(
            f"/praktijkverklaringen/{sid}/{step}"
            for step in ("onderwijsvorm", "werkprocessen", "uren", "logos", "samenvatting")
        ),
    ]


def test_step_pages_reflow_at_320_pixels(page, live_server):  # noqa: F811
    urls = _step_urls(live_server)
    sign_in(page, "mbo@school.example")
    page.set_viewport_size({"width": 320, "height": 640})
    wide = []
    for url in urls:
        page.goto(url)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            wide.append((url, scroll))
    screenshot(page, "a11y-320-samenvatting")
    assert not wide, f"horizontal scrolling at 320 px: {wide}"


def test_stap3_checkboxes_by_keyboard(page, live_server):  # noqa: F811
    urls = _step_urls(live_server)
    sign_in(page, "mbo@school.example")
    page.goto(urls[2])
    page.select_option("#q0_crebo", "90101")  # the page script reloads with the work processes
    page.wait_for_selector("#q0_wp_B1-K1-W1")
    box = page.get_by_role("checkbox", name="B1-K1-W1", exact=False).first
    assert box.get_attribute("id") == "q0_wp_B1-K1-W1"  # named by its visible label
    task = page.get_by_role("checkbox", name="Alle werkprocessen van B1-K1", exact=False)
    assert task.count() == 1
    # Reach it with Tab from the field before it, tick it with Space; the focus ring is visible.
    page.focus("#q0_wp_B1-K1-W1")
    page.keyboard.press("Space")
    assert page.is_checked("#q0_wp_B1-K1-W1")
    ring = page.evaluate(
        "() => getComputedStyle(document.querySelector(\"label[for='q0_wp_B1-K1-W1']\"), '::before').boxShadow"
    )
    assert ring != "none"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") != "q0_wp_B1-K1-W1"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "q0_wp_B1-K1-W1"
    page.keyboard.press("Space")
    assert not page.is_checked("#q0_wp_B1-K1-W1")
    screenshot(page, "a11y-stap3-keyboard")


FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  const shown = s => (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
  if (shown(getComputedStyle(el))) return true;
  // Bootstrap's custom checkboxes draw the box (and its focus ring) on the label.
  return !!(el.labels && el.labels[0] && shown(getComputedStyle(el.labels[0], "::before")));
}"""


def _tab_to(page, selector, limit=120):  # noqa: F811
    """Press Tab until `selector` has focus, checking at every stop that focus is visible; fail after `limit`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_SHOWN), page.evaluate("document.activeElement.outerHTML.slice(0, 160)")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with Tab on {page.url}")


def _enter(page):  # noqa: F811
    """Press Enter on the focused link or button and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_keyboard_only_from_concept_to_definitive_statement(page, live_server):  # noqa: F811
    from services import statements as svc
    from tests.statement_helpers import participant_at, selection, user

    with live_server.app.app_context():
        participant = participant_at(first_name="Toets", last_name="Bord")
        maker = user("mbo@school.example")
        statement = svc.create_concept(participant, maker)
        svc.update_concept(statement, maker, education_form="mbo_diploma", selections=[selection()])
        pid = str(participant.pk)
    sign_in(page, "mbo@school.example")
    page.goto(f"/deelnemers/{pid}/")
    _tab_to(page, "#statement-table a.btn-outline-secondary")  # "Wijzigen": the concept's first open step
    _enter(page)
    page.wait_for_selector("#statement-steps")
    for _step in ("onderwijsvorm", "werkprocessen"):
        _tab_to(page, "#next-step")
        _enter(page)
    _tab_to(page, "#bpv_hours")
    page.keyboard.type("1.200")
    _tab_to(page, "#next-step")
    _enter(page)
    page.wait_for_selector("#logo-form")
    _tab_to(page, "#next-step")
    _enter(page)
    page.wait_for_selector("#statement-summary")
    _tab_to(page, "#confirm-final")
    page.keyboard.press("Space")
    assert page.is_checked("#confirm-final")
    _tab_to(page, "#make-final")
    _enter(page)
    page.wait_for_selector("#statement-number")
    screenshot(page, "a11y-keyboard-klaar")


def test_the_current_company_note_has_enough_contrast(page, live_server):  # noqa: F811
    """Stap 2 names the participant's current company in a light alert: Bootstrap's grey text on it is 3.8:1."""
    from tests.statement_helpers import participant_at

    with live_server.app.app_context():
        pid = str(participant_at(first_name="Licht", last_name="Contrast").pk)
    sign_in(page, "mbo@school.example")
    for width in (1280, 320):  # axe leaves the contrast undecided at some widths: both are checked
        page.set_viewport_size({"width": width, "height": 640})
        page.goto(f"/stap2/{pid}/leerbedrijf?breedte={width}")
        assert page.locator("#current-company").is_visible()
    assert not page.axe.violations, page.axe.report()
