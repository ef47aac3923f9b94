"""Issue 13 part 5: the rough edges a new school user hits on the journeys through the four steps."""

from datetime import datetime

from documents.statements import PracticeStatement
from documents.users import Terms, User
from services import statements as svc
from tests.statement_helpers import participant_at, selection, user


def html(response):
    return response.get_data(as_text=True)


# --- after the terms, school staff start at the deelnemersoverzicht ---------------------------------------------


def _accept_terms_after_login(client, auth, email):
    auth.login(email, accept_terms=False)
    gate = client.get("/")
    assert gate.status_code == 302 and gate.location.startswith("/voorwaarden")
    nxt = gate.location.partition("next=")[2].replace("%2F", "/")
    return client.post("/voorwaarden", data={"version": Terms.current().version, "next": nxt})


def test_school_staff_land_on_the_participant_list_after_accepting_the_terms(client, auth):
    response = _accept_terms_after_login(client, auth, "mbo@school.example")
    assert response.status_code == 302 and response.location == "/deelnemers/"
    assert User.objects(email="mbo@school.example").get().accepted_terms_version == Terms.current().version


def test_a_deeper_page_asked_for_before_the_terms_is_still_honoured(client, auth):
    auth.login("mbo@school.example", accept_terms=False)
    response = client.post("/voorwaarden", data={"version": Terms.current().version, "next": "/rapportages/"})
    assert response.location == "/rapportages/"


def test_sbb_staff_still_go_home_after_accepting_the_terms(client, auth):
    response = _accept_terms_after_login(client, auth, "beheerder@sbb.example")
    assert response.status_code == 302 and response.location == "/"


# --- stap 4 "Aan de slag" reuses the empty concept --------------------------------------------------------------


def test_aan_de_slag_twice_leaves_one_concept(client, auth):
    participant = participant_at()
    auth.login("mbo@school.example")
    first = client.post(f"/praktijkverklaringen/nieuw/{participant.pk}")
    second = client.post(f"/praktijkverklaringen/nieuw/{participant.pk}")
    assert first.location == second.location and first.location.endswith("/onderwijsvorm")
    assert PracticeStatement.objects(participant=participant).count() == 1


def test_an_empty_concept_with_only_its_onderwijsvorm_is_reused_too(app):
    participant = participant_at()
    maker = user("mbo@school.example")
    concept = svc.update_concept(svc.create_concept(participant, maker), maker, education_form="mbo_maatwerk")
    assert svc.create_concept(participant, maker).pk == concept.pk
    assert PracticeStatement.objects(participant=participant).count() == 1


def test_a_concept_with_content_is_not_reused(app):
    participant = participant_at()
    maker = user("mbo@school.example")
    with_hours = svc.update_concept(svc.create_concept(participant, maker), maker, bpv_hours="480")
    with_work = svc.update_concept(svc.create_concept(participant, maker), maker, selections=[selection()])
    fresh = svc.create_concept(participant, maker)
    assert len({with_hours.pk, with_work.pk, fresh.pk}) == 3
    # ...but the fresh empty one is reused from then on.
    assert svc.create_concept(participant, maker).pk == fresh.pk
    assert PracticeStatement.objects(participant=participant).count() == 3


def test_reuse_stays_within_the_participant(app):
    maker = user("mbo@school.example")
    one = svc.create_concept(participant_at(first_name="Een"), maker)
    other = svc.create_concept(participant_at(first_name="Ander"), maker)
    assert one.pk != other.pk


# --- stap 3 and stap 4 before stap 2: to stap 2 with a note ---------------------------------------------------


def test_stap4_before_stap2_leads_to_stap2_with_a_note(client, auth):
    participant = participant_at(company_id=None)
    auth.login("mbo@school.example")
    response = client.post(f"/praktijkverklaringen/nieuw/{participant.pk}")
    assert response.status_code == 302 and response.location == f"/stap2/{participant.pk}/leerbedrijf"
    page = html(client.get(response.location))
    assert "Kies eerst een leerbedrijf en praktijkopleider (stap 2)" in page and "alert-danger" not in page
    assert PracticeStatement.objects(participant=participant).count() == 0


def test_stap3_before_stap2_leads_to_stap2_with_a_note(client, auth):
    participant = participant_at(company_id=None)
    auth.login("mbo@school.example")
    response = client.get(f"/begeleidingsdocument/{participant.pk}/nieuw")
    assert response.status_code == 302 and response.location == f"/stap2/{participant.pk}/leerbedrijf"
    page = html(client.get(response.location))
    assert "Kies eerst een leerbedrijf en praktijkopleider (stap 2)" in page


# --- Rapportages opens on the current year ----------------------------------------------------------------------


def test_reports_open_on_the_current_dutch_year(client, auth, monkeypatch):
    import core.clock

    # 31 December 23:30 UTC is already New Year's Day in Amsterdam.
    monkeypatch.setattr(core.clock, "utcnow", lambda: datetime(2031, 12, 31, 23, 30))
    auth.login("mbo@school.example")
    page = html(client.get("/rapportages/"))
    assert "onderwijsvorm in 2032" in page
    assert '<option value="2032" selected>' in page
