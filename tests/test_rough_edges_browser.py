"""Issue 13 part 5 in a real browser (axe checks every page loaded, see tests/browser.py): at 320 CSS pixels the
stap 4 summary wraps between words instead of cutting them, and the Hulp pages reflow and pass axe."""

from tests.browser import browser, live_server, page, requires_chromium, screenshot, sign_in  # noqa: F401

pytestmark = requires_chromium

# Each word (of a length that fits a 320-pixel line) of the summary table: how many line boxes it takes. A hyphen
# is an ordinary place to wrap ("01-04-" / "2006", "Vandenberghe-" / "Schoonhoven"): the parts are the words.
SPLIT_WORDS = """() => {
  const split = [];
  const walker = document.createTreeWalker(document.getElementById("statement-summary"), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (const m of node.data.matchAll(/[^\\s-]+/g)) {
      if (m[0].length > 18) continue;
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) split.push(m[0]);
    }
  }
  return split;
}"""


def test_stap4_summary_keeps_words_whole_at_320_pixels(page, live_server):  # noqa: F811
    from services import statements as svc
    from tests.statement_helpers import participant_at, ready_concept

    with live_server.app.app_context():
        participant = participant_at(
            first_name="Maximiliaan", last_name="Vandenberghe-Schoonhoven", birth_place="Westerhaar-Vriezenveensewijk"
        )
        statement = ready_concept(participant)
        svc.update_concept(statement, statement.created_by, education_form="mbo_maatwerk")
        sid = str(statement.pk)
    sign_in(page, "mbo@school.example")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/praktijkverklaringen/{sid}/samenvatting")
    split = page.evaluate(SPLIT_WORDS)
    screenshot(page, "rough-edges-320-samenvatting")
    assert not split, f"words cut over two lines at 320 px: {split}"
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner


def test_help_pages_pass_axe_and_reflow(page, live_server):  # noqa: F811
    sign_in(page, "mbo@school.example")
    page.goto("/hulp/")
    assert page.locator("#servicedesk-email").is_visible()
    page.set_viewport_size({"width": 320, "height": 640})
    for step in range(1, 5):
        page.goto(f"/hulp/stap-{step}")
        assert page.locator("h1").inner_text().startswith(f"Hulp bij stap {step}")
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, step
    # From a step page to its help by the link on it (axe's findings are checked when the page closes).
    from tests.statement_helpers import participant_at

    with live_server.app.app_context():
        pid = str(participant_at(first_name="Hulp", last_name="Zoeker").pk)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/deelnemers/{pid}/")
    page.locator("#help-link").click()
    page.wait_for_url("**/hulp/stap-1")
