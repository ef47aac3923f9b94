"""Service rules of step 1: create, duplicate check, optimistic locking, archive/restore, delete, search, scope."""

from datetime import date

import pytest

from documents.audit import AuditEvent
from documents.participants import Participant
from documents.users import User
from services import errors, registry
from services import participants as svc
from services.clock import local_today
from services.errors import NotFound
from services.errors import NotPermitted as Forbidden
from tests.factories import InstitutionFactory, ParticipantFactory, UserFactory


def user(email):
    return User.objects.get(email=email)


DATA = {
    "first_name": "Ayşe",
    "infix": "van der",
    "last_name": "Bürg",
    "birth_date": date(2007, 4, 1),
    "birth_place": "Tilburg",
    "group": "MZ3C",
}


def test_create_sets_school_author_and_search_fields(app):
    mbo = user("mbo@school.example")
    p = svc.create_participant(mbo, dict(DATA, institution="ignored"))
    p.reload()
    assert p.institution == mbo.institution
    assert p.created_by == "Marieke de Boer" and p.version == 1
    assert p.full_name == "Ayşe van der Bürg"
    assert set(p.search_tokens) == {"ayse", "van", "der", "burg"}
    assert AuditEvent.objects(action="create", object_id=str(p.pk)).count() == 1


@pytest.mark.parametrize(
    "changes, field, fragment",
    [
        ({"first_name": "  "}, "first_name", "Vul voornaam in"),
        ({"last_name": None}, "last_name", "Vul achternaam in"),
        ({"birth_date": None}, "birth_date", "Vul geboortedatum in"),
        ({"birth_date": date(2100, 1, 1)}, "birth_date", "verleden"),
        ({"birth_date": date(1890, 1, 1)}, "birth_date", "niet aannemelijk"),
        ({"birth_date": local_today().replace(year=local_today().year - 3)}, "birth_date", "niet aannemelijk"),
        ({"email": "geen-adres"}, "email", "geen geldig e-mailadres"),
        ({"group": "x" * 101}, "group", "te lang"),
    ],
)
def test_invalid_values_give_dutch_field_messages(app, changes, field, fragment):
    mbo = user("mbo@school.example")
    before = Participant.objects.count()
    with pytest.raises(svc.ParticipantError) as exc:
        svc.create_participant(mbo, {**DATA, **changes})
    assert fragment in exc.value.errors[field]
    assert Participant.objects.count() == before


def test_duplicate_same_school_refused_archived_included_other_school_allowed(app):
    mbo = user("mbo@school.example")
    first = svc.create_participant(mbo, DATA)
    svc.archive_participants(mbo, [first.pk])
    variant = dict(DATA, first_name="ayse", last_name="BURG", infix="Van  der")
    with pytest.raises(svc.DuplicateParticipantError) as exc:
        svc.create_participant(user("collega@school.example"), variant)
    assert exc.value.existing.pk == first.pk
    assert "bestaat al (in het archief)" in exc.value.message
    # Another school may register the same person.
    svc.create_participant(user("pro@school.example"), DATA)


def test_stale_form_refused_and_names_who_changed_it(app):
    mbo, colleague = user("mbo@school.example"), user("collega@school.example")
    p = svc.create_participant(mbo, DATA)
    mine = Participant.objects.get(pk=p.pk)
    theirs = Participant.objects.get(pk=p.pk)
    svc.update_participant(colleague, theirs, dict(DATA, group="Nieuwe groep"), expected_version=1)
    with pytest.raises(svc.StaleParticipantError) as exc:
        svc.update_participant(mbo, mine, dict(DATA, birth_place="Breda"), expected_version=1)
    assert "Kees van Dijk heeft deze deelnemer op" in exc.value.message
    fresh = Participant.objects.get(pk=p.pk)
    assert fresh.group == "Nieuwe groep" and fresh.birth_place == "Tilburg" and fresh.version == 2


def test_update_recomputes_search_fields_and_audits_changes(app):
    mbo = user("mbo@school.example")
    p = svc.create_participant(mbo, DATA)
    svc.update_participant(mbo, p, dict(DATA, infix=None, last_name="Çelik"), expected_version=p.version)
    fresh = Participant.objects.get(pk=p.pk)
    assert fresh.infix is None and fresh.search_last == "celik" and "celik" in fresh.search_tokens
    assert fresh.changed_by == "Marieke de Boer"
    event = AuditEvent.objects(action="update", object_id=str(p.pk)).first()
    assert "last_name" in event.changes


def test_update_into_duplicate_refused(app):
    mbo = user("mbo@school.example")
    svc.create_participant(mbo, DATA)
    other = svc.create_participant(mbo, dict(DATA, first_name="Bart"))
    with pytest.raises(svc.DuplicateParticipantError):
        svc.update_participant(mbo, other, DATA, expected_version=other.version)


@pytest.mark.parametrize("typed", ["de vries", "De Vries", "vries", "Vries", "VRIES", "jan", "jan de vr", "de"])
def test_search_finds_de_vries_every_way(app, typed):
    mbo = user("mbo@school.example")
    names = [p.full_name for p in svc.overview_query(mbo, q=typed)]
    assert "Jan de Vries" in names


def test_search_ignores_accents_and_is_anchored(app):
    mbo = user("mbo@school.example")
    assert [p.full_name for p in svc.overview_query(mbo, q="zoe")] == ["Zoë Bakker"]
    assert [p.full_name for p in svc.overview_query(mbo, q="omer")] == ["Ömer Yıldız"]
    assert list(svc.overview_query(mbo, q="ries")) == []  # prefix, not substring


def test_overview_scope_tabs_group_and_school_filter(app):
    mbo, admin = user("mbo@school.example"), user("beheerder@sbb.example")
    own = {p.institution.pk for p in svc.overview_query(mbo)}
    assert own == {mbo.institution.pk}
    archived = list(svc.overview_query(mbo, tab="archief"))
    assert archived and all(p.archived_at for p in archived)
    assert all(p.group == "MZ2A" for p in svc.overview_query(mbo, group="mz2a"))
    everything = svc.overview_query(admin)
    assert len({p.institution.pk for p in everything}) == 3
    pro = user("pro@school.example").institution
    assert {p.institution.pk for p in svc.overview_query(admin, school=str(pro.pk))} == {pro.pk}
    # A school user cannot widen the scope with the school filter.
    assert {p.institution.pk for p in svc.overview_query(mbo, school=str(pro.pk))} == {mbo.institution.pk}
    names = [p.sort_name for p in svc.overview_query(mbo)]
    assert names == sorted(names)


def test_get_participant_for_tenancy(app):
    mbo, pro, admin = user("mbo@school.example"), user("pro@school.example"), user("beheerder@sbb.example")
    other = Participant.objects(institution=pro.institution).first()
    assert svc.get_participant_for(pro, str(other.pk)) == other
    assert svc.get_participant_for(admin, str(other.pk)) == other
    for bad in (str(other.pk), "nonsense", "0" * 24, None):
        with pytest.raises(NotFound):
            svc.get_participant_for(mbo, bad)


def test_archive_restore_bulk_only_own_school(app):
    mbo, pro = user("mbo@school.example"), user("pro@school.example")
    own = [p.pk for p in svc.overview_query(mbo)[:3]]
    foreign = [p.pk for p in svc.overview_query(pro)[:2]]
    assert svc.archive_participants(mbo, own + foreign + ["kapot"]) == 3
    assert Participant.objects(pk__in=foreign, archived_at=None).count() == 2
    assert svc.archive_participants(mbo, own) == 0  # already archived
    assert svc.restore_participants(mbo, own) == 3
    assert Participant.objects(pk__in=own, archived_at=None).count() == 3
    assert AuditEvent.objects(action="archive").count() >= 3
    assert AuditEvent.objects(action="restore").count() >= 3


def test_sbb_advisor_is_read_only(app):
    advisor = user("adviseur@sbb.example")
    p = Participant.objects.first()
    with pytest.raises(Forbidden):
        svc.archive_participants(advisor, [p.pk])
    with pytest.raises(Forbidden):
        svc.delete_participant(advisor, p)
    with pytest.raises(Forbidden):
        svc.update_participant(advisor, p, DATA, p.version)


def test_delete_lists_dependents_deletes_and_audits(app, monkeypatch):
    mbo = user("mbo@school.example")
    p = svc.create_participant(mbo, DATA)
    monkeypatch.setattr(
        registry,
        "PARTICIPANT_DEPENDENTS",
        [lambda participant: [("begeleidingsdocumenten", 2), ("praktijkverklaringen", 1)]],
    )
    assert svc.dependents(p) == [("begeleidingsdocumenten", 2), ("praktijkverklaringen", 1)]
    svc.delete_participant(mbo, p)
    assert Participant.objects(pk=p.pk).count() == 0
    event = AuditEvent.objects(action="delete", object_type="Participant").first()
    assert event.object_label == "Ayşe van der Bürg"
    assert event.changes["meeverwijderd"] == {"begeleidingsdocumenten": 2, "praktijkverklaringen": 1}


def test_delete_other_school_is_404(app):
    mbo, pro = user("mbo@school.example"), user("pro@school.example")
    other = Participant.objects(institution=pro.institution).first()
    with pytest.raises(errors.NotFound):  # services.permissions.check_institution: a domain error now
        svc.delete_participant(mbo, other)
    assert Participant.objects(pk=other.pk).count() == 1


def test_factories_make_valid_participants(app):
    school = InstitutionFactory()
    staff = UserFactory(institution=school)
    made = ParticipantFactory.create_batch(5, institution=school)
    assert {p.institution.pk for p in made} == {staff.institution.pk}
    assert all(p.search_tokens for p in made)


def test_demo_data_has_forty_participants_with_archive(app):
    assert 35 <= Participant.objects.count() <= 45
    assert Participant.objects.archived().count() >= 5
    assert Participant.objects(infix__ne=None).count() >= 10
