"""The progress read from an uploaded filled begeleidingsdocument shows the gedrag ticks, the BPV period and
the signatures, not only the moments and remarks (issue 13, part 5)."""

import io

from pypdf import PdfReader, PdfWriter

from services import guidance as svc
from tests.test_guidance_views import codes, participant, staff  # noqa: F401 (fixtures)


def _fill(pdf_bytes, values, ticks):
    reader = PdfReader(io.BytesIO(pdf_bytes))
    writer = PdfWriter(clone_from=reader)
    fields = reader.get_fields()
    for name in ticks:  # a checkbox is set to its own "on" state, whatever the generator called it
        states = [s for s in fields[name].get("/_States_", []) if s != "/Off"]
        values[name] = states[0]
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_summary_shows_gedrag_ticks_bpv_period_and_signatures(client, auth, participant, staff):  # noqa: F811
    chosen = codes("90101")[:2]
    doc = svc.finalize(
        svc.create_concept(participant, staff, [{"crebo": "90101", "codes": chosen, "behaviour_codes": [chosen[0]]}]),
        staff,
    )
    indicators = [wp for wp in doc.snapshot["qualifications"][0]["core_tasks"][0]["work_processes"]][0]["behaviour"]
    filled = _fill(
        svc.pdf(doc),
        {
            "startdatum": "01-02-2026",
            "einddatum": "30-06-2026",
            "ondertekening_praktijkopleider_naam": "J. Bakker",
            "ondertekening_praktijkopleider_datum": "01-07-2026",
        },
        ticks=[f"gedrag_{chosen[0]}_2"],
    )
    copy = svc.upload_filled_copy(doc, staff, "ingevuld.pdf", filled)
    ticks = copy.progress[chosen[0]]["gedrag"]
    assert ticks["2"] is True and not any(v for n, v in ticks.items() if n != "2")

    rows = svc.progress_table(doc)
    first = next(r for r in rows if r["code"] == chosen[0])
    assert [g["ticked"] for g in first["gedrag"]][:2] == [False, True]
    assert first["filled"]  # ticks alone are progress too

    auth.login("mbo@school.example")
    page = client.get(f"/begeleidingsdocument/document/{doc.pk}/").text
    assert "Gedrag gezien: 1 van " + str(len(indicators)) in page
    assert " ".join(indicators[1].split())[:30] in " ".join(page.split())
    assert "01-02-2026 tot en met 30-06-2026" in page
    assert "J. Bakker" in page and "01-07-2026" in page
    assert 'id="filled-signatures"' in page


def test_guidance_downloads_name_the_file_safely(client, auth, participant, staff):  # noqa: F811
    doc = svc.finalize(svc.create_concept(participant, staff, [{"crebo": "90101", "codes": codes("90101")[:1]}]), staff)
    auth.login("mbo@school.example")
    response = client.get(f"/begeleidingsdocument/document/{doc.pk}/pdf")
    header = response.headers["Content-Disposition"]
    header.encode("latin-1")  # a header the server can send, whatever the participant is called
    assert header.startswith("attachment; filename=") and "filename*=UTF-8''" in header
