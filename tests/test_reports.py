"""Rapportages: contents of the lists and the Excel/CSV downloads (typed cells, `;` and BOM, no formulas), the
per school x onderwijsvorm table for a year, requests and their handling time, and tenancy."""

import csv
import io
from datetime import datetime, timedelta

import lxml.html
import openpyxl
import pytest

from core import clock
from documents.audit import AuditEvent
from documents.companies import AccreditationRequest
from services.clock import local_today
from tests import reports_data as data

LAST_YEAR = local_today().year - 1
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def known(app):
    return data.seed_known(LAST_YEAR)


def _xlsx(response):
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _csv(response):
    assert response.status_code == 200
    assert response.data.startswith(BOM)
    text = response.data[len(BOM) :].decode("utf-8")
    assert ";" in text.splitlines()[0]
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_year_matrix_answers_per_school_and_onderwijsvorm(client, auth, known):
    """The SBB question: how many statements did each school make final last year, per onderwijsvorm."""
    auth.login("beheerder@sbb.example")
    tree = lxml.html.fromstring(client.get(f"/rapportages/?jaar={LAST_YEAR}").data.decode())
    headers = [th.text_content().strip() for th in tree.xpath('//table[@id="matrix"]/thead//th')]
    assert headers[0] == "Onderwijsinstelling" and headers[-1] == "Totaal"
    roc = tree.xpath(f'//table[@id="matrix"]//tr[@data-school="{data.school("25DM").pk}"]/td')
    cells = dict(zip(headers, [td.text_content().strip() for td in roc], strict=True))
    # Other demo data may add to these; the known data is the floor and the per-form cells sum to the total.
    assert int(cells["mbo (diplomagericht, voortijdig schoolverlater)"]) >= 2
    assert int(cells["mbo derde leerweg (maatwerk)"]) >= 1
    assert int(cells["Totaal"]) == sum(int(cells[h]) for h in headers[1:-1])
    pro = tree.xpath(f'//table[@id="matrix"]//tr[@data-school="{data.school("12PD").pk}"]/td')
    assert int(dict(zip(headers, [td.text_content().strip() for td in pro], strict=True))["praktijkonderwijs"]) >= 2

    rows = _xlsx(client.get(f"/rapportages/?jaar={LAST_YEAR}&formaat=xlsx"))
    assert rows[0][0] == "Onderwijsinstelling"
    by_school = {r[0]: r for r in rows[1:]}
    assert isinstance(by_school["ROC Demo"][1], int)  # typed cells, not text
    assert by_school["Totaal"][-1] == sum(r[-1] for r in rows[1:-1])
    csv_rows = _csv(client.get(f"/rapportages/?jaar={LAST_YEAR}&formaat=csv"))
    assert [r[0] for r in csv_rows] == [r[0] for r in rows]


def test_year_matrix_for_a_school_shows_only_its_own_row(client, auth, known):
    auth.login("mbo@school.example")
    rows = _xlsx(client.get(f"/rapportages/?jaar={LAST_YEAR}&formaat=xlsx&school={data.school('12PD').pk}"))
    assert [r[0] for r in rows[1:]] == ["ROC Demo", "Totaal"]
    assert rows[1][1] >= 2


def test_final_statements_in_a_period_as_excel_and_csv(client, auth, known):
    auth.login("beheerder@sbb.example")
    url = f"/rapportages/praktijkverklaringen?status=final&van=01-03-{LAST_YEAR}&tot=31-03-{LAST_YEAR}"
    page = client.get(url).data.decode()
    assert "Anna Aalders" in page and "Cem Celik" not in page  # Cem's are in June
    rows = _xlsx(client.get(url + "&formaat=xlsx"))
    header = rows[0]
    assert header == [
        "Nummer",
        "Status",
        "Definitief op",
        "Aangemaakt op",
        "Onderwijsinstelling",
        "Deelnemer",
        "Onderwijsvorm",
        "Kwalificaties (crebo)",
        "BPV-uren",
        "Aantal werkprocessen",
    ]
    ours = [r for r in rows[1:] if r[5] in ("Anna Aalders", "Bram Bakker")]
    assert len(ours) == 3
    bram = next(r for r in ours if r[7] == "25180, 25181")
    assert bram[8] == 400 and bram[9] == 2 and isinstance(bram[2], datetime)
    assert bram[6] == "mbo (diplomagericht, voortijdig schoolverlater)"
    assert all(datetime(LAST_YEAR, 3, 1) <= r[2] < datetime(LAST_YEAR, 4, 1) for r in rows[1:])
    csv_rows = _csv(client.get(url + "&formaat=csv"))
    assert len(csv_rows) == len(rows)
    assert any(r[2].startswith("12-03-") for r in csv_rows[1:])  # dd-mm-jjjj
    assert AuditEvent.objects(action="export", object_type="Report").count() == 2


def test_downloads_neutralise_formulas(client, auth, app):
    roc = data.school("25DM")
    p = data.participant(roc, '=HYPERLINK("http://x")', "+Som")
    data.statement(p, form="mbo_diploma", final_at=datetime(LAST_YEAR, 5, 1))
    auth.login("mbo@school.example")
    rows = _csv(client.get("/rapportages/praktijkverklaringen?status=final&formaat=csv"))
    names = [r[5] for r in rows[1:]]
    assert any(n.startswith("'=HYPERLINK") for n in names)
    response = client.get("/rapportages/praktijkverklaringen?status=final&formaat=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cell = next(row[5] for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(row[5].value))
    assert cell.data_type == "s"  # a text cell: Excel shows it, never runs it as a formula


def test_school_staff_get_only_their_own_rows_everywhere(client, auth, known):
    pro = data.school("12PD")
    auth.login("mbo@school.example")
    for url in (
        "/rapportages/praktijkverklaringen",
        "/rapportages/begeleidingsdocumenten",
        "/rapportages/deelnemers",
        "/rapportages/verzoeken",
    ):
        for suffix in ("", f"?school={pro.pk}"):
            for fmt in ("xlsx", "csv"):
                sep = "&" if suffix else "?"
                response = client.get(f"{url}{suffix}{sep}formaat={fmt}")
                text = str(_xlsx(response)) if fmt == "xlsx" else response.data.decode("utf-8-sig")
                assert "Praktijkschool Demo" not in text and "Cem Celik" not in text, url
                assert "VSO De Demo" not in text
    rows = _xlsx(client.get("/rapportages/deelnemers?formaat=xlsx"))
    assert [r[0] for r in rows[1:]] == ["ROC Demo", "Totaal"]


def test_participants_per_school_and_state(client, auth, known):
    from documents.participants import Participant

    auth.login("beheerder@sbb.example")
    rows = _xlsx(client.get("/rapportages/deelnemers?formaat=xlsx"))
    assert rows[0] == ["Onderwijsinstelling", "Soort", "Actueel", "Archief", "Totaal"]
    roc = next(r for r in rows if r[0] == "ROC Demo")
    school = data.school("25DM")
    assert roc[2] == Participant.objects(institution=school).active().count()
    assert roc[3] == Participant.objects(institution=school).archived().count()
    assert rows[-1][0] == "Totaal" and rows[-1][4] == Participant.objects.count()


def test_requests_and_their_handling_time(client, auth, app):
    roc, pro = data.school("25DM"), data.school("12PD")
    now = clock.utcnow()
    AccreditationRequest(
        kind="new",
        company_name="Snel Besloten BV",
        institution=roc,
        status="granted",
        requested_by_email="mbo@school.example",
        crebos=["25180"],
        created_at=now - timedelta(days=10),
        decided_at=now - timedelta(days=7),
    ).save(validate=False)
    AccreditationRequest(
        kind="extend",
        company_name="Loopt Nog BV",
        institution=roc,
        status="in_progress",
        crebos=["25180"],
        created_at=now - timedelta(days=4),
    ).save(validate=False)
    AccreditationRequest(
        kind="new",
        company_name="Andere School BV",
        institution=pro,
        status="submitted",
        crebos=["25180"],
        created_at=now - timedelta(days=2),
    ).save(validate=False)
    auth.login("mbo@school.example")
    rows = _xlsx(client.get("/rapportages/verzoeken?formaat=xlsx"))
    by_company = {r[2]: r for r in rows[1:]}
    assert "Andere School BV" not in by_company
    assert by_company["Snel Besloten BV"][8] == 3.0 and by_company["Snel Besloten BV"][6] == "Toegekend"
    assert by_company["Loopt Nog BV"][7] is None
    page = client.get("/rapportages/verzoeken").data.decode()
    assert "Gemiddelde doorlooptijd tot besluit" in page
    auth.logout()
    auth.login("beheerder@sbb.example")
    rows = _xlsx(client.get("/rapportages/verzoeken?formaat=xlsx&status=open"))
    names = {r[2] for r in rows[1:]}
    assert {"Loopt Nog BV", "Andere School BV"} <= names and "Snel Besloten BV" not in names


def test_bad_filters_get_a_dutch_message(client, auth, known):
    auth.login("beheerder@sbb.example")
    response = client.get("/rapportages/praktijkverklaringen?van=31-02-2025&tot=gisteren")
    assert response.status_code == 200
    body = response.data.decode()
    assert "geen geldige datum" in body
    assert client.get("/rapportages/praktijkverklaringen?formaat=pdf").status_code == 404


def test_reports_need_sign_in(client):
    response = client.get("/rapportages/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_dutch_number_filter():
    from services.clock import format_number

    assert format_number(1200) == "1.200" and format_number(10_000) == "10.000" and format_number(None) == ""
