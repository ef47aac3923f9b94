"""Issue 11, item 10: the data layer refuses every way to make a document final other than the finalize service.

Raw updates, modify, rename, pipelines, upserts and insert() of final documents are refused for statements and
begeleidingsdocumenten alike; unlinking a final document from a referenced one is accepted only from the delete
cascade of that referenced document.
"""

import uuid

import pytest
from bson import ObjectId

from documents.companies import Placement
from documents.finality import FinalDocumentError
from documents.guidance import GuidanceDocument, Selection
from documents.statements import PracticeStatement
from services.clock import utcnow
from services.statement_data import placement_of_participant
from tests.statement_helpers import participant_at, selection, user


def _participant():
    return participant_at(first_name=f"Finaal {uuid.uuid4().hex[:8]}")


def _concept(kind, participant=None):
    participant = participant or _participant()
    maker = user("mbo@school.example")
    common = {
        "institution": participant.institution,
        "participant": participant,
        "placement": placement_of_participant(participant),
        "created_by": maker,
        "created_by_name": maker.name,
    }
    if kind == "statement":
        return PracticeStatement(selections=[Selection(**selection())], bpv_hours=400, **common).save()
    return GuidanceDocument(selections=[Selection(**selection())], **common).save()


def _model(kind):
    return PracticeStatement if kind == "statement" else GuidanceDocument


def _final(kind, participant=None):
    concept = _concept(kind, participant)
    fields = {"finalized_at": utcnow()}
    if kind == "statement":
        fields["number"] = f"T-{uuid.uuid4().hex[:10]}"
    return _model(kind).objects.finalize_conditionally(concept.pk, **fields)


KINDS = ("statement", "guidance")


@pytest.mark.parametrize("kind", KINDS)
def test_no_update_writes_the_status_in_any_form(app, kind):
    model = _model(kind)
    concept = _concept(kind)
    attempts = [
        lambda: model.objects(pk=concept.pk).update(__raw__={"$set": {"status": "final"}}),
        lambda: model.objects(pk=concept.pk).update_one(__raw__={"$set": {"status": "final"}}),
        lambda: model.objects(pk=concept.pk).modify(__raw__={"$set": {"status": "final"}}),
        lambda: model.objects(pk=concept.pk).modify(new=True, __raw__={"$set": {"status": "final", "version": 9}}),
        lambda: concept.modify(__raw__={"$set": {"status": "final"}}),
        lambda: concept.update(__raw__={"$set": {"status": "final"}}),
        lambda: model.objects(pk=concept.pk).update(__raw__={"$unset": {"status": 1}}),
        lambda: model.objects(pk=concept.pk).update(
            __raw__={"$set": {"created_by_name": "final"}, "$rename": {"created_by_name": "status"}}
        ),
        lambda: model.objects(pk=concept.pk).update(__raw__=[{"$set": {"status": "final"}}]),
    ]
    for number, attempt in enumerate(attempts):
        with pytest.raises(FinalDocumentError, match="Afronden"):
            attempt()
        assert model.objects(pk=concept.pk).as_pymongo().get()["status"] == "concept", number
    # Ordinary raw updates of a concept still work.
    model.objects(pk=concept.pk).update(__raw__={"$set": {"created_by_name": "Iemand"}})
    assert model.objects(pk=concept.pk).get().created_by_name == "Iemand"


@pytest.mark.parametrize("kind", KINDS)
def test_no_upsert_creates_a_final_document(app, kind):
    model = _model(kind)
    concept = _concept(kind)
    new_id = ObjectId()
    with pytest.raises(FinalDocumentError):
        model.objects(pk=new_id, status="final", institution=concept.institution.pk).update_one(
            upsert=True, set__created_by_name="x"
        )
    with pytest.raises(FinalDocumentError):
        model.objects(pk=new_id, status="final").modify(upsert=True, new=True, set__created_by_name="x")
    assert model.objects(pk=new_id).count() == 0


@pytest.mark.parametrize("kind", KINDS)
def test_insert_takes_no_final_document(app, kind):
    model = _model(kind)
    concept = _concept(kind)
    common = {"institution": concept.institution, "participant": concept.participant}
    before = model.objects.count()
    with pytest.raises(FinalDocumentError):
        model.objects.insert(model(status="final", **common))
    with pytest.raises(FinalDocumentError):
        model.objects.insert([model(**common), model(status="final", **common)])
    assert model.objects.count() == before
    inserted = model.objects.insert(model(**common))
    assert inserted.status == "concept" and model.objects.count() == before + 1


@pytest.mark.parametrize("kind", KINDS)
def test_the_finalize_path_still_works_and_only_once(app, kind):
    final = _final(kind)
    assert final.status == "final"
    assert _model(kind).objects.finalize_conditionally(final.pk) is None


def test_a_final_document_is_not_unlinked_by_hand(app):
    participant = _participant()
    statement, guidance = _final("statement", participant), _final("guidance", participant)
    placement = placement_of_participant(participant)
    attempts = [
        lambda: PracticeStatement.objects(pk=statement.pk).update(unset__placement=True),
        lambda: PracticeStatement.objects(pk=statement.pk).update(unset__source_guidance=True),
        lambda: PracticeStatement.objects(pk=statement.pk).update(pull_all__branch_organisations=[]),
        # The same shape as the cascade's own update, but nothing is being deleted.
        lambda: PracticeStatement.objects(placement__in=Placement.objects(pk=placement.pk)).update(unset__placement=1),
        lambda: GuidanceDocument.objects(pk=guidance.pk).update(unset__placement=True),
        lambda: GuidanceDocument.objects(pk=guidance.pk).update(unset__created_by=True),
        lambda: GuidanceDocument.objects(placement__in=Placement.objects(pk=placement.pk)).update(unset__placement=1),
    ]
    for attempt in attempts:
        with pytest.raises(FinalDocumentError):
            attempt()
    assert PracticeStatement.objects(pk=statement.pk).as_pymongo().get()["placement"] == placement.pk
    stored = GuidanceDocument.objects(pk=guidance.pk).as_pymongo().get()
    assert stored["placement"] == placement.pk and stored["created_by"] == user("mbo@school.example").pk


def test_deleting_the_referenced_document_still_unlinks_final_documents(app):
    participant = _participant()
    statement, guidance = _final("statement", participant), _final("guidance", participant)
    before = PracticeStatement.objects(pk=statement.pk).as_pymongo().get()
    placement_of_participant(participant).delete()
    after = PracticeStatement.objects(pk=statement.pk).as_pymongo().get()
    assert "placement" not in after and after["status"] == "final"
    assert {k: v for k, v in before.items() if k != "placement"} == after
    assert "placement" not in GuidanceDocument.objects(pk=guidance.pk).as_pymongo().get()
    # A bulk delete through the queryset takes the same cascade.
    other = _participant()
    final = _final("statement", other)
    Placement.objects(participant=other).delete()
    assert "placement" not in PracticeStatement.objects(pk=final.pk).as_pymongo().get()
