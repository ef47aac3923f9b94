"""The companies screens: who sees what, tenancy on every stap 2 path, the queue, the participant panel."""

from datetime import date

import pytest

from documents.companies import AccreditationRequest, Company, Placement, Trainer
from documents.participants import Participant
from documents.users import User
from services import accreditation_requests as req_service
from services import placements as placement_service
from services.demo_companies import demo_crebos


def user(email):
    return User.objects(email=email).get()


def participant_of(email, first_name="Noa"):
    p = Participant(
        first_name=first_name, last_name="Webtest", birth_date=date(2007, 5, 1), institution=user(email).institution
    )
    p.save()
    return p


PAGES = [
    ("/leerbedrijven/", {"anonymous": 302, "sbb_admin": 200, "sbb_advisor": 200, "school_staff": 200}),
    ("/leerbedrijven/?q=bakkerij", {"sbb_admin": 200, "sbb_advisor": 200, "school_staff": 200}),
    ("/leerbedrijven-register/", {"anonymous": 302, "sbb_admin": 200, "sbb_advisor": 403, "school_staff": 403}),
    ("/leerbedrijven-register/new/", {"sbb_admin": 200, "sbb_advisor": 403, "school_staff": 403}),
    # The queue is two lists now; the old URL leads there (for SBB roles only).
    ("/verzoeken/leerbedrijven/", {"anonymous": 302, "sbb_admin": 302, "sbb_advisor": 302, "school_staff": 403}),
    ("/lijsten/verzoeken/", {"anonymous": 302, "sbb_admin": 200, "sbb_advisor": 200, "school_staff": 403}),
    ("/lijsten/praktijkopleiders/", {"sbb_admin": 200, "sbb_advisor": 200, "school_staff": 403}),
]
CASES = [(url, role, status) for url, expected in PAGES for role, status in expected.items()]


@pytest.mark.parametrize("url, role, status", CASES)
def test_role_page_status(client, auth, url, role, status):
    if role != "anonymous":
        auth.login_role(role)
    assert client.get(url).status_code == status


def test_search_page_and_details(client, auth):
    auth.login_role("school_staff")
    html = client.get("/leerbedrijven/?q=GOUDEN").get_data(as_text=True)
    assert "Bakkerij De Gouden Korenaar" in html and "100200301" in html
    html = client.get("/leerbedrijven/?q=b").get_data(as_text=True)
    assert "ten minste 2 letters" in html
    company = Company.objects(company_id="100200301").get()
    html = client.get(f"/leerbedrijven/{company.pk}").get_data(as_text=True)
    assert "Erkenningen" in html and "Geregistreerde praktijkopleiders" in html
    assert 'id="company-logo"' in html
    logo = client.get(f"/leerbedrijven/{company.pk}/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert client.get("/leerbedrijven/000000000000000000000000").status_code == 404
    assert client.get("/leerbedrijven/niet-een-id").status_code == 404
    # School staff cannot register trainers.
    assert client.post(f"/leerbedrijven/{company.pk}/praktijkopleider", data={"last_name": "X"}).status_code == 403


def test_details_show_qualification_titles_when_structure_exists(client, auth):
    from services.qualifications import qualification_titles

    company = Company.objects(company_id="100200301").get()
    crebos = [a.crebo for a in company.accreditations]
    titles = qualification_titles(crebos)
    auth.login_role("school_staff")
    html = client.get(f"/leerbedrijven/{company.pk}").get_data(as_text=True)
    for crebo in crebos:
        assert crebo in html
        if crebo in titles:
            assert titles[crebo] in html


def test_registry_search_uses_indexed_query(client, auth):
    auth.login_role("sbb_admin")
    html = client.get("/leerbedrijven-register/?search=celik").get_data(as_text=True)
    assert "Schildersbedrijf Çelik" in html and "Bakkerij De Gouden" not in html


def test_registry_create_company_with_accreditation(client, auth):
    auth.login_role("sbb_admin")
    response = client.post(
        "/leerbedrijven-register/new/",
        data={
            "company_id": "777000111",
            "name": "Registertest B.V.",
            "city": "Ede",
            "postcode": "6711aa",
            "accreditations-0-crebo": "25180",
            "accreditations-0-start": "2025-01-01",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    company = Company.objects(company_id="777000111").get()
    assert company.postcode == "6711 AA" and company.search_name == "registertest b.v."
    assert company.is_accredited_for("25180", date(2025, 6, 1))


def test_a_rename_in_the_register_form_reaches_the_trainers_list(client, auth):
    auth.login_role("sbb_admin")
    company = Company.objects(company_id="100200302").get()
    data = {"company_id": company.company_id, "name": "Hernoemd Bedrijf Zwaluw", "city": company.city or "Ede"}
    for i, accreditation in enumerate(company.accreditations):
        data[f"accreditations-{i}-crebo"] = accreditation.crebo
        data[f"accreditations-{i}-start"] = accreditation.start.isoformat()
    response = client.post(f"/leerbedrijven-register/edit/?id={company.pk}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert {t.company_name for t in Trainer.objects(company=company)} == {"Hernoemd Bedrijf Zwaluw"}
    assert Trainer.objects(company=company, search_tokens="zwaluw").count() == Trainer.objects(company=company).count()


def test_sbb_admin_registers_trainer_on_details(client, auth):
    auth.login_role("sbb_admin")
    company = Company.objects(company_id="100200302").get()
    client.post(f"/leerbedrijven/{company.pk}/praktijkopleider", data={"initials": "B.", "last_name": "Registreer"})
    assert Trainer.objects(company=company, last_name="Registreer", source="sbb").count() == 1


def test_step2_pages_flow_with_registered_trainer(client, auth):
    p = participant_of("mbo@school.example")
    auth.login_role("school_staff")
    html = client.get(f"/stap2/{p.pk}/leerbedrijf?q=bakkerij").get_data(as_text=True)
    assert 'type="radio" name="company"' in html and "Leerbedrijf voordragen voor erkenning" in html
    company = Company.objects(company_id="100200301").get()
    html = client.get(f"/stap2/{p.pk}/praktijkopleider?company={company.pk}").get_data(as_text=True)
    assert "Praktijkopleider toevoegen" in html
    trainer = Trainer.objects(company=company, source="sbb").first()
    response = client.post(
        f"/stap2/{p.pk}/praktijkopleider", data={"company": str(company.pk), "trainer": str(trainer.pk)}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/stap2/{p.pk}/klaar")
    html = client.get(f"/stap2/{p.pk}/klaar").get_data(as_text=True)
    assert "U hebt nu 2 keuzes" in html and company.name in html
    placement = placement_service.current_placement(p)
    assert placement.company == company and placement.trainer == trainer


def test_step2_without_choice_says_what_to_do(client, auth):
    p = participant_of("mbo@school.example")
    auth.login_role("school_staff")
    company = Company.objects(company_id="100200301").get()
    html = client.post(
        f"/stap2/{p.pk}/praktijkopleider", data={"company": str(company.pk)}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Kies een praktijkopleider of voeg er een toe." in html
    html = client.post(
        f"/stap2/{p.pk}/praktijkopleider", data={"company": str(company.pk), "trainer": "new", "first_name": "Jo"}
    ).get_data(as_text=True)
    assert "achternaam" in html and 'value="Jo"' in html
    assert Placement.objects(participant=p).count() == 0


def test_tenancy_other_schools_participant_request_and_trainer_are_404(client, auth):
    other = participant_of("pro@school.example", first_name="Anders")
    pro = user("pro@school.example")
    bakery = Company.objects(company_id="100200301").get()
    other_req = req_service.propose_company(
        pro, other, {"name": "Geheim Bedrijf", "city": "Eindhoven"}, demo_crebos()[0]
    )
    other_trainer = placement_service.add_trainer_for_participant(
        pro, other, {"initials": "G.", "last_name": "Heim"}, company=bakery
    )
    mine = participant_of("mbo@school.example")
    auth.login_role("school_staff")
    for url in (
        f"/stap2/{other.pk}/leerbedrijf",
        f"/stap2/{other.pk}/voordragen",
        f"/stap2/{other.pk}/klaar",
        f"/stap2/{other.pk}/praktijkopleider?company={bakery.pk}",
        f"/stap2/{mine.pk}/praktijkopleider?verzoek={other_req.pk}",
        f"/verzoeken/leerbedrijven/verzoek/{other_req.pk}",
    ):
        assert client.get(url).status_code in (404, 403), url
    assert client.get(f"/stap2/{other.pk}/leerbedrijf").status_code == 404
    assert client.get(f"/stap2/{mine.pk}/praktijkopleider?verzoek={other_req.pk}").status_code == 404
    # Posting another school's request or trainer changes nothing.
    assert (
        client.post(
            f"/stap2/{mine.pk}/praktijkopleider",
            data={"verzoek": str(other_req.pk), "trainer": "new", "last_name": "X"},
        ).status_code
        == 404
    )
    response = client.post(
        f"/stap2/{mine.pk}/praktijkopleider", data={"company": str(bakery.pk), "trainer": str(other_trainer.pk)}
    )
    assert "hoort niet bij" in response.get_data(as_text=True)
    assert (
        client.post(
            f"/stap2/{other.pk}/voordragen", data={"name": "X", "city": "Y", "crebos": demo_crebos()[0]}
        ).status_code
        == 404
    )
    assert Placement.objects(participant=mine).count() == 0
    assert Placement.objects(participant=other).count() == 0
    # The school's trainer list for its own participant does not show the other school's trainer.
    html = client.get(f"/stap2/{mine.pk}/praktijkopleider?company={bakery.pk}").get_data(as_text=True)
    assert "Heim" not in html


def test_advisor_queue_grant_and_reject_in_the_browserless_web(client, auth, monkeypatch):
    sent = []
    from services import mail

    monkeypatch.setattr(mail, "send_mail", lambda to, subject, body: sent.append((to, subject, body)))
    req = AccreditationRequest.objects(kind="new", status="submitted").first()
    auth.login_role("sbb_advisor")
    html = client.get("/verzoeken/leerbedrijven/", follow_redirects=True).get_data(as_text=True)
    assert req.company_name in html
    html = client.post(
        f"/verzoeken/leerbedrijven/verzoek/{req.pk}",
        data={"action": "status", "status": "rejected"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "reden van de afwijzing" in html
    client.post(
        f"/verzoeken/leerbedrijven/verzoek/{req.pk}",
        data={"action": "grant", "company_id": "888000111", "start": "01-09-2026", "note": "Welkom"},
    )
    req.reload()
    assert req.status == "granted"
    company = Company.objects(company_id="888000111").get()
    assert company.accreditations[0].start == date(2026, 9, 1)
    assert sent and sent[-1][0] == "mbo@school.example"


def test_school_trainers_in_queue_and_review(client, auth):
    p = participant_of("mbo@school.example")
    bakery = Company.objects(company_id="100200301").get()
    t = placement_service.add_trainer_for_participant(
        user("mbo@school.example"), p, {"initials": "Q.", "last_name": "Wachtrij"}, company=bakery
    )
    auth.login_role("sbb_advisor")
    html = client.get("/verzoeken/leerbedrijven/?tab=opleiders", follow_redirects=True).get_data(as_text=True)
    assert "Q. Wachtrij" in html
    client.post(f"/verzoeken/leerbedrijven/opleider/{t.pk}", data={"status": "approved", "note": "ok"})
    t.reload()
    assert t.review_status == "approved" and t.is_registered


def test_participant_panel_column_and_dependents(app):
    from admin_views import companies as views

    staff = user("mbo@school.example")
    p = participant_of("mbo@school.example")
    req = req_service.propose_company(staff, p, {"name": "Nog Niet Erkend", "city": "Ede"}, demo_crebos()[0])
    placement_service.create_placement(staff, p, request=req)
    with app.test_request_context():
        panel = views.participant_panel(p, staff)
    assert panel["order"] == 2 and panel["placement"].is_pending and panel["placement_request"] == req
    names = views.overview_column([p.pk])
    assert "Nog Niet Erkend" in names[p.pk] and "erkenning aangevraagd" in names[p.pk]
    assert ("koppeling aan een leerbedrijf", 1) in views.participant_dependents(p)


def test_participant_page_shows_panel_when_page_exists(client, auth, app):
    if "participants.details" not in app.view_functions:
        pytest.skip("De deelnemerspagina (participants.details) bestaat nog niet.")
    staff = user("mbo@school.example")
    p = participant_of("mbo@school.example")
    req = req_service.propose_company(staff, p, {"name": "Nog Niet Erkend", "city": "Ede"}, demo_crebos()[0])
    placement_service.create_placement(staff, p, request=req)
    auth.login_role("school_staff")
    html = client.get(f"/deelnemers/{p.pk}/").get_data(as_text=True)
    assert "Stap 2: Leerbedrijf en praktijkopleider" in html
    assert "pas definitief worden gemaakt als het leerbedrijf erkend is" in html


def test_extend_page_prefilled_and_submits(client, auth):
    p = participant_of("mbo@school.example")
    ended = Company.objects(company_id="100200314").get()
    crebo = ended.accreditations[0].crebo
    auth.login_role("school_staff")
    url = f"/stap2/{p.pk}/erkenning-uitbreiden?company={ended.pk}&crebo={crebo}&next=/elders"
    html = client.get(url).get_data(as_text=True)
    assert f'value="{crebo}"' in html and ended.name in html
    response = client.post(
        f"/stap2/{p.pk}/erkenning-uitbreiden",
        data={"company": str(ended.pk), "crebos": crebo, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and "evil" not in response.headers["Location"]
    req = AccreditationRequest.objects(kind="extend", company=ended, participant=p).get()
    assert req.crebos == [crebo] and req.institution == p.institution
    other = participant_of("pro@school.example", first_name="Ander")
    assert client.get(f"/stap2/{other.pk}/erkenning-uitbreiden?company={ended.pk}&crebo={crebo}").status_code == 404
