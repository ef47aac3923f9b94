"""Companies, trainers, accreditation requests and stap 2: search, dates, the advisor flow, tenancy, pages."""

from datetime import date, timedelta

import pytest

from documents.companies import Accreditation, AccreditationRequest, Company, Placement, Trainer
from documents.participants import Participant
from documents.users import User
from services import accreditation_requests as req_service
from services import placements as placement_service
from services.clock import local_today
from services.companies import SearchError, build_query, search_companies
from services.demo_companies import demo_crebos
from services.qualifications import qualification_titles


def user(email):
    return User.objects(email=email).get()


@pytest.fixture
def mails(monkeypatch):
    sent = []
    from services import mail

    monkeypatch.setattr(mail, "send_mail", lambda to, subject, body: sent.append((to, subject, body)))
    return sent


def make_participant(school_email="mbo@school.example", **kw):
    owner = user(school_email)
    p = Participant(
        first_name=kw.get("first_name", "Noa"),
        last_name=kw.get("last_name", "Testers"),
        birth_date=date(2007, 5, 1),
        institution=owner.institution,
    )
    p.save()
    return p


# ---------------------------------------------------------------- documents


def test_company_id_must_be_nine_digits(app):
    for bad in ("12345678", "1234567890", "12345678a"):
        with pytest.raises(Exception) as exc:
            Company(company_id=bad, name="X").save()
        assert "9 cijfers" in str(exc.value)


def test_accreditation_dates(app):
    today = local_today()
    c = Company(
        company_id="999000001",
        name="Datumtest",
        accreditations=[
            Accreditation(crebo="11111", start=today - timedelta(days=10), end=today + timedelta(days=10)),
            Accreditation(crebo="22222", start=today + timedelta(days=5)),
            Accreditation(crebo="33333", start=today - timedelta(days=100), end=today - timedelta(days=1)),
        ],
    )
    c.save()
    assert c.is_accredited_for("11111", today)
    assert c.is_accredited_for("11111", today + timedelta(days=10))  # end date inclusive
    assert not c.is_accredited_for("11111", today + timedelta(days=11))
    assert not c.is_accredited_for("22222", today)
    assert c.is_accredited_for("22222", today + timedelta(days=5))
    assert not c.is_accredited_for("33333", today)
    assert not c.is_accredited_for("44444", today)
    with pytest.raises(Exception) as exc:
        Company(
            company_id="999000002",
            name="X",
            accreditations=[Accreditation(crebo="11111", start=today, end=today - timedelta(days=1))],
        ).save()
    assert "vóór de begindatum" in str(exc.value)


def test_demo_data(app):
    assert Company.objects.count() >= 30
    ended = Company.objects(company_id="100200314").get()
    assert ended.accreditations and not ended.is_accredited
    logo = Company.objects(company_id="100200301").get()
    assert logo.logo[:8] == b"\x89PNG\r\n\x1a\n"
    assert Trainer.objects(company=logo, source="sbb").count() >= 2
    assert AccreditationRequest.objects(status__in=("submitted", "in_progress")).count() == 2


# ---------------------------------------------------------------- search


def test_search_ignores_case_and_accents(app):
    assert [c.name for c in search_companies("celik").items] == ["Schildersbedrijf Çelik"]
    assert [c.name for c in search_companies("ÇELİK".replace("İ", "I")).items] == ["Schildersbedrijf Çelik"]
    assert [c.name for c in search_companies("öztürk").items] == ["Bouwbedrijf Hendriks-Öztürk"]
    assert [c.name for c in search_companies("ozturk").items] == ["Bouwbedrijf Hendriks-Öztürk"]
    assert "Zorgcentrum De Wâlden" in [c.name for c in search_companies("walden").items]


def test_search_by_word_prefix_and_whole_name(app):
    names = [c.name for c in search_companies("bakkerij de gou").items]
    assert names == ["Bakkerij De Gouden Korenaar"]
    assert [c.name for c in search_companies("Gouden Kor").items] == ["Bakkerij De Gouden Korenaar"]
    assert search_companies("gouden zwaan").total == 0  # every word must match


def test_search_by_company_id_exact_and_prefix(app):
    result = search_companies("100200305")
    assert [c.company_id for c in result.items] == ["100200305"]
    assert search_companies("1002003").total == 30
    assert search_companies("100 200 305").items[0].company_id == "100200305"
    with pytest.raises(SearchError):
        search_companies("1002003050")


def test_search_by_city(app):
    names = sorted(c.name for c in search_companies(city="den helder").items)
    assert names == ["Groothandel Noordhoek Logistiek", "Woonzorg Het Baken"]
    assert [c.name for c in search_companies("woonzorg", city="Den Helder").items] == ["Woonzorg Het Baken"]
    assert search_companies("woonzorg", city="Utrecht").total == 0
    assert "'s-Hertogenbosch" in [c.city for c in search_companies(city="'s-hert").items]


def test_search_pagination(app):
    first = search_companies("1002003", page=1, page_size=7)
    assert first.total == 30 and first.pages == 5 and len(first.items) == 7
    last = search_companies("1002003", page=5, page_size=7)
    assert len(last.items) == 2
    seen = [c.company_id for p in range(1, 6) for c in search_companies("1002003", page=p, page_size=7).items]
    assert len(seen) == len(set(seen)) == 30
    assert search_companies("1002003", page=99, page_size=7).page == 5


def test_search_needs_two_letters_and_uses_anchored_regexes(app):
    with pytest.raises(SearchError):
        search_companies("b")
    assert build_query("", "") is None
    query = build_query("Bakkerij Gouden", "Bilt")
    text = repr(query)
    assert "$text" not in text
    # The indexed fields are searched with anchored prefixes.
    assert "'^bakkerij gouden'" in text and "'^bakkerij'" in text and "'^bilt'" in text


def test_search_makes_two_database_operations_whatever_the_page_size(app):
    from bench import dbops

    dbops.install()
    for size in (5, 20, 100):
        with dbops.counting() as counter:
            result = search_companies("1002003", page=2, page_size=size)
            _ = [c.name for c in result.items]
        assert counter.count <= 2, counter.commands
    with dbops.counting() as counter:
        qualification_titles({a.crebo for c in result.items for a in c.accreditations})
    assert counter.count <= 1


def test_search_does_not_load_logos(app):
    item = search_companies("100200301").items[0]
    assert item.logo is None  # left out by only(): result pages stay small


# ---------------------------------------------------------------- placements and trainers


def test_placement_current_is_latest_and_school_trainer_is_for_one_participant(app):
    staff = user("mbo@school.example")
    p1, p2 = make_participant(), make_participant(first_name="Sem")
    bakery = Company.objects(company_id="100200301").get()
    garage = Company.objects(company_id="100200303").get()
    registered = Trainer.objects(company=bakery, source="sbb").first()
    placement_service.create_placement(staff, p1, company=garage)
    placement_service.create_placement(staff, p1, company=bakery, trainer=registered)
    assert placement_service.current_placement(p1).company_name == bakery.name
    names = placement_service.current_company_names([p1.pk, p2.pk])
    assert names[p1.pk] == bakery.name and p2.pk not in names

    own = placement_service.add_trainer_for_participant(
        staff, p1, {"initials": "K.", "last_name": "Eigen"}, company=bakery
    )
    assert own.source == "school" and own.review_status == "open"
    from services.companies import trainers_for

    assert own in trainers_for(company=bakery, participant=p1)
    assert own not in trainers_for(company=bakery, participant=p2)
    with pytest.raises(placement_service.PlacementError):
        placement_service.create_placement(staff, p2, company=bakery, trainer=own)
    with pytest.raises(placement_service.PlacementError):  # a trainer of another company
        placement_service.create_placement(staff, p1, company=garage, trainer=registered)


def test_trainer_needs_a_name(app):
    staff = user("mbo@school.example")
    p = make_participant()
    bakery = Company.objects(company_id="100200301").get()
    with pytest.raises(placement_service.PlacementError) as exc:
        placement_service.add_trainer_for_participant(staff, p, {"initials": "K."}, company=bakery)
    assert "achternaam" in str(exc.value)
    assert Trainer.objects(participant=p).count() == 0


def test_deleting_participant_deletes_placements_and_own_trainers(app):
    staff = user("mbo@school.example")
    p = make_participant()
    bakery = Company.objects(company_id="100200301").get()
    t = placement_service.add_trainer_for_participant(
        staff, p, {"initials": "K.", "last_name": "Eigen"}, company=bakery
    )
    placement = placement_service.create_placement(staff, p, company=bakery, trainer=t)
    others = Placement.objects(participant__ne=p).count()
    p.delete()
    assert Placement.objects(pk=placement.pk).count() == 0
    assert Placement.objects.count() == others
    assert Trainer.objects(pk=t.pk).count() == 0


# ---------------------------------------------------------------- the advisor flow


def test_propose_grant_creates_company_points_placement_and_mails(app, mails):
    c1, c2 = demo_crebos()[:2]
    staff = user("mbo@school.example")
    advisor = user("adviseur@sbb.example")
    p = make_participant()
    req = req_service.propose_company(
        staff,
        p,
        {"name": "Visserij Het Anker", "city": "Urk", "postcode": "8321ab"},
        f"{c2}, {c1}",
        "Stageadres van de deelnemer",
    )
    assert req.status == "submitted" and req.crebos == sorted([c1, c2])
    trainer = placement_service.add_trainer_for_participant(
        staff, p, {"first_name": "Klaas", "last_name": "Post"}, request=req
    )
    placement = placement_service.create_placement(staff, p, request=req, trainer=trainer)
    assert placement.is_pending
    assert "erkenning aangevraagd" in Participant.objects.get(pk=p.pk).overview["leerbedrijf"]

    req_service.change_request_status(advisor, req, "in_progress", "Ik bel het bedrijf.")
    assert req.status == "in_progress" and req.advisor == advisor
    assert mails[-1][0] == "mbo@school.example" and "In behandeling" in mails[-1][2]

    with pytest.raises(req_service.RequestError):  # the new company needs its leerbedrijf-ID
        req_service.grant_request(advisor, req, start=local_today())
    assert Company.objects(name="Visserij Het Anker").count() == 0

    company = req_service.grant_request(advisor, req, start=local_today(), company_id="555000111", note="Akkoord")
    req.reload()
    assert req.status == "granted" and req.company == company and req.decided_at
    assert company.company_id == "555000111" and company.postcode == "8321 AB"
    assert company.is_accredited_for(c1) and company.is_accredited_for(c2)
    placement.reload()
    assert placement.company == company and not placement.is_pending
    # The overview column follows the grant, although it re-points placements in one bulk update.
    assert Participant.objects.get(pk=p.pk).overview["leerbedrijf"] == "Visserij Het Anker"
    trainer.reload()
    assert trainer.company == company
    assert "Toegekend" in mails[-1][2] and "Akkoord" in mails[-1][2]
    with pytest.raises(req_service.RequestError):
        req_service.grant_request(advisor, req)


def test_extend_existing_accreditation(app, mails):
    staff = user("mbo@school.example")
    advisor = user("adviseur@sbb.example")
    ended = Company.objects(company_id="100200314").get()
    crebo = ended.accreditations[0].crebo
    assert not ended.is_accredited_for(crebo)
    req = req_service.request_extension(staff, ended, [crebo], participant=make_participant())
    req_service.grant_request(advisor, req, start=local_today())
    ended.reload()
    assert ended.is_accredited_for(crebo)
    assert len(mails) == 1


def test_reject_needs_a_reason_and_mails_it(app, mails):
    staff = user("mbo@school.example")
    advisor = user("adviseur@sbb.example")
    req = req_service.propose_company(
        staff, make_participant(), {"name": "Nep B.V.", "city": "Zeist"}, demo_crebos()[0]
    )
    with pytest.raises(req_service.RequestError) as exc:
        req_service.change_request_status(advisor, req, "rejected", "")
    assert "reden" in str(exc.value)
    req.reload()
    assert req.status == "submitted" and not mails
    req_service.change_request_status(advisor, req, "rejected", "Bedrijf bestaat niet meer.")
    assert req.status == "rejected"
    assert "Afgewezen" in mails[-1][1].capitalize() or "afgewezen" in mails[-1][1]
    assert "Bedrijf bestaat niet meer." in mails[-1][2]
    with pytest.raises(req_service.RequestError):
        req_service.grant_request(advisor, req)


def test_bad_request_input_gets_dutch_message_and_writes_nothing(app):
    staff = user("mbo@school.example")
    p = make_participant()
    before = AccreditationRequest.objects.count()
    good = demo_crebos()[0]
    for data, crebos, words in (
        ({"name": "", "city": "Ede"}, good, "naam"),
        ({"name": "X", "city": ""}, good, "plaats"),
        ({"name": "X", "city": "Ede"}, "2518", "crebonummer"),
        ({"name": "X", "city": "Ede"}, "", "crebonummer"),
        ({"name": "X", "city": "Ede", "email": "geen-mail"}, good, "e-mailadres"),
    ):
        with pytest.raises(req_service.RequestError) as exc:
            req_service.propose_company(staff, p, data, crebos)
        assert words in str(exc.value).lower()
    assert AccreditationRequest.objects.count() == before


def test_unknown_crebo_is_refused_when_the_structure_is_there(app):
    from documents.qualifications import Qualification

    if not Qualification.objects.count():
        pytest.skip("Geen kwalificatiestructuur in de demodata.")
    staff = user("mbo@school.example")
    with pytest.raises(req_service.RequestError) as exc:
        req_service.propose_company(staff, make_participant(), {"name": "X", "city": "Ede"}, "12345")
    assert "Onbekend crebonummer: 12345" in str(exc.value)


def test_only_advisors_decide(app):
    from services.errors import NotPermitted as Forbidden

    staff = user("mbo@school.example")
    req = AccreditationRequest.objects(status="submitted").first()
    with pytest.raises(Forbidden):
        req_service.change_request_status(staff, req, "in_progress", "")
    with pytest.raises(Forbidden):
        req_service.grant_request(staff, req, company_id="555000222")


def test_review_school_trainer_registers_it(app):
    staff = user("mbo@school.example")
    advisor = user("adviseur@sbb.example")
    p1, p2 = make_participant(), make_participant(first_name="Sem")
    bakery = Company.objects(company_id="100200301").get()
    t = placement_service.add_trainer_for_participant(
        staff, p1, {"initials": "K.", "last_name": "Eigen"}, company=bakery
    )
    with pytest.raises(req_service.RequestError):
        req_service.review_trainer(advisor, t, "rejected", "")
    req_service.review_trainer(advisor, t, "approved", "Gebeld, klopt.")
    from services.companies import trainers_for

    assert t in trainers_for(company=bakery, participant=p2)


def test_qualification_titles_degrade_gracefully(app):
    titles = qualification_titles(["00000"])
    assert titles == {}


def test_new_trainer_is_not_kept_when_the_placement_fails(app):
    from datetime import date as _date

    from documents.companies import Company, Trainer
    from documents.users import User
    from services import participants as participant_service
    from services import placements

    user = User.objects.get(email="mbo@school.example")
    participant = participant_service.create_participant(
        user, {"first_name": "Rik", "last_name": "Rollback", "birth_date": _date(2006, 6, 6)}
    )
    company = Company.objects.first()
    before = Trainer.objects.count()
    with pytest.raises(placements.PlacementError):
        placements.place_with_new_trainer(
            user,
            participant,
            {"last_name": "Nieuw", "first_name": "Nina"},
            company=company,
            start=_date(2026, 9, 1),
            end=_date(2026, 1, 1),
        )
    assert Trainer.objects.count() == before


def test_new_trainer_is_removed_when_saving_the_placement_fails(app, monkeypatch):
    from datetime import date as _date

    from documents.companies import Company, Trainer
    from documents.users import User
    from services import participants as participant_service
    from services import placements

    user = User.objects.get(email="mbo@school.example")
    participant = participant_service.create_participant(
        user, {"first_name": "Rik", "last_name": "Terugdraai", "birth_date": _date(2006, 6, 7)}
    )

    def failing_placement(*args, **kwargs):
        raise placements.PlacementError("kan niet")

    monkeypatch.setattr(placements, "create_placement", failing_placement)
    before = Trainer.objects.count()
    with pytest.raises(placements.PlacementError):
        placements.place_with_new_trainer(
            user, participant, {"last_name": "Nieuw", "first_name": "Nina"}, company=Company.objects.first()
        )
    assert Trainer.objects.count() == before


# ---------------------------------------------------------------- the name's copies follow a rename


def _copies_of_the_name(company):
    """Every stored copy of the company's name, with the word search of the two queues."""
    return {
        "requests": {r.company_name for r in AccreditationRequest.objects(company=company)},
        "trainers": {t.company_name for t in Trainer.objects(company=company)},
        "placements": {p.company_name for p in Placement.objects(company=company)},
        "overview": {p.overview.get("leerbedrijf") for p in Participant.objects(last_name="Hernoemd")},
        "found": (
            AccreditationRequest.objects(search_tokens="korenbloem").count(),
            Trainer.objects(search_tokens="korenbloem").count(),
        ),
    }


def test_a_rename_in_the_register_reaches_every_copy_of_the_name(app):
    staff = user("mbo@school.example")
    bakery = Company.objects(company_id="100200301").get()
    participant = make_participant(last_name="Hernoemd")
    placement_service.create_placement(
        staff, participant, company=bakery, trainer=Trainer.objects(company=bakery, source="sbb").first()
    )
    req_service.request_extension(staff, bakery, [demo_crebos()[0]], participant=participant)
    assert _copies_of_the_name(bakery)["found"] == (0, 0)

    bakery.name = "Bakkerij De Korenbloem"
    bakery.save()

    copies = _copies_of_the_name(bakery)
    assert copies["requests"] == copies["trainers"] == copies["placements"] == {"Bakkerij De Korenbloem"}
    assert copies["overview"] == {"Bakkerij De Korenbloem"}
    assert copies["found"] == (1, Trainer.objects(company=bakery).count())
    # A save that leaves the name alone writes no copy.
    AccreditationRequest.objects(company=bakery).update(set__company_name="Oud")
    bakery.city = "Ede"
    bakery.save()
    assert {r.company_name for r in AccreditationRequest.objects(company=bakery)} == {"Oud"}


def test_a_grant_to_a_registered_company_gives_the_proposal_its_register_name(app, mails):
    """Proposed as "Bakkerij Om De Hoek", it is the registered bakery: request, trainer and placement take its name."""
    staff, advisor = user("mbo@school.example"), user("adviseur@sbb.example")
    bakery = Company.objects(company_id="100200301").get()
    participant = make_participant(last_name="Hernoemd")
    req = req_service.propose_company(
        staff, participant, {"name": "Bakkerij Om De Hoek", "city": "Ede"}, demo_crebos()[0]
    )
    trainer = placement_service.add_trainer_for_participant(
        staff, participant, {"initials": "K.", "last_name": "Bakker"}, request=req
    )
    placement_service.create_placement(staff, participant, request=req, trainer=trainer)
    assert AccreditationRequest.objects(search_tokens="hoek").count() == 1

    req_service.grant_request(advisor, req, company_id=bakery.company_id)

    copies = _copies_of_the_name(bakery)
    assert copies["requests"] == copies["trainers"] == copies["placements"] == copies["overview"] == {bakery.name}
    assert not AccreditationRequest.objects(search_tokens="hoek") and not Trainer.objects(search_tokens="hoek")
    word = bakery.search_words[-1]
    assert AccreditationRequest.objects(pk=req.pk, search_tokens=word).count() == 1
