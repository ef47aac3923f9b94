"""Role x page x expected status, and the Dutch admin chrome."""

import re

import pytest

from documents.users import User
from services.permissions import CAPABILITIES, can

PAGES = [
    # (url, {role: status}); 302 for anonymous means: to the login page.
    ("/", {"anonymous": 302, "sbb_admin": 200, "sbb_advisor": 200, "school_staff": 200}),
    ("/beheer/onderwijsinstellingen/", {"anonymous": 302, "sbb_admin": 200, "sbb_advisor": 403, "school_staff": 403}),
    (
        "/beheer/onderwijsinstellingen/new/",
        {"anonymous": 302, "sbb_admin": 200, "sbb_advisor": 403, "school_staff": 403},
    ),
    ("/beheer/gebruikers/", {"anonymous": 302, "sbb_admin": 200, "sbb_advisor": 403, "school_staff": 403}),
    ("/beheer/voorwaarden/", {"anonymous": 302, "sbb_admin": 200, "sbb_advisor": 403, "school_staff": 403}),
    ("/beheer/voorwaarden/new/", {"anonymous": 302, "sbb_admin": 200, "sbb_advisor": 403, "school_staff": 403}),
    ("/beheer/geschiedenis/", {"anonymous": 302, "sbb_admin": 200, "sbb_advisor": 200, "school_staff": 200}),
    ("/voorwaarden", {"anonymous": 302, "sbb_admin": 200, "sbb_advisor": 200, "school_staff": 200}),
]
CASES = [(url, role, status) for url, expected in PAGES for role, status in expected.items()]


@pytest.mark.parametrize("url, role, status", CASES)
def test_role_page_status(client, auth, url, role, status):
    if role != "anonymous":
        auth.login_role(role)
    response = client.get(url)
    assert response.status_code == status, f"{role} {url}"
    if status == 302:
        assert response.headers["Location"].startswith("/login")
    if status == 403:
        assert "Geen toegang" in response.get_data(as_text=True)


def test_school_staff_cannot_post_to_sbb_only_screens(client, auth):
    auth.login_role("school_staff")
    response = client.post("/beheer/gebruikers/new/", data={"email": "x@x.example", "name": "X", "role": "sbb_admin"})
    assert response.status_code == 403
    assert User.objects(email="x@x.example").count() == 0


def test_school_staff_sees_only_own_school_history(client, auth):
    auth.login("pro@school.example")  # an event for Praktijkschool Demo
    auth.logout()
    auth.login_role("school_staff")  # ROC Demo
    html = client.get("/beheer/geschiedenis/").get_data(as_text=True)
    assert "mbo@school.example" in html
    assert "pro@school.example" not in html


def test_menu_shows_each_role_only_what_it_may_use(client, auth):
    auth.login_role("school_staff")
    html = client.get("/").get_data(as_text=True)
    assert "Gebruikers" not in html and "Onderwijsinstellingen" not in html
    auth.logout()
    auth.login_role("sbb_admin")
    html = client.get("/").get_data(as_text=True)
    assert "Gebruikers" in html and "Onderwijsinstellingen" in html


def test_home_greets_with_name_school_and_role(client, auth):
    auth.login_role("school_staff")
    html = client.get("/").get_data(as_text=True)
    assert "Welkom, Marieke de Boer" in html
    assert "ROC Demo" in html and "Medewerker onderwijsinstelling" in html


ENGLISH = re.compile(
    r">\s*(Home|Create|List|Save|Cancel|Delete|Edit|Search|Filter|Export|With selected|"
    r"Add Filter|Apply|Reset Filters|items|Yes|No|Thuis|Maken)\s*<"
)


@pytest.mark.parametrize(
    "url",
    ["/", "/beheer/gebruikers/", "/beheer/gebruikers/new/", "/beheer/onderwijsinstellingen/", "/beheer/geschiedenis/"],
)
def test_admin_chrome_is_dutch(client, auth, url):
    auth.login_role("sbb_admin")
    html = client.get(url).get_data(as_text=True)
    assert not ENGLISH.search(html), ENGLISH.search(html)
    assert 'placeholder="None"' not in html


def test_capabilities_are_role_based():
    admin, advisor, staff = (User(role=r) for r in ("sbb_admin", "sbb_advisor", "school_staff"))
    assert can(admin, "manage_accounts") and not can(advisor, "manage_accounts") and not can(staff, "manage_accounts")
    assert can(advisor, "handle_requests") and not can(staff, "handle_requests")
    assert all(can(admin, cap) or cap == "make_requests" for cap in CAPABILITIES)


def test_admin_creates_user_who_gets_a_set_password_mail(client, auth, caplog):
    auth.login_role("sbb_admin")
    school = User.objects(email="mbo@school.example").get().institution
    with caplog.at_level("WARNING", logger="praktijkloket.mail"):
        response = client.post(
            "/beheer/gebruikers/new/",
            data={
                "email": "Nieuw@School.example",
                "name": "Nieuwe Collega",
                "role": "school_staff",
                "institution": str(school.pk),
                "active": "y",
            },
        )
    assert response.status_code == 302
    user = User.objects(email="nieuw@school.example").get()
    assert user.institution == school
    assert "wachtwoord-instellen" in caplog.text


def test_school_staff_requires_an_institution(client, auth):
    auth.login_role("sbb_admin")
    html = client.post(
        "/beheer/gebruikers/new/",
        data={"email": "zonder@school.example", "name": "Zonder School", "role": "school_staff", "active": "y"},
    ).get_data(as_text=True)
    assert "hoort bij een onderwijsinstelling" in html
    assert User.objects(email="zonder@school.example").count() == 0


def test_deactivate_action_ends_access(client, auth):
    auth.login_role("sbb_admin")
    target = User.objects(email="collega@school.example").get()
    response = client.post("/beheer/gebruikers/action/", data={"action": "deactivate", "rowid": [str(target.pk)]})
    assert response.status_code == 302
    target.reload()
    assert target.active is False


def test_admin_lists_show_dutch_date_and_time(client, auth):
    auth.login_role("sbb_admin")
    html = client.get("/beheer/geschiedenis/").get_data(as_text=True)
    assert re.search(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}", html)


def test_admin_list_headers_are_dutch(client, auth):
    auth.login_role("sbb_admin")
    html = client.get("/beheer/gebruikers/").get_data(as_text=True)
    assert "E-mailadres" in html and "Laatst ingelogd" in html
    assert ">Email<" not in html and "Last Login" not in html


def test_duplicate_email_gets_a_dutch_message(client, auth):
    auth.login_role("sbb_admin")
    html = client.post(
        "/beheer/gebruikers/new/",
        data={"email": "mbo@school.example", "name": "Dubbel", "role": "sbb_admin", "active": "y"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Duplicate" not in html and "E11000" not in html


def test_admin_export_is_safe_for_dutch_excel(client, auth):
    import csv
    import io

    from openpyxl import load_workbook

    from documents.institutions import Institution

    Institution(name="=HYPERLINK(1)", brin="99ZZ", kind="mbo").save()
    auth.login_role("sbb_admin")
    response = client.get("/beheer/onderwijsinstellingen/export/csv/")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:2] == ["Naam", "BRIN-code"]
    assert any(row[0].startswith("'=") for row in rows[1:])
    book = load_workbook(io.BytesIO(client.get("/beheer/onderwijsinstellingen/export/xlsx/").data))
    sheet = book.active
    assert sheet.cell(1, 1).value == "Naam"


def test_school_logo_upload_is_checked_and_reencoded(client, auth):
    import io

    from PIL import Image

    from documents.institutions import Institution

    auth.login_role("sbb_admin")
    school = Institution.objects.get(brin="25DM")
    bad = client.post(
        f"/beheer/onderwijsinstellingen/edit/?id={school.pk}",
        data={
            "name": school.name,
            "brin": school.brin,
            "kind": school.kind,
            "logo_upload": (io.BytesIO(b"geen plaatje"), "logo.png"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "geen afbeelding" in bad.get_data(as_text=True)
    assert not Institution.objects.get(pk=school.pk).logo
    png = io.BytesIO()
    Image.new("RGB", (300, 120), (10, 90, 160)).save(png, "PNG")
    ok = client.post(
        f"/beheer/onderwijsinstellingen/edit/?id={school.pk}",
        data={
            "name": school.name,
            "brin": school.brin,
            "kind": school.kind,
            "logo_upload": (io.BytesIO(png.getvalue()), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    school.reload()
    assert school.logo_type == "image/jpeg" and bytes(school.logo)[:2] == b"\xff\xd8"


def test_school_home_leads_to_the_participants(client, auth):
    auth.login_role("school_staff")
    html = client.get("/").get_data(as_text=True)
    assert 'id="home-participants"' in html and 'href="/deelnemers/"' in html
    auth.logout()
    auth.login_role("sbb_admin")
    assert 'id="home-participants"' not in client.get("/").get_data(as_text=True)


def test_admin_export_is_recorded_in_the_audit_log(client, auth):
    from documents.audit import AuditEvent

    auth.login_role("sbb_admin")
    assert client.get("/beheer/onderwijsinstellingen/export/csv/").status_code == 200
    event = AuditEvent.objects(action="export").order_by("-at").first()
    assert event is not None and event.object_type == "Institution" and event.changes["rijen"] == 3
