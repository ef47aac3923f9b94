"""Issue 13 part 5 and leftovers: /verificatie explains concepts and changed copies, one date parser, Dutch years in
the statement list's filter, the voordragen form's example crebo from the loaded structure, the summary at 320 px."""

import io
import re
from datetime import date, datetime

import pytest

from admin_views.companies import _parse_date
from admin_views.statement_list import YearFilter
from documents.companies import AccreditationRequest
from documents.statements import PracticeStatement
from services import statements as svc
from services import verification
from services.qualification_import import QualificationImportError, _date
from services.reports import ReportError, parse_day
from tests.statement_helpers import final_statement, participant_at, ready_concept


def html(response):
    return response.get_data(as_text=True)


def _upload(client, data):
    return client.post("/verificatie", data={"pdf": (io.BytesIO(data), "v.pdf")}, content_type="multipart/form-data")


# --- /verificatie ---------------------------------------------------------------------------------------------------


def test_a_concept_pdf_is_named_a_concept(client):
    response = _upload(client, svc.concept_pdf(ready_concept()))
    page = html(response)
    assert response.status_code == 404
    assert "Dit is een concept, geen praktijkverklaring" in page and 'id="verification-explanation"' in page


def test_a_concept_is_recognised_by_its_page_when_a_program_dropped_the_metadata(app):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(svc.concept_pdf(ready_concept()))))
    writer.add_metadata({"/Keywords": "", "/Subject": "", "/Title": ""})
    out = io.BytesIO()
    writer.write(out)
    assert verification.describe_unmatched_pdf(out.getvalue()) == ("concept", None)


def test_a_changed_copy_of_a_final_statement_explains_how_to_check_by_code(client):
    final = final_statement()
    issued = bytes(final.pdf)
    from pypdf import PdfReader, PdfWriter

    resaved = io.BytesIO()  # a program saved the whole file anew (no incremental update): the signature breaks
    PdfWriter(clone_from=PdfReader(io.BytesIO(issued))).write(resaved)
    response = _upload(client, resaved.getvalue())
    page = html(response)
    assert response.status_code == 404
    assert "niet precies een praktijkverklaring" in page and final.number in page
    assert "Controleer met de code" in page and "verificatiecode" in page
    # The exact bytes are still valid, and a concept is not a copy.
    assert "Geldig" in html(_upload(client, issued))


def test_an_unknown_pdf_gets_the_plain_answer(client):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    out = io.BytesIO()
    writer.write(out)
    page = html(_upload(client, out.getvalue()))
    assert "niet precies een praktijkverklaring" in page
    assert "concept" not in page.split('id="verification-result"')[1].split("</div>")[0].lower()
    assert verification.describe_unmatched_pdf(b"%PDF-1.4 kapot") == (None, None)


# --- one date parser ---------------------------------------------------------------------------------------------


def test_every_date_field_uses_the_one_parser_and_its_message():
    assert _parse_date("14-03-2027", "Erkend vanaf") == date(2027, 3, 14)
    assert _parse_date("2027-03-14", "Erkend vanaf") == date(2027, 3, 14)
    with pytest.raises(ValueError, match="^Erkend vanaf: 31-02-2027 bestaat niet"):
        _parse_date("31-02-2027", "Erkend vanaf")
    assert _date("01-08-2019", "Geldig vanaf", "x.xml") == date(2019, 8, 1)
    assert _date("2019-08-01T00:00:00", "Geldig vanaf", "x.xml") == date(2019, 8, 1)
    with pytest.raises(QualificationImportError, match="31-02-2015 bestaat niet"):
        _date("31-02-2015", "Geldig vanaf", "x.xml")
    with pytest.raises(ReportError, match="^Van: 31-02-2025 bestaat niet"):
        parse_day("31-02-2025", "Van")
    with pytest.raises(ReportError, match="geen geldige datum; gebruik dd-mm-jjjj"):
        parse_day("gisteren", "Tot en met")


# --- the statement list's year filter counts Dutch years ---------------------------------------------------------


def made_final_at(statement, moment):
    # Straight to the collection: a final statement refuses every change through the document layer.
    PracticeStatement._get_collection().update_one({"_id": statement.pk}, {"$set": {"finalized_at": moment}})


def test_year_filter_uses_dutch_new_year(app):
    final = final_statement()
    # Made final at 00:30 on 1 January 2031 in Amsterdam: 23:30 UTC on New Year's Eve.
    made_final_at(final, datetime(2030, 12, 31, 23, 30))
    year = YearFilter("finalized_at", "Jaar")
    assert final.pk in {s.pk for s in year.apply(PracticeStatement.objects, "2031")}
    assert final.pk not in {s.pk for s in year.apply(PracticeStatement.objects, "2030")}
    # ...and the last hour of 2031 in Amsterdam (22:30 UTC) still belongs to 2031.
    made_final_at(final, datetime(2031, 12, 31, 22, 30))
    assert final.pk in {s.pk for s in year.apply(PracticeStatement.objects, "2031")}


# --- voordragen: the example crebo is one the form accepts -------------------------------------------------------


def test_the_voordragen_example_crebos_come_from_the_structure_and_are_accepted(client, auth):
    from documents.qualifications import Qualification

    participant = participant_at(company_id=None)
    auth.login("mbo@school.example")
    page = html(client.get(f"/stap2/{participant.pk}/voordragen"))
    example = re.search(r'placeholder="bijvoorbeeld ([0-9, ]+)"', page).group(1)
    crebos = [c.strip() for c in example.split(",")]
    assert "25180" not in crebos and crebos
    assert all(Qualification.objects.current().filter(crebo=c).count() for c in crebos)
    response = client.post(
        f"/stap2/{participant.pk}/voordragen",
        data={"name": "Voorbeeld Bakkerij", "city": "Zwolle", "crebos": example},
    )
    assert response.status_code == 302
    assert AccreditationRequest.objects(company_name="Voorbeeld Bakkerij").get().crebos == sorted(crebos)
