"""The advisers' queue as two ModelView lists (issue 12): filters, search, and In behandeling / Toekennen / Afwijzen."""

import re
from datetime import date
from html import unescape

import pytest

from documents.companies import AccreditationRequest, Company, Trainer
from documents.participants import Participant
from documents.users import User
from services import accreditation_requests as svc
from services import placements as placement_service
from services.clock import local_today
from services.demo_companies import demo_crebos
from tests.list_helpers import act, select_all

REQUESTS = "/lijsten/verzoeken/"
TRAINERS = "/lijsten/praktijkopleiders/"


def action_names(html):
    return re.findall(r'data-action="([a-z_]+)"', html)


def user(email):
    return User.objects(email=email).get()


@pytest.fixture
def mails(monkeypatch):
    from services import mail

    sent = []
    monkeypatch.setattr(mail, "send_mail", lambda to, subject, body: sent.append((to, subject, body)))
    return sent


def extension(email="mbo@school.example", company_id="100200319"):
    """An extension request of this school for a crebo the company does not have yet."""
    company = Company.objects(company_id=company_id).get()
    from documents.qualifications import Qualification

    crebo = next(c for c in sorted(Qualification.objects.distinct("crebo")) if not company.is_accredited_for(c))
    return svc.request_extension(user(email), company, crebo)


def proposal(name, email="mbo@school.example"):
    staff = user(email)
    person = Participant(
        first_name="Verzoek", last_name=name, birth_date=date(2006, 3, 4), institution=staff.institution
    )
    person.save()
    return svc.propose_company(staff, person, {"name": name, "city": "Utrecht"}, demo_crebos()[0])


def shown_count(html):
    match = re.search(r"Lijst \(([\d.]+)\)", html)
    return int(match.group(1).replace(".", "")) if match else 0


# --- who sees the lists and which actions they offer -------------------------------------------------------------


def test_the_lists_offer_their_actions_to_sbb_only(client, auth):
    auth.login_role("sbb_advisor")
    requests_page = client.get(REQUESTS).get_data(as_text=True)
    assert action_names(requests_page) == ["in_progress", "grant", "reject"]
    labels = re.findall(r'class="dropdown-item list-action"[^>]*>([^<]+)<', requests_page)
    assert labels == ["In behandeling", "Toekennen", "Afwijzen"]
    assert action_names(client.get(TRAINERS).get_data(as_text=True)) == ["in_progress", "approve", "reject"]
    auth.logout()
    # School staff never saw the queue and do not now: not the lists, not an action posted by hand.
    req = extension()
    auth.login_role("school_staff")
    for url in (REQUESTS, TRAINERS, REQUESTS + f"details/?id={req.pk}"):
        assert client.get(url).status_code == 403, url
    assert act(client, REQUESTS, "reject", ids=[req.pk], reden="nee").status_code == 403
    assert AccreditationRequest.objects(pk=req.pk).get().status == "submitted"


def test_old_queue_urls_lead_to_the_lists_with_the_same_filter(client, auth):
    auth.login_role("sbb_advisor")
    location = client.get("/verzoeken/leerbedrijven/").headers["Location"]
    assert location.endswith("/lijsten/verzoeken/?flt0_0=open")
    location = client.get("/verzoeken/leerbedrijven/?status=granted&soort=extend").headers["Location"]
    assert "flt0_0=granted" in location and "flt1_1=extend" in location
    location = client.get("/verzoeken/leerbedrijven/?status=alle").headers["Location"]
    assert location.endswith("/lijsten/verzoeken/")
    location = client.get("/verzoeken/leerbedrijven/?tab=opleiders").headers["Location"]
    assert location.endswith("/lijsten/praktijkopleiders/?flt0_0=open")
    # The handling pages of one request or trainer keep their URLs.
    req = extension()
    page = client.get(f"/verzoeken/leerbedrijven/verzoek/{req.pk}").get_data(as_text=True)
    assert 'id="grant-form"' in page and "/lijsten/verzoeken/?flt0_0=open" in page


# --- filters and search ------------------------------------------------------------------------------------------


def test_status_kind_school_filters_and_search(client, auth):
    mine = extension()
    theirs = proposal("Bakkerij Çağlar", email="pro@school.example")
    handled = proposal("Afgehandeld Bedrijf")
    AccreditationRequest.objects(pk=handled.pk).update_one(set__status="rejected")
    auth.login_role("sbb_advisor")

    open_page = client.get(REQUESTS + "?flt0_0=open").get_data(as_text=True)
    open_total = AccreditationRequest.objects(status__in=("submitted", "in_progress")).count()
    assert shown_count(open_page) == open_total
    assert "Bakkerij Çağlar" in open_page and "Afgehandeld Bedrijf" not in open_page
    assert "Afgehandeld Bedrijf" in client.get(REQUESTS + "?flt0_0=rejected").get_data(as_text=True)

    extend_page = client.get(REQUESTS + "?flt0_1=extend").get_data(as_text=True)
    assert shown_count(extend_page) == AccreditationRequest.objects(kind="extend").count()
    assert "Bakkerij Çağlar" not in extend_page

    school = theirs.institution
    school_page = client.get(REQUESTS + f"?flt0_2={school.pk}").get_data(as_text=True)
    assert shown_count(school_page) == AccreditationRequest.objects(institution=school.pk).count()
    assert "Bakkerij Çağlar" in school_page and mine.company_name not in school_page
    # The school filter offers the schools that have requests, by name.
    assert school.name in unescape(client.get(REQUESTS).get_data(as_text=True))

    found = client.get(REQUESTS + "?search=bakkerij+ça").get_data(as_text=True)
    assert shown_count(found) == 1 and "Bakkerij Çağlar" in found
    assert shown_count(client.get(REQUESTS + f"?search={mine.crebos[0]}").get_data(as_text=True)) >= 1


def test_queue_search_is_accent_and_case_blind_on_every_word(client, auth):
    """The advisers find a request or trainer as they type it: no accents, any case, the start of any word."""
    turkish = proposal("Bakkerij Çağlar")
    danish = proposal("Smørrebrød Ærø", email="pro@school.example")
    auth.login_role("sbb_advisor")
    for term, expected in (
        ("caglar", turkish),
        ("ÇAĞLAR bakk", turkish),
        ("smorrebrod aero", danish),
        ("SMØRREBRØD", danish),
        ("pro@school.example", danish),
        ("pro@", danish),
        ("school.example", danish),  # the domain, with or without the @, as a text search would find it
        ("@school.exa", danish),
    ):
        page = client.get(REQUESTS + "?search=" + term).get_data(as_text=True)
        assert expected.company_name in unescape(page), term
    # Every word must match (a word of neither request finds neither); a word's middle is not its start.
    page = unescape(client.get(REQUESTS + "?search=caglar+aero").get_data(as_text=True))
    assert shown_count(page) == 0
    assert shown_count(client.get(REQUESTS + "?search=aglar").get_data(as_text=True)) == 0

    staff = user("mbo@school.example")
    person = Participant(
        first_name="Zoë", last_name="Øster", birth_date=date(2006, 1, 2), institution=staff.institution
    )
    person.save()
    bakery = Company.objects(company_id="100200301").get()
    placement_service.add_trainer_for_participant(
        staff, person, {"first_name": "Ülkü", "last_name": "Doğan"}, company=bakery
    )
    for term in ("ulku dogan", "DOĞAN", "oster zoe", bakery.name.split()[0].lower()):
        page = unescape(client.get(TRAINERS + "?search=" + term).get_data(as_text=True))
        assert "Ülkü Doğan" in page, term


# --- the actions --------------------------------------------------------------------------------------------------


def test_in_behandeling_on_the_ticked_rows_mails_each_requester_and_names_the_refused(client, auth, mails):
    first, second = extension(), proposal("Tweede Bedrijf")
    done = proposal("Al Afgewezen")
    AccreditationRequest.objects(pk=done.pk).update_one(set__status="rejected")
    auth.login_role("sbb_advisor")
    page = act(client, REQUESTS, "in_progress", ids=[first.pk, second.pk, done.pk]).get_data(as_text=True)
    assert AccreditationRequest.objects(pk=first.pk).get().status == "in_progress"
    assert AccreditationRequest.objects(pk=second.pk).get().status == "in_progress"
    assert AccreditationRequest.objects(pk=done.pk).get().status == "rejected"
    assert "Niet gewijzigd (1)" in page and "al afgehandeld" in page and "Al Afgewezen" in page
    assert len(mails) == 2 and all(to == "mbo@school.example" for to, _s, _b in mails)
    advisor = AccreditationRequest.objects(pk=first.pk).get().advisor
    assert advisor.email == "adviseur@sbb.example"


def test_afwijzen_asks_the_reason_and_refuses_without_one(client, auth, mails):
    a, b = proposal("Eerste Afwijzing"), proposal("Tweede Afwijzing")
    auth.login_role("sbb_advisor")
    # The action first asks the reason, naming what will be rejected; nothing changed yet.
    page = unescape(act(client, REQUESTS, "reject", ids=[a.pk, b.pk]).get_data(as_text=True))
    assert 'id="reject-form"' in page and "U wijst 2 verzoeken af" in page
    assert "Eerste Afwijzing" in page and "Tweede Afwijzing" in page and 'name="reden"' in page
    # An empty (or blank) reason is refused with a Dutch message, and still nothing changes.
    page = unescape(act(client, REQUESTS, "reject", ids=[a.pk, b.pk], reden="   ").get_data(as_text=True))
    assert "Vul de reden van de afwijzing in" in page and 'id="reject-form"' in page
    assert {r.status for r in AccreditationRequest.objects(pk__in=[a.pk, b.pk])} == {"submitted"}
    assert mails == []
    # With a reason each is rejected through the service: the reason is the note the requester reads.
    response = act(client, REQUESTS, "reject", ids=[a.pk, b.pk], reden="Geen erkenning mogelijk in deze branche.")
    assert response.status_code == 302
    for req in AccreditationRequest.objects(pk__in=[a.pk, b.pk]):
        assert req.status == "rejected" and req.decided_at is not None
        assert req.notes[-1].text == "Geen erkenning mogelijk in deze branche."
    assert len(mails) == 2 and "Geen erkenning mogelijk" in mails[0][2]
    assert "2 verzoeken afgewezen." in client.get(REQUESTS).get_data(as_text=True)


def test_afwijzen_of_another_id_posted_by_hand_is_dropped(client, auth, mails):
    """The reason page posts ids back: they go through the scoped query again (an unknown id is dropped)."""
    req = proposal("Echt Verzoek")
    auth.login_role("sbb_advisor")
    response = act(client, REQUESTS, "reject", ids=["0" * 24, "geen-id"], reden="Reden")
    assert response.status_code == 302
    assert AccreditationRequest.objects(pk=req.pk).get().status == "submitted"


def test_toekennen_grants_extensions_and_names_the_proposals_without_an_id(client, auth, mails):
    ext = extension()
    crebo = ext.crebos[0]
    new = proposal("Zonder Leerbedrijf-ID")
    auth.login_role("sbb_advisor")
    page = act(client, REQUESTS, "grant", ids=[ext.pk, new.pk]).get_data(as_text=True)
    assert "Toegekend (1)" in page and "Niet toegekend (1)" in page
    assert "Zonder Leerbedrijf-ID" in page and "leerbedrijf-ID van het nieuwe leerbedrijf" in page
    assert AccreditationRequest.objects(pk=ext.pk).get().status == "granted"
    assert Company.objects(company_id="100200319").get().is_accredited_for(crebo, local_today())
    assert AccreditationRequest.objects(pk=new.pk).get().status == "submitted"


def test_select_all_open_requests_takes_exactly_the_n_the_filter_matches(client, auth, mails):
    for n in range(22):  # more than one page of 20
        proposal(f"Massa Bedrijf {n:02d}")
    closed = proposal("Massa Bedrijf gesloten")
    AccreditationRequest.objects(pk=closed.pk).update_one(set__status="granted")
    auth.login_role("sbb_advisor")
    query = "flt0_0=open&search=massa"
    page = client.get(REQUESTS + "?" + query).get_data(as_text=True)
    assert "Selecteer alle 22 die aan het filter voldoen" in page
    act(client, REQUESTS, "in_progress", query=query, alle=22)
    massa = AccreditationRequest.objects(company_name__startswith="Massa Bedrijf")
    assert massa.filter(status="in_progress").count() == 22
    assert AccreditationRequest.objects(pk=closed.pk).get().status == "granted"
    # The demo requests that the filter did not match are untouched.
    assert AccreditationRequest.objects(company_name="Pannenkoekenhuis De Molenwiek").get().status == "submitted"


def test_trainers_added_by_schools_list_and_review_actions(client, auth):
    staff = user("mbo@school.example")
    person = Participant(
        first_name="Opleider", last_name="Lijst", birth_date=date(2006, 1, 2), institution=staff.institution
    )
    person.save()
    bakery = Company.objects(company_id="100200301").get()
    one = placement_service.add_trainer_for_participant(
        staff, person, {"initials": "A.", "last_name": "Eerste"}, company=bakery
    )
    two = placement_service.add_trainer_for_participant(
        staff, person, {"initials": "B.", "last_name": "Tweede"}, company=bakery
    )
    auth.login_role("sbb_advisor")
    page = client.get(TRAINERS + "?flt0_0=open").get_data(as_text=True)
    assert "A. Eerste" in page and "B. Tweede" in page
    assert shown_count(page) == Trainer.objects(source="school", review_status__in=("open", "in_progress")).count()
    # SBB's own trainers are not in this list.
    assert f"/opleider/{Trainer.objects(source='sbb').first().pk}" not in page
    act(client, TRAINERS, "approve", ids=[one.pk])
    assert Trainer.objects(pk=one.pk).get().is_registered
    page = unescape(act(client, TRAINERS, "reject", ids=[two.pk], reden="").get_data(as_text=True))
    assert "Vul de reden van de afwijzing in" in page
    assert Trainer.objects(pk=two.pk).get().review_status == "open"
    act(client, TRAINERS, "reject", ids=[two.pk], reden="Niet bekend bij het leerbedrijf.")
    trainer = Trainer.objects(pk=two.pk).get()
    assert trainer.review_status == "rejected" and trainer.notes[-1].text == "Niet bekend bij het leerbedrijf."
    assert (
        client.get(f"/verzoeken/leerbedrijven/opleider/{Trainer.objects(source='sbb').first().pk}").status_code == 404
    )


def test_details_view_and_export_are_dutch(client, auth):
    req = proposal("Details Bedrijf")
    auth.login_role("sbb_advisor")
    page = unescape(client.get(REQUESTS + f"details/?id={req.pk}").get_data(as_text=True))
    assert "Voordragen voor erkenning" in page and "Ingediend" in page and "Details Bedrijf" in page
    assert "Onderwijsinstelling" in page and ">None<" not in page
    export = client.get(REQUESTS + "export/csv/?search=details")
    assert export.status_code == 200
    text = export.get_data().decode("utf-8-sig")
    assert "Details Bedrijf" in text and "Voordragen voor erkenning" in text and "Ingediend" in text


def test_anonymising_a_participant_takes_the_name_out_of_the_queue_search(client, auth):
    from services import privacy

    staff = user("mbo@school.example")
    person = Participant(
        first_name="Çağlar", last_name="Yıldırım", birth_date=date(2006, 3, 4), institution=staff.institution
    )
    person.save()
    req = svc.propose_company(staff, person, {"name": "Anoniem Bedrijf", "city": "Utrecht"}, demo_crebos()[0])
    bakery = Company.objects(company_id="100200301").get()
    trainer = placement_service.add_trainer_for_participant(
        staff, person, {"first_name": "Anna", "last_name": "Pieters"}, company=bakery
    )
    privacy.anonymise(person)
    for item in (AccreditationRequest.objects(pk=req.pk).get(), Trainer.objects(pk=trainer.pk).get()):
        assert not {"caglar", "yildirim"} & set(item.search_tokens), item
    auth.login_role("sbb_advisor")
    assert shown_count(client.get(REQUESTS + "?search=yildirim").get_data(as_text=True)) == 0
    assert shown_count(client.get(TRAINERS + "?search=caglar").get_data(as_text=True)) == 0
    # The AVG export leaves the derived search field out, as it does for the participant's own.
    assert all("search_tokens" not in r for r in privacy.export_data(person)[0]["erkenningsverzoeken"])


def test_an_invalid_filter_value_is_said_once_not_again_by_the_selection_or_an_action(client, auth):
    auth.login_role("sbb_advisor")
    assert "bogus" in unescape(client.get(REQUESTS + "?flt0_0=bogus").get_data(as_text=True))
    select_all(client, REQUESTS, "flt0_0=bogus")  # what the page's script asks
    act(client, REQUESTS, "in_progress", query="flt0_0=bogus", token="vervalst")
    with client.session_transaction() as session:
        messages = " ".join(text for _cat, text in session.get("_flashes", []))
    assert "bogus" not in messages and "niet meer geldig" in messages
