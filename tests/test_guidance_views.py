"""Begeleidingsdocument screens: compose, summary, afronden, download, upload, panel; POSTs on a final document;
another school's ids give 404 on every route."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from documents.companies import AccreditationRequest, Company, Trainer
from documents.guidance import FilledCopy, GuidanceDocument
from documents.institutions import Institution
from documents.participants import Participant
from documents.users import User
from services import guidance as svc
from services.placements import create_placement
from services.qualifications import get_by_crebo


@pytest.fixture
def staff(app):
    return User.objects(email="mbo@school.example").get()


@pytest.fixture
def participant(app, staff):
    school = Institution.objects(brin="25DM").get()
    company = Company.objects(company_id="100200330").get()  # not accredited for every demo crebo
    p = Participant(first_name="Zoë", last_name="Ösztürk", birth_date=date(2006, 5, 1), institution=school).save()
    create_placement(staff, p, company=company, trainer=Trainer.objects(company=company).first())
    return p


def codes(crebo):
    return [wp.code for wp in get_by_crebo(crebo).work_processes()]


def compose_form(crebo="90101", n=3, gedrag=1, action="save", extra=None):
    chosen = codes(crebo)[:n]
    form = {"n_blocks": "1", "q0_crebo": crebo, "q0_wp": chosen, "q0_gedrag": chosen[:gedrag], "action": action}
    form.update(extra or {})
    return form


def test_compose_create_summary_finalize_download(client, auth, participant):
    auth.login("mbo@school.example")
    page = client.get(f"/begeleidingsdocument/{participant.pk}/nieuw")
    assert page.status_code == 200 and "Nieuw begeleidingsdocument" in page.text
    page = client.post(
        f"/begeleidingsdocument/{participant.pk}/nieuw",
        data={"n_blocks": "1", "q0_crebo": "90101", "action": "refresh"},
    )
    assert (
        codes("90101")[0] in page.text
        and "Gedrag tonen" in page.text
        and "Omschrijving en gewenst resultaat" in page.text
    )
    assert "Versie" in page.text and "voorgaande versie" in page.text  # 90101 has an earlier version
    page = client.post(f"/begeleidingsdocument/{participant.pk}/nieuw", data=compose_form(action="add"))
    assert 'id="block-1"' in page.text and f'value="{codes("90101")[0]}" checked' in page.text
    response = client.post(f"/begeleidingsdocument/{participant.pk}/nieuw", data=compose_form())
    assert response.status_code == 302
    doc = GuidanceDocument.objects(participant=participant).get()
    summary = client.get(response.headers["Location"])
    assert "Afronden" in summary.text and "niet meer" in summary.text and codes("90101")[0] in summary.text
    assert client.post(f"/begeleidingsdocument/document/{doc.pk}/afronden").status_code == 302
    assert GuidanceDocument.objects.get(pk=doc.pk).status == "concept"  # no confirmation, nothing happens
    client.post(f"/begeleidingsdocument/document/{doc.pk}/afronden", data={"confirm": "ja"})
    assert GuidanceDocument.objects.get(pk=doc.pk).status == "final"
    summary = client.get(f"/begeleidingsdocument/document/{doc.pk}/")
    assert "Downloaden" in summary.text and "Naar Praktijkverklaring" in summary.text
    assert f'href="/deelnemers/{participant.pk}/#panel-statements"' in summary.text  # stap 4 of this participant
    pdf = client.get(f"/begeleidingsdocument/document/{doc.pk}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) >= 2


def test_compose_errors_are_dutch(client, auth, participant):
    auth.login("mbo@school.example")
    page = client.post(f"/begeleidingsdocument/{participant.pk}/nieuw", data=compose_form(n=0))
    assert page.status_code == 200 and "Kies ten minste één werkproces" in page.text
    assert GuidanceDocument.objects(participant=participant).count() == 0


def test_not_accredited_offers_extension(client, auth, participant):
    company = Company.objects(company_id="100200330").get()
    crebo = next(
        c
        for c in ("90101", "90102", "90201", "90202", "90301")
        if not company.is_accredited_for(c) and not AccreditationRequest.objects(company=company, crebos=c).count()
    )
    auth.login("mbo@school.example")
    page = client.post(f"/begeleidingsdocument/{participant.pk}/nieuw", data=compose_form(crebo, action="refresh"))
    assert "Erkenning uitbreiden" in page.text and "niet erkend voor kwalificatie" in page.text
    page = client.post(
        f"/begeleidingsdocument/{participant.pk}/nieuw", data=compose_form(crebo, action=f"extend:{crebo}")
    )
    req = AccreditationRequest.objects(kind="extend", company=company, crebos=crebo).get()
    assert req.participant.pk == participant.pk
    assert "verzoek om de erkenning uit te breiden is ingediend" in page.text
    assert codes(crebo)[0] in page.text  # the ticked werkprocessen are kept


def test_without_placement_page_says_step_2_first(client, auth, app):
    school = Institution.objects(brin="25DM").get()
    p = Participant(first_name="Zonder", last_name="Stage", birth_date=date(2006, 1, 1), institution=school).save()
    auth.login("mbo@school.example")
    page = client.get(f"/begeleidingsdocument/{p.pk}/nieuw", follow_redirects=True)
    assert "Kies eerst een leerbedrijf en praktijkopleider (stap 2)" in page.text
    client.post(f"/begeleidingsdocument/{p.pk}/nieuw", data=compose_form())
    assert GuidanceDocument.objects(participant=p).count() == 0


def test_posts_on_a_final_document_change_nothing(client, auth, participant, staff):
    doc = svc.finalize(svc.create_concept(participant, staff, [{"crebo": "90101", "codes": codes("90101")[:2]}]), staff)
    before = GuidanceDocument.objects.get(pk=doc.pk).to_mongo().to_dict()
    auth.login("mbo@school.example")
    client.post(f"/begeleidingsdocument/document/{doc.pk}/wijzigen", data=compose_form(n=5))
    client.post(f"/begeleidingsdocument/document/{doc.pk}/verwijderen")
    client.post(f"/begeleidingsdocument/document/{doc.pk}/afronden", data={"confirm": "ja"})
    assert GuidanceDocument.objects.get(pk=doc.pk).to_mongo().to_dict() == before
    page = client.get(f"/begeleidingsdocument/document/{doc.pk}/wijzigen", follow_redirects=True)
    assert "kan niet meer worden gewijzigd" in page.text


def test_edit_and_delete_concept(client, auth, participant, staff):
    doc = svc.create_concept(participant, staff, [{"crebo": "90101", "codes": codes("90101")[:2]}])
    auth.login("collega@school.example")  # a colleague of the same school
    page = client.get(f"/begeleidingsdocument/document/{doc.pk}/wijzigen")
    assert f'value="{codes("90101")[1]}" checked' in page.text
    client.post(
        f"/begeleidingsdocument/document/{doc.pk}/wijzigen", data=compose_form(n=4, extra={"version": doc.version})
    )
    assert GuidanceDocument.objects.get(pk=doc.pk).werkproces_count == 4
    client.post(f"/begeleidingsdocument/document/{doc.pk}/verwijderen")
    assert GuidanceDocument.objects(pk=doc.pk).count() == 0


def test_other_school_gets_404_everywhere(client, auth, participant, staff):
    doc = svc.create_concept(participant, staff, [{"crebo": "90101", "codes": codes("90101")[:2]}])
    auth.login("pro@school.example")
    base = f"/begeleidingsdocument/document/{doc.pk}"
    for url in (
        f"{base}/",
        f"{base}/pdf",
        f"{base}/wijzigen",
        f"{base}/ingevuld/pdf",
        f"/begeleidingsdocument/{participant.pk}/nieuw",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"{base}/wijzigen",
        f"{base}/verwijderen",
        f"{base}/afronden",
        f"{base}/ingevuld",
        f"{base}/nieuw-met-dezelfde-werkprocessen",
        f"/begeleidingsdocument/{participant.pk}/nieuw",
    ):
        assert client.post(url, data={"confirm": "ja", **compose_form()}).status_code == 404, url
    assert client.get("/begeleidingsdocument/document/zzz/pdf").status_code == 404
    assert GuidanceDocument.objects.get(pk=doc.pk).status == "concept"
    assert GuidanceDocument.objects(participant=participant).count() == 1


def test_advisor_may_look_but_not_change(client, auth, participant, staff):
    doc = svc.create_concept(participant, staff, [{"crebo": "90101", "codes": codes("90101")[:2]}])
    auth.login("adviseur@sbb.example")
    assert client.get(f"/begeleidingsdocument/document/{doc.pk}/").status_code == 200
    assert client.get(f"/begeleidingsdocument/document/{doc.pk}/pdf").status_code == 200
    assert client.post(f"/begeleidingsdocument/document/{doc.pk}/afronden", data={"confirm": "ja"}).status_code == 403
    assert client.post(f"/begeleidingsdocument/document/{doc.pk}/verwijderen").status_code == 403
    assert GuidanceDocument.objects.get(pk=doc.pk).status == "concept"


def test_participant_panel_lists_documents_and_offers_copy_after_trainer_change(client, auth, participant, staff):
    doc = svc.finalize(svc.create_concept(participant, staff, [{"crebo": "90101", "codes": codes("90101")[:2]}]), staff)
    auth.login("mbo@school.example")
    page = client.get(f"/deelnemers/{participant.pk}/")
    assert "Stap 3: Begeleidingsdocumenten" in page.text and doc.document_id in page.text and "Afgerond" in page.text
    assert "+ Nieuw begeleidingsdocument" in page.text
    assert "Wijzigen praktijkopleider = nieuw begeleidingsdocument aanmaken" not in page.text
    company = Company.objects(company_id="100200330").get()
    new_trainer = Trainer(company=company, source="sbb", first_name="Pien", last_name="Nieuw").save()
    create_placement(staff, participant, company=company, trainer=new_trainer)
    page = client.get(f"/deelnemers/{participant.pk}/")
    assert "Wijzigen praktijkopleider = nieuw begeleidingsdocument aanmaken" in page.text
    assert "Nieuw document met dezelfde werkprocessen" in page.text
    response = client.post(f"/begeleidingsdocument/document/{doc.pk}/nieuw-met-dezelfde-werkprocessen")
    assert response.status_code == 302
    new = GuidanceDocument.objects(participant=participant, status="concept").get()
    assert new.snapshot["trainer"]["name"] == "Pien Nieuw"
    overview = client.get("/deelnemers/?search=Ösztürk")
    assert "Begeleidingsdocument" in overview.text and "Concept" in overview.text


def test_upload_messages(client, auth, participant, staff):
    doc = svc.create_concept(participant, staff, [{"crebo": "90101", "codes": codes("90101")[:2]}])
    auth.login("mbo@school.example")
    page = client.post(
        f"/begeleidingsdocument/document/{doc.pk}/ingevuld",
        follow_redirects=True,
        data={"bestand": (io.BytesIO(b"hallo"), "notitie.txt")},
        content_type="multipart/form-data",
    )
    assert "Dit bestand is geen PDF" in page.text
    assert FilledCopy.objects(guidance=doc).count() == 0


def test_afronden_needs_the_csrf_token(demo_dump):
    import re

    from tests.conftest import Auth, make_app

    application = make_app(demo_dump, WTF_CSRF_ENABLED=True)
    with application.app_context():
        staff = User.objects(email="mbo@school.example").get()
        school = Institution.objects(brin="25DM").get()
        p = Participant(first_name="Csrf", last_name="Proef", birth_date=date(2006, 1, 1), institution=school).save()
        company = Company.objects(company_id="100200301").get()
        create_placement(staff, p, company=company, trainer=Trainer.objects(company=company).first())
        doc = svc.create_concept(p, staff, [{"crebo": "90101", "codes": codes("90101")[:2]}])
        client = application.test_client()
        login = client.get("/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
        Auth(client).login("mbo@school.example")  # without a token: refused
        client.post(
            "/login", data={"email": "mbo@school.example", "password": "praktijkloket-demo", "csrf_token": token}
        )
        url = f"/begeleidingsdocument/document/{doc.pk}/afronden"
        assert client.post(url, data={"confirm": "ja"}).status_code == 400
        assert GuidanceDocument.objects.get(pk=doc.pk).status == "concept"
        summary = client.get(f"/begeleidingsdocument/document/{doc.pk}/").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', summary).group(1)
        assert client.post(url, data={"confirm": "ja", "csrf_token": token}).status_code == 302
        assert GuidanceDocument.objects.get(pk=doc.pk).status == "final"
