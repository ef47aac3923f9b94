"""Excel import of companies with accreditations: template, preview with Dutch row errors, all or nothing."""

import io
import re
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from documents.companies import Company


def workbook(rows):
    from services.company_import import COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append([c.template_header for c in COLUMNS])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, data):
    return client.post(
        "/leerbedrijven-import/",
        data={"file": (io.BytesIO(data), "leerbedrijven.xlsx")},
        content_type="multipart/form-data",
    )


def test_template_downloads_with_headers(client, auth):
    auth.login_role("sbb_admin")
    response = client.get("/leerbedrijven-import/sjabloon")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    assert ws["A1"].value == "Leerbedrijf-ID *" and ws["I1"].value == "Crebo"


def test_school_staff_cannot_import(client, auth):
    auth.login_role("school_staff")
    assert client.get("/leerbedrijven-import/").status_code == 403


def test_import_preview_then_confirm(client, auth):
    auth.login_role("sbb_admin")
    data = workbook(
        [
            [
                "444000111",
                "Bakkerij Import",
                "Straat 1",
                "1234ab",
                "Ede",
                None,
                None,
                None,
                "90101",
                "01-09-2025",
                None,
            ],
            ["444000111", None, None, None, None, None, None, None, "90102", "01-09-2025", "31-08-2027"],
            [
                "100200301",
                "Bakkerij De Gouden Korenaar",
                None,
                None,
                "De Bilt",
                None,
                None,
                None,
                "90999",
                "01-01-2026",
                None,
            ],
        ]
    )
    html = upload(client, data).get_data(as_text=True)
    assert "Alle 3 rijen zijn in orde" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    assert Company.objects(company_id="444000111").count() == 0  # nothing before confirming
    response = client.post("/leerbedrijven-import/bevestigen", data={"token": token})
    assert response.status_code == 302
    company = Company.objects(company_id="444000111").get()
    assert company.postcode == "1234 AB" and len(company.accreditations) == 2
    assert company.is_accredited_for("90102", date(2027, 8, 31))
    assert not company.is_accredited_for("90102", date(2027, 9, 1))
    existing = Company.objects(company_id="100200301").get()
    assert existing.is_accredited_for("90999", date(2026, 2, 1))
    # The token is used up.
    client.post("/leerbedrijven-import/bevestigen", data={"token": token})
    assert len(Company.objects(company_id="444000111").get().accreditations) == 2


def test_import_with_errors_shows_them_and_imports_nothing(client, auth):
    auth.login_role("sbb_admin")
    data = workbook(
        [
            ["444000222", "Goed Bedrijf", None, None, "Ede", None, None, None, "90101", "01-09-2025", None],
            ["12345", "Kort ID", None, None, "Ede", None, None, None, None, None, None],
            ["444000333", "Slechte Datum", None, None, "Ede", None, None, None, "90101", "31-02-2025", None],
            ["444000444", "Geen Start", None, "99", "Ede", None, None, None, "90101", None, None],
        ]
    )
    html = upload(client, data).get_data(as_text=True)
    assert "3 van de 4 rijen bevatten fouten" in html
    assert (
        "moet precies 9 cijfers zijn" in html
        and "31-02-2025 bestaat niet" in html
        and "is verplicht bij een crebo" in html
    )
    assert 'id="confirm-import"' not in html
    assert Company.objects(company_id__in=["444000222", "444000333"]).count() == 0


def test_not_an_excel_file(client, auth):
    auth.login_role("sbb_admin")
    html = client.post(
        "/leerbedrijven-import/",
        data={"file": (io.BytesIO(b"a;b;c\n1;2;3"), "x.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "alert" in html and "xlsx" in html.lower()


def test_a_failing_save_leaves_nothing_half_imported(app, monkeypatch):
    from documents.users import User
    from services import company_import

    admin = User.objects.get(email="beheerder@sbb.example")
    rows = [
        {
            "row": 2,
            "values": {
                "company_id": "555000111",
                "name": "Eerste Nieuw",
                "city": "Ede",
                "crebo": None,
                "start": None,
                "end": None,
            },
        },
        {
            "row": 3,
            "values": {
                "company_id": "555000222",
                "name": "Tweede Nieuw",
                "city": "Ede",
                "crebo": None,
                "start": None,
                "end": None,
            },
        },
    ]
    original = Company.save
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(self.company_id)
        if len(calls) == 2:
            from mongoengine.errors import NotUniqueError

            raise NotUniqueError("dubbel")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Company, "save", failing_save)
    with pytest.raises(ValueError, match="niets geïmporteerd"):
        company_import.import_rows(admin, rows)
    assert Company.objects(company_id__in=["555000111", "555000222"]).count() == 0


def test_an_import_taken_back_also_takes_back_a_rename_in_the_copies_of_the_name(app, monkeypatch):
    from documents.companies import Trainer
    from documents.users import User
    from services import company_import

    admin = User.objects.get(email="beheerder@sbb.example")
    bakery = Company.objects(company_id="100200301").get()
    old_name = bakery.name
    assert Trainer.objects(company=bakery).count()
    row = {"company_id": "100200301", "name": "Tijdelijk Hernoemd", "city": "Ede", "crebo": None}
    rows = [
        {"row": 2, "values": {**row, "start": None, "end": None}},
        {"row": 3, "values": {**row, "company_id": "555000333", "name": "Nieuw", "start": None, "end": None}},
    ]
    original = Company.save

    def failing_save(self, *args, **kwargs):
        if self.company_id == "555000333":
            raise RuntimeError("de database viel weg")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Company, "save", failing_save)
    with pytest.raises(RuntimeError):
        company_import.import_rows(admin, rows)
    assert Company.objects(company_id="100200301").get().name == old_name
    assert {t.company_name for t in Trainer.objects(company=bakery)} == {old_name}
    assert not Trainer.objects(search_tokens="tijdelijk")


def test_a_save_that_fails_after_writing_the_company_is_taken_back_too(app, monkeypatch):
    """The rename reaches the copies inside the save; when that part fails, the company itself is put back."""
    from documents.users import User
    from services import companies, company_import

    admin = User.objects.get(email="beheerder@sbb.example")
    first = Company.objects(company_id="100200301").get()
    second = Company.objects(company_id="100200302").get()
    names = (first.name, second.name)
    values = {"city": "Ede", "crebo": None, "start": None, "end": None}
    rows = [
        {"row": 2, "values": {**values, "company_id": "100200301", "name": "Eerste Hernoemd"}},
        {"row": 3, "values": {**values, "company_id": "100200302", "name": "Tweede Hernoemd"}},
    ]
    spread = companies.spread_company_name

    def failing(pk, name):
        if name == "Tweede Hernoemd":
            raise RuntimeError("de database viel weg")  # the second company is written, its copies are not
        return spread(pk, name)

    monkeypatch.setattr(companies, "spread_company_name", failing)
    with pytest.raises(RuntimeError):
        company_import.import_rows(admin, rows)
    assert (Company.objects(pk=first.pk).get().name, Company.objects(pk=second.pk).get().name) == names
