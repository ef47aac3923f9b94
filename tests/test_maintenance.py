"""`flask herbereken`: stored search fields and identities follow today's folding after an upgrade."""

from datetime import date

from documents.participants import Participant
from services.maintenance import recompute_derived_fields
from tests.factories import InstitutionFactory, ParticipantFactory


def _stale(participant, **fields):
    """Write fields the way an older version of the app left them, bypassing clean()."""
    Participant._get_collection().update_one({"_id": participant.pk}, {"$set": fields, "$unset": {"identity_key": ""}})


def test_recompute_sets_identity_and_new_folding(app):
    school = InstitutionFactory()
    person = ParticipantFactory(
        institution=school, first_name="Ömer", infix=None, last_name="Yıldız", birth_date=date(2008, 5, 1)
    )
    _stale(person, search_tokens=["omer", "yıldız"], search_last="yıldız")

    result = recompute_derived_fields()

    raw = Participant._get_collection().find_one({"_id": person.pk})
    assert raw["search_tokens"] == ["omer", "yildiz"]
    assert raw["search_last"] == "yildiz"
    assert raw["identity_key"]
    assert raw["first_name"] == "Ömer"  # what people typed stays as typed
    assert result.updated["Participant"] >= 1
    assert not result.duplicates


def test_recompute_reports_duplicates_instead_of_failing(app):
    school = InstitutionFactory()
    first = ParticipantFactory(
        institution=school, first_name="Omer", infix=None, last_name="Yildiz", birth_date=date(2008, 5, 1)
    )
    second = ParticipantFactory(
        institution=school, first_name="Anna", infix=None, last_name="Smit", birth_date=date(2008, 5, 1)
    )
    # An older version let a second "Ömer Yıldız" in (its folding did not see the two as one person).
    _stale(second, first_name="Ömer", last_name="Yıldız")

    result = recompute_derived_fields()

    assert [d.pk for d in result.duplicates] == [second.pk]
    raw = Participant._get_collection().find_one({"_id": second.pk})
    assert "identity_key" not in raw  # left for a person to merge, never overwritten
    assert Participant._get_collection().find_one({"_id": first.pk})["identity_key"]


def test_anonymised_participants_are_left_alone(app):
    person = ParticipantFactory()
    Participant._get_collection().update_one({"_id": person.pk}, {"$unset": {"birth_date": "", "identity_key": ""}})

    result = recompute_derived_fields()

    assert "identity_key" not in Participant._get_collection().find_one({"_id": person.pk})
    assert not result.invalid


def test_command_names_duplicates_and_fails(app):
    school = InstitutionFactory()
    ParticipantFactory(
        institution=school, first_name="Omer", infix=None, last_name="Yildiz", birth_date=date(2008, 5, 1)
    )
    second = ParticipantFactory(
        institution=school, first_name="Anna", infix=None, last_name="Smit", birth_date=date(2008, 5, 1)
    )
    _stale(second, first_name="Ömer", last_name="Yıldız")

    outcome = app.test_cli_runner().invoke(args=["herbereken"])

    assert outcome.exit_code == 1
    assert "Dubbel: deelnemer" in outcome.output
    assert "01-05-2008" in outcome.output


def test_recompute_fills_the_search_words_of_requests_and_trainers(app):
    """Requests and trainers stored before their word search get it; a request whose company is gone is no problem."""
    from documents.companies import AccreditationRequest, Company, Trainer
    from services import accreditation_requests, placements
    from services.demo_companies import demo_crebos
    from tests.factories import UserFactory

    school = InstitutionFactory()
    staff = UserFactory(institution=school, role="school_staff")
    person = ParticipantFactory(institution=school, first_name="Zoë", infix=None, last_name="Øster")
    req = accreditation_requests.propose_company(
        staff, person, {"name": "Bakkerij Çağlar", "city": "Ede"}, demo_crebos()[0]
    )
    company = Company(company_id="100999001", name="Smørrebrød BV", city="Ede")
    company.save()
    trainer = placements.add_trainer_for_participant(
        staff, person, {"first_name": "Ülkü", "last_name": "Doğan"}, company=company
    )
    for cls, pk in ((AccreditationRequest, req.pk), (Trainer, trainer.pk)):
        cls._get_collection().update_one({"_id": pk}, {"$unset": {"search_tokens": ""}})
    AccreditationRequest._get_collection().update_one({"_id": req.pk}, {"$set": {"kind": "extend"}})  # clean() fails

    result = recompute_derived_fields()

    tokens = AccreditationRequest._get_collection().find_one({"_id": req.pk})["search_tokens"]
    assert {"bakkerij", "caglar", "zoe", "oster", demo_crebos()[0]} <= set(tokens)
    assert {"ulku", "dogan", "smorrebrod", "bv", "zoe", "oster"} <= set(
        Trainer._get_collection().find_one({"_id": trainer.pk})["search_tokens"]
    )
    assert result.updated["AccreditationRequest"] >= 1 and result.updated["Trainer"] >= 1
    assert not result.invalid


def test_recompute_repairs_company_names_left_behind_by_an_older_rename(app):
    from documents.companies import Company, Placement, Trainer
    from services import placements
    from services.maintenance import COMPANY_NAME_COPIES
    from tests.factories import UserFactory

    school = InstitutionFactory()
    staff = UserFactory(institution=school, role="school_staff")
    person = ParticipantFactory(institution=school, last_name="Verhuisd")
    company = Company(company_id="100999002", name="Oude Naam BV", city="Ede")
    company.save()
    trainer = placements.add_trainer_for_participant(
        staff, person, {"initials": "P.", "last_name": "Opleider"}, company=company
    )
    placements.create_placement(staff, person, company=company, trainer=trainer)
    # A rename stored the way the app did before copies followed it: the company alone.
    Company._get_collection().update_one({"_id": company.pk}, {"$set": {"name": "Nieuwe Naam BV"}})

    result = recompute_derived_fields()

    assert result.updated[COMPANY_NAME_COPIES] == 2  # the trainer and the placement
    assert Trainer.objects(pk=trainer.pk).get().company_name == "Nieuwe Naam BV"
    assert "nieuwe" in Trainer.objects(pk=trainer.pk).get().search_tokens
    assert Placement.objects(participant=person).get().company_name == "Nieuwe Naam BV"
    assert Participant.objects(pk=person.pk).get().overview["leerbedrijf"] == "Nieuwe Naam BV"
    assert recompute_derived_fields().updated[COMPANY_NAME_COPIES] == 0  # nothing left to repair
