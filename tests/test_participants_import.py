"""Bulk import (template, every bad-file kind, preview, all-or-nothing import, undo) and the export, read back."""

import csv
import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from core import clock
from documents.audit import AuditEvent
from documents.imports import ImportBatch, StagedUpload
from documents.participants import Participant
from documents.users import User
from services import participant_import as importer
from services import registry, spreadsheet

HEADER = [
    "Voornaam *",
    "Tussenvoegsel",
    "Achternaam *",
    "Geboortedatum *",
    "Geboorteplaats",
    "Groep",
    "Leerlingnummer",
    "E-mailadres",
]


def xlsx(rows, header=HEADER, sheet="Deelnemers"):
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    if header is not None:
        ws.append(header)
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD_ROWS = [
    ["Sara", None, "Öztürk", datetime(2007, 5, 1), "Tilburg", "MZ4", "12345", None],
    ["Joost", "van", "Gelder", "02-06-2006", None, "MZ4", None, "joost@voorbeeld.nl"],
    ["Jan", "de", "Vries", date(2006, 3, 14), None, None, None, None],  # already in ROC Demo
    ["Kim", None, None, "01-01-2007", None, None, None, None],  # no last name
    ["Piet", None, "Puk", "31-02-2007", None, None, None, None],  # no such date
    ["Sara", None, "Ozturk", "01-05-2007", None, None, None, None],  # same as row 2, other spelling
]


def user(email="mbo@school.example"):
    return User.objects.get(email=email)


def upload(client, data, name="deelnemers.xlsx"):
    return client.post(
        "/deelnemers/import/", data={"bestand": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


# --- template ------------------------------------------------------------------------------------------------


def test_template_has_columns_help_validation_and_instructions(client, auth):
    auth.login("mbo@school.example")
    response = client.get("/deelnemers/import/sjabloon")
    assert response.status_code == 200 and "sjabloon-deelnemers.xlsx" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["Deelnemers", "Instructies"]
    ws = wb["Deelnemers"]
    assert [c.value for c in ws[1]] == HEADER
    assert "Verplicht" in ws["A1"].comment.text
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert "date" in kinds
    assert ws["D2"].number_format == "DD-MM-YYYY"
    assert "Kolommen met een * zijn verplicht" in " ".join(str(c.value) for c in wb["Instructies"]["A"])
    # The template itself reads back without complaint about columns (but has no data).
    with pytest.raises(spreadsheet.SpreadsheetError, match="geen rijen met gegevens"):
        importer.preview(user(), response.data, "sjabloon-deelnemers.xlsx")


# --- preview and import ------------------------------------------------------------------------------------------


def test_preview_states_every_row(app):
    staged = importer.preview(user(), xlsx(GOOD_ROWS), "deelnemers.xlsx")
    by_row = {r["row"]: r for r in staged.rows}
    assert [by_row[n]["status"] for n in range(2, 8)] == ["nieuw", "nieuw", "bestaat al", "fout", "fout", "fout"]
    assert by_row[2]["values"]["birth_date"] == date(2007, 5, 1)
    assert by_row[3]["values"]["birth_date"] == date(2006, 6, 2)
    assert by_row[2]["values"]["student_number"] == "12345"
    assert by_row[5]["errors"] == [["Achternaam", "is verplicht maar leeg"]]
    assert "31-02-2007 bestaat niet" in by_row[6]["errors"][0][1] and by_row[6]["errors"][0][0] == "Geboortedatum"
    assert "al eerder in het bestand (rij 2)" in by_row[7]["errors"][0][1]
    # Staged in the database, with an expiry; nothing written yet.
    assert StagedUpload.objects(token=staged.token).first().expires_at > clock.utcnow()
    assert Participant.objects(last_name="Gelder").count() == 0


def test_import_ticked_rows_as_one_batch_and_undo(app):
    mbo = user()
    staged = importer.preview(mbo, xlsx(GOOD_ROWS), "deelnemers.xlsx")
    before = Participant.objects.count()
    batch = importer.import_rows(mbo, staged.token, ["2", "3"])
    assert batch.count == 2 and batch.file_name == "deelnemers.xlsx" and batch.created_by_name == "Marieke de Boer"
    imported = Participant.objects(import_batch=str(batch.pk))
    assert {p.full_name for p in imported} == {"Sara Öztürk", "Joost van Gelder"}
    assert all(p.institution == mbo.institution for p in imported)
    assert Participant.objects.count() == before + 2
    assert StagedUpload.objects(token=staged.token).count() == 0
    assert AuditEvent.objects(action="import", object_type="ImportBatch").count() == 1
    with pytest.raises(importer.ImportError_, match="verlopen of al geïmporteerd"):
        importer.import_rows(mbo, staged.token, ["2"])
    assert importer.undo_batch(user("collega@school.example"), str(batch.pk)) == 2
    assert Participant.objects.count() == before
    assert ImportBatch.objects.get(pk=batch.pk).undone_at is not None
    with pytest.raises(importer.ImportError_, match="al ongedaan"):
        importer.undo_batch(mbo, str(batch.pk))


def test_import_refuses_error_or_existing_rows_and_writes_nothing(app):
    mbo = user()
    staged = importer.preview(mbo, xlsx(GOOD_ROWS), "deelnemers.xlsx")
    before = Participant.objects.count()
    for rows in (["2", "5"], ["2", "4"], [], ["x"]):
        with pytest.raises(importer.ImportError_):
            importer.import_rows(mbo, staged.token, rows)
    assert Participant.objects.count() == before and ImportBatch.objects.count() == 0


def test_import_rechecks_duplicates_created_meanwhile(app):
    from services import participants as svc

    mbo = user()
    staged = importer.preview(mbo, xlsx(GOOD_ROWS), "deelnemers.xlsx")
    svc.create_participant(
        user("collega@school.example"), {"first_name": "Sara", "last_name": "Öztürk", "birth_date": date(2007, 5, 1)}
    )
    with pytest.raises(importer.ImportError_, match="Rij 2 bestaat intussen al"):
        importer.import_rows(mbo, staged.token, ["2", "3"])
    assert Participant.objects(last_name="Gelder").count() == 0


def test_undo_refused_after_a_day_or_with_documents(app, monkeypatch):
    mbo = user()
    batch = importer.import_rows(mbo, importer.preview(mbo, xlsx(GOOD_ROWS[:2]), "a.xlsx").token, ["2", "3"])
    monkeypatch.setattr(registry, "PARTICIPANT_DEPENDENTS", [lambda p: [("begeleidingsdocumenten", 1)]])
    with pytest.raises(importer.ImportError_, match="al documenten gemaakt"):
        importer.undo_batch(mbo, str(batch.pk))
    monkeypatch.setattr(registry, "PARTICIPANT_DEPENDENTS", [lambda p: [("begeleidingsdocumenten", 0)]])
    ImportBatch.objects(pk=batch.pk).update_one(set__created_at=clock.utcnow() - timedelta(days=1, minutes=1))
    with pytest.raises(importer.ImportError_, match="binnen een dag"):
        importer.undo_batch(mbo, str(batch.pk))
    assert Participant.objects(import_batch=str(batch.pk)).count() == 2


def test_staged_upload_is_private_and_expires(client, auth):
    mbo = user()
    staged = importer.preview(mbo, xlsx(GOOD_ROWS), "deelnemers.xlsx")
    auth.login("pro@school.example")
    assert client.get(f"/deelnemers/import/voorbeeld/{staged.token}").status_code == 404
    assert client.post(f"/deelnemers/import/voorbeeld/{staged.token}", data={"rows": ["2"]}).status_code == 404
    auth.logout()
    auth.login("mbo@school.example")
    assert client.get(f"/deelnemers/import/voorbeeld/{staged.token}").status_code == 200
    StagedUpload.objects(token=staged.token).update_one(set__expires_at=clock.utcnow() - timedelta(seconds=1))
    assert client.get(f"/deelnemers/import/voorbeeld/{staged.token}").status_code == 404


def test_other_school_cannot_undo_or_see_batch(client, auth):
    mbo = user()
    batch = importer.import_rows(mbo, importer.preview(mbo, xlsx(GOOD_ROWS[:2]), "geheim.xlsx").token, ["2", "3"])
    auth.login("pro@school.example")
    assert "geheim.xlsx" not in client.get("/deelnemers/import/").get_data(as_text=True)
    assert client.post(f"/deelnemers/import/ongedaan/{batch.pk}").status_code == 404
    assert Participant.objects(import_batch=str(batch.pk)).count() == 2


def test_import_over_http(client, auth):
    auth.login("mbo@school.example")
    response = upload(client, xlsx(GOOD_ROWS))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Importeer geselecteerde deelnemers" in page and "Achternaam: is verplicht maar leeg" in page
    assert page.count('name="rows"') == 6 and page.count("checked") >= 3
    response = client.post(response.headers["Location"], data={"rows": ["2", "3"]}, follow_redirects=True)
    assert "2 deelnemers geïmporteerd uit deelnemers.xlsx" in response.get_data(as_text=True)
    page = client.get("/deelnemers/import/").get_data(as_text=True)
    assert "deelnemers.xlsx" in page and "Import ongedaan maken" in page


# --- every kind of bad file ------------------------------------------------------------------------------------


def truncated():
    data = xlsx(GOOD_ROWS)
    return data[: len(data) // 2]


def zip_not_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hallo.txt", "geen werkmap")
    return out.getvalue()


SMALL_LIMIT = 50  # the real limit (5.000) is checked below; a small one keeps the test fast


def too_many_rows():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Deelnemers")
    ws.append(HEADER)
    for n in range(SMALL_LIMIT + 1):
        ws.append([f"Naam{n}", None, "Test", date(2007, 1, 1)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


BAD_FILES = [
    ("csv-bestand", lambda: b"Voornaam;Achternaam\nJan;Vries\n", "deelnemers.csv", "CSV-bestand"),
    ("hernoemde csv", lambda: b"Voornaam;Achternaam\nJan;Vries\n", "deelnemers.xlsx", "hernoemd"),
    ("oud xls", lambda: b"\xd0\xcf\x11\xe0rest", "deelnemers.xls", ".xls-formaat"),
    ("leeg", lambda: b"", "deelnemers.xlsx", "leeg"),
    ("afgebroken", truncated, "deelnemers.xlsx", "beschadigd of onvolledig"),
    ("zip zonder werkmap", zip_not_workbook, "deelnemers.xlsx", "geen geldig Excelbestand"),
    (
        "kolommen ontbreken",
        lambda: xlsx([["Jan", "Vries"]], header=["Voornaam", "Naam"]),
        "d.xlsx",
        "'Achternaam', 'Geboortedatum' ontbreken",
    ),
    ("lege werkblad", lambda: xlsx([], header=None), "d.xlsx", "eerste rij bevat geen kolomnamen"),
    ("geen gegevens", lambda: xlsx([]), "d.xlsx", "geen rijen met gegevens"),
    ("te veel rijen", too_many_rows, "d.xlsx", "meer dan 50 rijen"),
    ("te groot", lambda: b"PK" + b"0" * (5 * 1024 * 1024), "d.xlsx", "maximaal 5 MB"),
]


@pytest.mark.parametrize("kind, make, name, fragment", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_get_one_dutch_message_and_write_nothing(client, auth, monkeypatch, kind, make, name, fragment):
    monkeypatch.setattr(importer, "MAX_ROWS", SMALL_LIMIT)
    auth.login("mbo@school.example")
    before = (Participant.objects.count(), StagedUpload.objects.count())
    response = upload(client, make(), name)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="import-error"' in page, kind
    assert fragment in page.replace("&#39;", "'"), kind
    assert (Participant.objects.count(), StagedUpload.objects.count()) == before


def test_limits_are_stated_on_the_page(client, auth):
    assert importer.MAX_ROWS == 5000 and importer.MAX_BYTES == 5 * 1024 * 1024
    auth.login("mbo@school.example")
    page = client.get("/deelnemers/import/").get_data(as_text=True)
    assert "Maximaal 5.000 deelnemers en 5 MB per bestand." in page


def test_upload_without_file(client, auth):
    auth.login("mbo@school.example")
    page = client.post("/deelnemers/import/", data={}).get_data(as_text=True)
    assert "Kies eerst een Excelbestand" in page


def test_dates_as_excel_serial_and_short_year(app):
    rows = spreadsheet.read_upload(
        xlsx([["A", None, "B", 39083], ["C", None, "D", "5-1-07"]]), importer.COLUMNS, file_name="x.xlsx"
    )
    assert rows[0].values["birth_date"] == date(2007, 1, 1)
    assert rows[1].values["birth_date"] == date(2007, 1, 5)


# --- export, read back -----------------------------------------------------------------------------------------


def test_export_xlsx_has_typed_dates_dutch_headers_and_filtered_rows(client, auth):
    auth.login("mbo@school.example")
    response = client.get("/deelnemers/export/xlsx", query_string={"groep": "MZ2A"}, follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == spreadsheet.XLSX_MIMETYPE
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("Achternaam", "Tussenvoegsel", "Voornaam", "Geboortedatum")
    body = rows[1:]
    assert {r[0] for r in body} == {"Vries", "Berg", "Bakker"}
    jan = next(r for r in body if r[0] == "Vries")
    assert jan[3] == datetime(2006, 3, 14) and ws["D2"].number_format == "DD-MM-YYYY"
    assert jan[8] == "Actueel"


def test_export_csv_bom_semicolon_and_scope(client, auth):
    auth.login("mbo@school.example")
    response = client.get("/deelnemers/export/csv/", query_string={"tab": "archief"})
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Achternaam"
    assert {r[0] for r in rows[1:]} == {"Mulder", "Leeuwen", "Bouzid"}
    assert all(r[8] == "Archief" for r in rows[1:]) and rows[1][3].count("-") == 2


def test_export_neutralises_formulas(client, auth):
    from services import participants as svc

    svc.create_participant(
        user(),
        {
            "first_name": '=HYPERLINK("http://x")',
            "last_name": "+31Test",
            "birth_date": date(2007, 1, 1),
            "group": "@SUM(A1)",
        },
    )
    auth.login("mbo@school.example")
    text = client.get("/deelnemers/export/csv/").data.decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(text), delimiter=";") if "Test" in r[0])
    assert row[0] == "'+31Test" and row[2].startswith("'=") and row[5] == "'@SUM(A1)"
    ws = load_workbook(io.BytesIO(client.get("/deelnemers/export/xlsx/").data)).active
    cells = [row for row in ws.iter_rows() if row[0].value == "+31Test"][0]
    assert cells[2].value.startswith("=HYPERLINK") and cells[2].data_type == "s"  # text, never a formula
    assert AuditEvent.objects(action="export", object_type="Participant").count() == 2


def test_sbb_export_has_school_column(client, auth):
    auth.login("adviseur@sbb.example")
    rows = list(csv.reader(io.StringIO(client.get("/deelnemers/export/csv/").data.decode("utf-8-sig")), delimiter=";"))
    assert "Onderwijsinstelling" in rows[0]
    index = rows[0].index("Onderwijsinstelling")
    assert {r[index] for r in rows[1:]} == {"ROC Demo", "Praktijkschool Demo", "VSO De Demo"}
