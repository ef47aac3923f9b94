"""Stap 4 screens: the wizard through the test client, downloads, delete, panel, overview, tenancy, branch logos."""

import io

import pytest

from documents.statements import BranchOrganisation, PracticeStatement
from documents.users import User
from tests.statement_helpers import (
    final_statement,
    image_bytes,
    participant_at,
    png_bytes,
    qualification,
    ready_concept,
)


def html(response):
    return response.get_data(as_text=True)


def test_wizard_from_aan_de_slag_to_definitief(client, auth):
    participant = participant_at(company_id="100200302")  # no registry logo: the upload is offered
    auth.login("mbo@school.example")
    page = html(client.get(f"/deelnemers/{participant.pk}/"))
    assert 'id="panel-statements"' in page and "Aan de slag" in page
    response = client.post(f"/praktijkverklaringen/nieuw/{participant.pk}")
    assert response.status_code == 302 and response.location.endswith("/onderwijsvorm")
    statement = PracticeStatement.objects(participant=participant).get()
    base = f"/praktijkverklaringen/{statement.pk}"

    # 4.1: only the mbo forms for an mbo school; the name bar on top.
    page = html(client.get(f"{base}/onderwijsvorm"))
    assert participant.full_name in page and 'id="participant-bar"' in page
    assert "mbo derde leerweg (maatwerk)" in page and "praktijkonderwijs" not in page
    response = client.post(f"{base}/onderwijsvorm", data={"version": statement.version})
    assert "Kies de onderwijsvorm" in html(response)
    response = client.post(f"{base}/onderwijsvorm", data={"education_form": "mbo_maatwerk", "version": 1})
    assert response.location.endswith("/werkprocessen")

    # 4.2: add a kwalificatie, tick werkprocessen per kerntaak.
    q = qualification("90101")
    version = PracticeStatement.objects(pk=statement.pk).get().version
    response = client.post(
        f"{base}/werkprocessen", data={"action": "add_qualification", "qualification": str(q.pk), "version": version}
    )
    assert response.location.endswith("/werkprocessen")
    page = html(client.get(f"{base}/werkprocessen"))
    assert "Kerntaak B1-K1" in page and 'name="wp-90101"' in page
    version = PracticeStatement.objects(pk=statement.pk).get().version
    response = client.post(f"{base}/werkprocessen", data={"version": version}, follow_redirects=True)
    assert "Kies ten minste één behaald werkproces" in html(response)
    codes = [wp.code for wp in q.work_processes()][:2]
    version = PracticeStatement.objects(pk=statement.pk).get().version
    response = client.post(f"{base}/werkprocessen", data={"version": version, "wp-90101": codes})
    assert response.location.endswith("/uren")

    # 4.3: Dutch message for bad hours, "1.200" accepted.
    version = PracticeStatement.objects(pk=statement.pk).get().version
    page = html(client.post(f"{base}/uren", data={"bpv_hours": "9", "version": version}))
    assert "heel getal van 10 tot en met 10.000" in page and 'value="9"' in page
    response = client.post(f"{base}/uren", data={"bpv_hours": "1.200", "version": version})
    assert response.location.endswith("/logos")
    assert PracticeStatement.objects(pk=statement.pk).get().bpv_hours == 1200

    # 4.4: the remark, a refused GIF, an accepted PNG, a ticked branch logo.
    page = html(client.get(f"{base}/logos"))
    assert (
        "Het logo toevoegen moet altijd in overleg met het leerbedrijf. SBB is niet verantwoordelijk voor de "
        "kwaliteit en juistheid van dit logo." in page
    )
    version = PracticeStatement.objects(pk=statement.pk).get().version
    page = html(
        client.post(
            f"{base}/logos",
            data={"version": version, "action": "upload", "company_logo": (io.BytesIO(image_bytes("GIF")), "logo.gif")},
            content_type="multipart/form-data",
        )
    )
    assert "JPG- of PNG-bestand" in page
    response = client.post(
        f"{base}/logos",
        data={"version": version, "action": "upload", "company_logo": (io.BytesIO(png_bytes()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert client.get(f"{base}/bedrijfslogo").mimetype == "image/jpeg"
    branch = BranchOrganisation.objects.order_by("name").first()
    version = PracticeStatement.objects(pk=statement.pk).get().version
    response = client.post(f"{base}/logos", data={"version": version, "branch": [str(branch.pk)]})
    assert response.location.endswith("/samenvatting")

    # 4.5: the summary, a concept PDF, then definitief after the confirmation.
    page = html(client.get(f"{base}/samenvatting"))
    assert "1.200" in page and codes[0] in page and branch.name in page and "readiness-problems" not in page
    concept = client.get(f"{base}/concept.pdf")
    assert concept.mimetype == "application/pdf" and concept.data.startswith(b"%PDF")
    response = client.post(f"{base}/definitief", data={}, follow_redirects=True)
    assert "Bevestig eerst" in html(response)
    assert PracticeStatement.objects(pk=statement.pk).get().status == "concept"
    response = client.post(f"{base}/definitief", data={"confirm": "ja"}, follow_redirects=True)
    final = PracticeStatement.objects(pk=statement.pk).get()
    assert final.status == "final" and final.number in html(response)
    first = client.get(f"{base}/pdf")
    second = client.get(f"{base}/pdf")
    assert first.data == second.data == bytes(final.pdf)
    assert final.number in first.headers["Content-Disposition"]
    # A final statement's wizard pages send the user back; the panel shows Definitief and no pencil.
    response = client.get(f"{base}/uren")
    assert response.status_code == 302 and f"/deelnemers/{participant.pk}/" in response.location
    page = html(client.get(f"/deelnemers/{participant.pk}/"))
    assert "Definitief" in page and final.number in page and "fa-pencil" not in page


def test_summary_shows_every_problem_at_once(client, auth):
    participant = participant_at(company_id=None)
    auth.login("mbo@school.example")
    refused = client.post(f"/praktijkverklaringen/nieuw/{participant.pk}", follow_redirects=True)
    assert "stap 2" in html(refused)  # the wizard starts only after stap 2
    assert PracticeStatement.objects(participant=participant).count() == 0
    maker = User.objects.get(email="mbo@school.example")
    statement = PracticeStatement(
        institution=participant.institution, participant=participant, created_by=maker, created_by_name=maker.name
    ).save()
    page = html(client.get(f"/praktijkverklaringen/{statement.pk}/samenvatting"))
    assert page.count("<li>", page.index("readiness-problems")) >= 5
    assert 'id="make-final" disabled' in page
    response = client.post(
        f"/praktijkverklaringen/{statement.pk}/definitief", data={"confirm": "ja"}, follow_redirects=True
    )
    assert "erkend leerbedrijf" in html(response) and "praktijkopleider" in html(response)


def test_archived_participant_gets_no_aan_de_slag(client, auth):
    from services.clock import utcnow

    participant = participant_at()
    participant.archived_at = utcnow()
    participant.save()
    auth.login("mbo@school.example")
    assert 'id="statement-start"' not in html(client.get(f"/deelnemers/{participant.pk}/"))
    response = client.post(f"/praktijkverklaringen/nieuw/{participant.pk}", follow_redirects=True)
    assert "archief" in html(response) and PracticeStatement.objects(participant=participant).count() == 0


def test_colleague_sees_why_not_and_cannot_delete(client, auth):
    final = final_statement()
    auth.login("collega@school.example")
    page = html(client.get(f"/deelnemers/{final.participant.pk}/"))
    assert "statement-delete-refused" in page and "zelf hebt gemaakt" in page
    page = html(client.get(f"/praktijkverklaringen/{final.pk}/verwijderen"))
    assert 'id="delete-refusal"' in page and "Marieke de Boer" in page
    client.post(f"/praktijkverklaringen/{final.pk}/verwijderen", data={"taken_back": "ja", "reason": "x"})
    assert PracticeStatement.objects(pk=final.pk).count() == 1


def test_maker_deletes_final_after_confirmation_and_verification_says_withdrawn(client, auth):
    final = final_statement()
    auth.login("mbo@school.example")
    page = html(client.post(f"/praktijkverklaringen/{final.pk}/verwijderen", data={}))
    assert "ingenomen en vernietigd" in page and "reden" in page.lower()
    assert PracticeStatement.objects(pk=final.pk).count() == 1
    response = client.post(
        f"/praktijkverklaringen/{final.pk}/verwijderen",
        data={"taken_back": "ja", "reason": "Verkeerde kwalificatie"},
        follow_redirects=True,
    )
    assert "ingetrokken" in html(response)
    assert PracticeStatement.objects(pk=final.pk).count() == 0
    auth.logout()
    page = html(client.get(f"/verificatie/{final.verification_code}"))
    assert "Ingetrokken" in page and final.number in page and "Verkeerde kwalificatie" in page
    assert final.participant.full_name not in page


def test_concept_is_deleted_by_its_maker_from_the_bin(client, auth):
    concept = ready_concept()
    auth.login("mbo@school.example")
    page = html(client.get(f"/deelnemers/{concept.participant.pk}/"))
    assert "fa-pencil" in page and f"/praktijkverklaringen/{concept.pk}/verwijderen" in page
    response = client.post(f"/praktijkverklaringen/{concept.pk}/verwijderen", follow_redirects=True)
    assert "concept-praktijkverklaring is verwijderd" in html(response)
    assert PracticeStatement.objects(pk=concept.pk).count() == 0


def test_overview_shows_the_status_of_the_latest_statement(client, auth):
    participant = participant_at(last_name="Zzzoverzicht")
    final_statement(participant=participant)
    auth.login("mbo@school.example")
    page = html(client.get("/deelnemers/?search=zzzoverzicht"))
    assert "Praktijkverklaring" in page and "Definitief" in page
    ready_concept(participant)  # a newer concept
    page = html(client.get("/deelnemers/?search=zzzoverzicht"))
    row = page[page.index("Zzzoverzicht") :]
    assert "Concept" in row[:3000]


def test_dependents_are_counted_for_the_participant_delete(app):
    from services.participants import dependents

    participant = participant_at()
    final_statement(participant=participant)
    ready_concept(participant)
    items = dict(dependents(participant))
    text = next(k for k in items if k.startswith("praktijkverklaringen"))
    assert items[text] == 2 and "1 definitief" in text


def wizard_routes(sid):
    gets = [
        "onderwijsvorm",
        "werkprocessen",
        "uren",
        "logos",
        "samenvatting",
        "concept.pdf",
        "klaar",
        "pdf",
        "verwijderen",
        "bedrijfslogo",
    ]
    posts = ["onderwijsvorm", "werkprocessen", "uren", "logos", "definitief", "verwijderen"]
    return ([f"/praktijkverklaringen/{sid}/{p}" for p in gets], [f"/praktijkverklaringen/{sid}/{p}" for p in posts])


@pytest.mark.parametrize("kind", ["concept", "final"])
def test_another_school_gets_404_on_every_route(client, auth, kind):
    statement = ready_concept() if kind == "concept" else final_statement()
    before = PracticeStatement.objects(pk=statement.pk).as_pymongo().get()
    auth.login("vso@school.example")
    gets, posts = wizard_routes(statement.pk)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert (
            client.post(
                url,
                data={
                    "version": before["version"],
                    "bpv_hours": "20",
                    "confirm": "ja",
                    "taken_back": "ja",
                    "reason": "x",
                    "education_form": "vso",
                },
            ).status_code
            == 404
        ), url
    assert client.post(f"/praktijkverklaringen/nieuw/{statement.participant.pk}").status_code == 404
    assert PracticeStatement.objects(pk=statement.pk).as_pymongo().get() == before
    for url in wizard_routes("000000000000000000000000")[0] + wizard_routes("nonsense")[0]:
        assert client.get(url).status_code == 404, url


def test_sbb_advisor_may_look_but_not_change(client, auth):
    final = final_statement()
    concept = ready_concept()
    auth.login("adviseur@sbb.example")
    assert client.get(f"/praktijkverklaringen/{final.pk}/pdf").data == bytes(final.pdf)
    assert client.get(f"/praktijkverklaringen/{concept.pk}/uren").status_code == 403
    assert client.post(f"/praktijkverklaringen/{concept.pk}/verwijderen").status_code == 403
    assert client.post(f"/praktijkverklaringen/nieuw/{concept.participant.pk}").status_code == 403


def test_stale_form_is_refused_with_a_message(client, auth):
    concept = ready_concept()
    auth.login("mbo@school.example")
    response = client.post(
        f"/praktijkverklaringen/{concept.pk}/uren", data={"bpv_hours": "700", "version": concept.version - 1}
    )
    assert "intussen gewijzigd" in html(response)
    assert PracticeStatement.objects(pk=concept.pk).get().bpv_hours == 1200


def test_branch_organisations_are_managed_by_sbb_admins_only(client, auth):
    auth.login("mbo@school.example")
    assert client.get("/beheer/branchelogos/").status_code == 403
    auth.logout()
    auth.login("beheerder@sbb.example")
    page = html(client.get("/beheer/branchelogos/"))
    assert "Branchevereniging Logistiek Demo" in page
    response = client.post(
        "/beheer/branchelogos/new/",
        data={"name": "Bouw Demo", "logo_upload": (io.BytesIO(image_bytes("GIF")), "b.gif")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "JPG- of PNG-bestand" in html(response)
    assert BranchOrganisation.objects(name="Bouw Demo").count() == 0
    response = client.post(
        "/beheer/branchelogos/new/",
        data={"name": "Bouw Demo", "logo_upload": (io.BytesIO(png_bytes()), "b.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    org = BranchOrganisation.objects(name="Bouw Demo").get()
    assert org.logo_type == "image/jpeg" and bytes(org.logo).startswith(b"\xff\xd8")
    assert client.get(f"/praktijkverklaringen/branchelogo/{org.pk}").data == bytes(org.logo)
    assert "Branchelogo" in html(client.get("/"))


def test_wizard_forms_carry_the_csrf_token(demo_dump):
    import re

    from tests.conftest import Auth, make_app

    application = make_app(demo_dump, WTF_CSRF_ENABLED=True)
    with application.app_context():
        client = application.test_client()
        concept = ready_concept()
        Auth(client).login("mbo@school.example")  # accepts the terms; its POST itself lacks the token
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert (
            client.post(
                "/login", data={"email": "mbo@school.example", "password": "praktijkloket-demo", "csrf_token": token}
            ).status_code
            == 302
        )
        base = f"/praktijkverklaringen/{concept.pk}"
        assert client.post(f"{base}/uren", data={"bpv_hours": "700", "version": concept.version}).status_code == 400
        for step in ("onderwijsvorm", "werkprocessen", "uren", "logos", "samenvatting"):
            page = client.get(f"{base}/{step}").get_data(as_text=True)
            assert page.count('name="csrf_token"') >= page.count('method="post"') >= 1, step
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post(
            f"{base}/uren", data={"bpv_hours": "700", "version": concept.version, "csrf_token": token}
        )
        assert response.status_code == 302
        assert PracticeStatement.objects(pk=concept.pk).get().bpv_hours == 700
