"""The deelnemersoverzicht's stored view of steps 2-4 follows every change, and a page costs few queries."""

from datetime import date

from bench import dbops
from documents.companies import Company, Trainer
from documents.participants import Participant
from documents.statements import PracticeStatement
from documents.users import User
from services import participant_overview, participants, placements, statements


def _new_participant(user, last_name="Overzicht"):
    return participants.create_participant(
        user, {"first_name": "Tess", "last_name": last_name, "birth_date": date(2006, 2, 2)}
    )


def _fresh(participant):
    return Participant.objects.get(pk=participant.pk).overview


def test_placement_and_statement_changes_update_the_overview(app):
    user = User.objects.get(email="mbo@school.example")
    participant = _new_participant(user)
    assert not _fresh(participant).get("leerbedrijf")

    company = Company.objects(accreditations__0__exists=True).first()
    trainer = Trainer.objects(company=company).first()
    placements.create_placement(user, participant, company=company, trainer=trainer)
    assert _fresh(participant)["leerbedrijf"] == company.name

    statement = statements.create_concept(participant, user)
    assert _fresh(participant)["statement"] == "Concept"
    statements.delete_statement(PracticeStatement.objects.get(pk=statement.pk), user)
    assert _fresh(participant)["statement"] == ""


def test_finalizing_updates_the_overview(app):
    final = PracticeStatement.objects(status="final").first()
    pid = final.participant.pk
    Participant.objects(pk=pid).update_one(set__overview={})
    participant_overview.refresh([pid])
    assert Participant.objects.get(pk=pid).overview["statement"] in ("Definitief", "Concept")


def test_refresh_all_rebuilds_every_participant(app):
    Participant.objects.update(set__overview={})
    count = participant_overview.refresh_all()
    assert count == Participant.objects.count()
    assert Participant.objects(overview__leerbedrijf__ne="").count() > 0


def test_list_page_database_operations_do_not_depend_on_page_size(app, client, auth):
    auth.login("mbo@school.example")
    dbops.install()
    counts = []
    for size in (10, 50):
        client.get(f"/deelnemers/?page_size={size}")  # warm the per-process caches
        with dbops.counting() as counter:
            assert client.get(f"/deelnemers/?page_size={size}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert counts[1] <= 4, counter.commands


def test_new_group_appears_in_the_filter_at_once(app, client, auth):
    auth.login("mbo@school.example")
    user = User.objects.get(email="mbo@school.example")
    client.get("/deelnemers/")
    participants.create_participant(
        user, {"first_name": "Gijs", "last_name": "Groep", "birth_date": date(2005, 1, 1), "group": "Klas Nieuw-2027"}
    )
    assert "Klas Nieuw-2027" in client.get("/deelnemers/").get_data(as_text=True)
