"""The rules the step pages (stap 1, 3, 4 and the access requests) hand to services instead of parsing themselves."""

from datetime import date
from types import SimpleNamespace

import pytest

from documents.companies import Company
from documents.finality import FINAL
from services import access
from services import guidance as guidance_svc
from services import participants as participant_svc
from services import statements as svc
from services.errors import NotFound, NotPermitted
from services.placements import current_placement
from tests.statement_helpers import (
    ENDED,
    final_statement,
    participant_at,
    qualification,
    ready_concept,
    selection,
    user,
)

# --- stap 4: onderwijsvorm and the werkprocessen as the form posts them ----------------------------------------


@pytest.mark.parametrize("blank", [None, ""])
def test_a_blank_onderwijsvorm_is_refused_with_the_steps_message(app, blank):
    maker = user("mbo@school.example")
    statement = svc.create_concept(participant_at(), maker)
    with pytest.raises(svc.StatementError) as exc:
        svc.update_concept(statement, maker, education_form=blank)
    assert exc.value.problems == ["Kies de onderwijsvorm die past bij de deelnemer."]


def test_ticked_selections_keep_gedrag_only_for_werkprocessen_still_ticked(app):
    chosen = selection(count=3)
    chosen["behaviour_codes"] = chosen["codes"][:2]
    statement = ready_concept(selections=[chosen])
    first, second, third = chosen["codes"]
    result = svc.ticked_selections(statement, {"90101": [second, third]})
    assert result == [
        {
            "crebo": "90101",
            "qualification_id": chosen["qualification_id"],
            "codes": [second, third],
            "behaviour_codes": [second],
        }
    ]
    # A kwalificatie the form sent nothing for has no werkprocessen ticked (it stays on the statement).
    assert svc.ticked_selections(statement, {})[0]["codes"] == []


def test_adding_a_kwalificatie_appends_it_empty_and_refuses_none_or_a_repeat(app):
    statement = ready_concept(selections=[selection("90101")])
    selections = svc.ticked_selections(statement, {"90101": selection("90101")["codes"]})
    other = qualification("90102")
    added = svc.with_qualification(selections, other)
    assert [s["crebo"] for s in added] == ["90101", "90102"]
    assert added[1] == {"crebo": "90102", "qualification_id": str(other.pk), "codes": [], "behaviour_codes": []}
    with pytest.raises(svc.StatementError, match="^Kies een kwalificatie om toe te voegen.$"):
        svc.with_qualification(selections, None)
    with pytest.raises(svc.StatementError, match="^Kwalificatie 90101 staat al op de verklaring.$"):
        svc.with_qualification(selections, qualification("90101"))


def test_participant_guidance_finds_only_a_document_of_this_participant(app):
    maker = user("mbo@school.example")
    statement = ready_concept()
    own = guidance_svc.create_concept(statement.participant, maker, [selection()])
    other = guidance_svc.create_concept(participant_at(first_name="Anders"), maker, [selection()])
    assert svc.participant_guidance(statement, str(own.pk)) == own
    assert svc.participant_guidance(statement, str(other.pk)) is None
    assert svc.participant_guidance(statement, "geen-id") is None
    assert svc.participant_guidance(statement, None) is None


def test_statement_counts_latest_status_and_panel_list(app):
    final = final_statement()
    participant = final.participant
    concept = svc.create_concept(participant, user("mbo@school.example"))
    assert svc.counts(participant) == (2, 1)
    # The newest statement is the concept: the overview column shows its status.
    assert svc.latest_status([participant.pk]) == {participant.pk: "Concept"}
    assert svc.latest_status([]) == {}
    listed = svc.panel_statements(participant)
    assert [s.pk for s in listed] == [concept.pk, final.pk]
    assert listed[1].status == FINAL


# --- stap 3: the accreditation state of a kwalificatie on the compose page -------------------------------------


def test_accreditation_state_of_a_kwalificatie(app):
    from services.accreditation_requests import request_extension

    assert guidance_svc.accreditation_state(None, "90101") is None
    assert guidance_svc.accreditation_state(SimpleNamespace(company=None), "90101") == "pending"
    assert guidance_svc.accreditation_state(current_placement(participant_at()), "90101") == "ok"
    company = Company.objects(company_id=ENDED).get()
    placement = SimpleNamespace(company=company)
    assert guidance_svc.accreditation_state(placement, "90101") == "missing"
    request_extension(user("mbo@school.example"), company, ["90101"], participant=participant_at(ENDED))
    assert guidance_svc.accreditation_state(placement, "90101") == "requested"


# --- stap 1: the typed date of birth -----------------------------------------------------------------------------


def _typed(birth_date):
    return {"first_name": "Sem", "last_name": "de Vries", "birth_date": birth_date}


def test_a_typed_date_of_birth_is_read_by_the_service():
    assert participant_svc.clean_values(_typed(" 01-04-2006 "))["birth_date"] == date(2006, 4, 1)


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_a_blank_date_of_birth_is_asked_for_not_called_invalid(blank):
    with pytest.raises(participant_svc.ParticipantError) as exc:
        participant_svc.clean_values(_typed(blank))
    assert exc.value.errors == {"birth_date": "Vul geboortedatum in."}


def test_a_wrong_date_of_birth_gets_the_date_parsers_message():
    with pytest.raises(participant_svc.ParticipantError) as exc:
        participant_svc.clean_values(_typed("31-02-2006"))
    assert exc.value.errors["birth_date"].startswith("Geboortedatum: 31-02-2006 bestaat niet")


# --- access requests: who opens one to decide ----------------------------------------------------------------


def test_only_a_decider_opens_an_access_request_and_a_bad_id_is_not_found(app):
    with pytest.raises(NotPermitted):
        access.request_to_decide(user("mbo@school.example"), "000000000000000000000000")
    admin = user("beheerder@sbb.example")
    for bad in ("000000000000000000000000", "geen-id", None):
        with pytest.raises(NotFound):
            access.request_to_decide(admin, bad)
