"""One time zone for people (issue 13 item 4): a moment stored as 23:30 UTC on 31 January is 1 February, 00:30 in
Amsterdam, on screen, in the CSV and in the XLSX alike, and the dashboard and reports count it in February."""

import csv
import io
from datetime import date, datetime

import lxml.html
import openpyxl

from documents.audit import AuditEvent
from documents.users import User
from services import dashboard, reports, spreadsheet
from services.clock import local_today, utc_of_local
from tests import reports_data as data

LATE = datetime(2027, 1, 31, 23, 30)  # stored UTC; 00:30 on 1 February in Amsterdam (winter time, UTC+1)
LOCAL_TEXT = "01-02-2027 00:30"
LABEL = "tijdzonetest"


def _event():
    AuditEvent(at=LATE, action="export", object_type="Report", object_label=LABEL, user_email="tz@sbb.example").save()


def test_write_xlsx_and_write_csv_show_dutch_time():
    book = openpyxl.load_workbook(io.BytesIO(spreadsheet.write_xlsx(["Tijdstip"], [[LATE]])))
    assert book.active["A2"].value == datetime(2027, 2, 1, 0, 30)
    text = spreadsheet.write_csv(["Tijdstip"], [[LATE]]).decode("utf-8-sig")
    assert LOCAL_TEXT in text


def test_summer_time_is_two_hours_ahead():
    book = openpyxl.load_workbook(io.BytesIO(spreadsheet.write_xlsx(["t"], [[datetime(2027, 7, 1, 22, 15)]])))
    assert book.active["A2"].value == datetime(2027, 7, 2, 0, 15)


def test_screen_csv_and_xlsx_export_of_a_list_agree(client, auth):
    _event()
    auth.login_role("sbb_admin")
    page = client.get(f"/beheer/geschiedenis/?search={LABEL}")
    assert page.status_code == 200
    row = lxml.html.fromstring(page.data.decode()).xpath(f'//tr[.//td[contains(., "{LABEL}")]]')[0]
    assert LOCAL_TEXT in row.text_content()

    body = client.get(f"/beheer/geschiedenis/export/csv/?search={LABEL}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[1][0] == LOCAL_TEXT, rows  # not shifted twice (the view and the writer each converting)

    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/beheer/geschiedenis/export/xlsx/?search={LABEL}").data))
    assert book.active["A2"].value == datetime(2027, 2, 1, 0, 30)


def _months(user):
    return {(m["year"], m["month"]): m["count"] for m in dashboard.per_month(user, months=3, today=date(2027, 2, 10))}


def test_dashboard_counts_the_month_in_dutch_time(app):
    user = User.objects.get(email="beheerder@sbb.example")
    before = _months(user)
    data.statement(data.participant(data.school("12PD")), form="pro", final_at=LATE)
    after = _months(user)
    assert after[(2027, 2)] == before[(2027, 2)] + 1
    assert after[(2027, 1)] == before[(2027, 1)]


def _year_total(user, year, school):
    _forms, rows, _totals = reports.year_matrix(user, year)
    return sum(r["total"] for r in rows if r["school"].pk == school.pk)


def test_report_year_starts_at_dutch_midnight(app):
    school = data.school("12PD")
    user = User.objects.get(email="beheerder@sbb.example")
    before = {year: _year_total(user, year, school) for year in (2026, 2027)}
    # 23:30 UTC on New Year's Eve is 00:30 on 1 January 2027 in Amsterdam.
    data.statement(data.participant(school), form="pro", final_at=datetime(2026, 12, 31, 23, 30))
    assert _year_total(user, 2026, school) == before[2026]
    assert _year_total(user, 2027, school) == before[2027] + 1


def test_clock_helpers():
    assert utc_of_local(date(2027, 2, 1)) == datetime(2027, 1, 31, 23, 0)
    assert utc_of_local(date(2027, 7, 1)) == datetime(2027, 6, 30, 22, 0)
    assert isinstance(local_today(), date)


# --- "today" is the Dutch calendar day everywhere, also between 23:00 and 24:00 UTC ---------------------------------


def test_today_in_rules_and_pdfs_is_the_dutch_day_in_the_last_hour_of_the_utc_day(app, monkeypatch):
    """At 23:30 UTC on 30 November it is 1 December in Amsterdam: accreditations, intake and the PDF's date say so.

    (The suite failed in that hour when code asked the server's date.today(): the checks said 30 November while
    messages and PDFs said 1 December.)
    """
    from core import clock
    from documents.companies import Accreditation, Company
    from documents.qualifications import Qualification

    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 11, 30, 23, 30))
    december = date(2026, 12, 1)
    assert clock.local_today() == december
    company = Company(
        company_id="100999777", name="Middernacht BV", accreditations=[Accreditation(crebo="90101", start=december)]
    )
    assert company.is_accredited_for("90101")  # starts on the Dutch today
    assert not Qualification(crebo="90101", end_intake=december).is_open_for_intake  # closed from the Dutch today


def test_no_code_asks_the_servers_date():
    """date.today() is the server's day, and the date of utcnow() or of a stored moment is UTC's: every rule, page,
    file name and command uses clock.local_today(), clock.local() or clock.format_date()."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    found = [
        f"{path.relative_to(root)}:{n}"
        for folder in ("core", "documents", "services", "admin_views", "api")
        for path in sorted((root / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(ask in line for ask in ("date.today()", "datetime.now()", "datetime.today()"))
        # a date taken from now or from a stored moment (finalized_at, archived_at, ...) is UTC's day
        or re.search(r"(utcnow\(\)|_at)(\.date\(\)|:%|\.strftime|\.(year|month|day)\b)", line)
    ]
    assert not found, found


def test_pdfs_print_a_stored_moment_on_its_dutch_day():
    """The trainer's sign-off at 23:30 UTC on 30 November was on 1 December in Amsterdam, and the PDF says so."""
    from services.pdf.base import format_date

    assert format_date(datetime(2026, 11, 30, 23, 30)) == "01-12-2026"
    assert format_date(date(2026, 11, 30)) == "30-11-2026"  # a calendar day stays the day it is
    assert format_date(None) == "" and format_date("12-03-2026") == "12-03-2026"
