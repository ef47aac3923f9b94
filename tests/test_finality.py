"""Final means final at the data layer: save, queryset updates and modify all refuse a final document."""

from datetime import date

import pytest

from documents.finality import FinalDocumentError
from documents.guidance import GuidanceDocument, Selection
from documents.institutions import Institution
from documents.participants import Participant


@pytest.fixture
def concept(app):
    school = Institution.objects(brin="25DM").get()
    participant = Participant(
        first_name="Eva", last_name="Jansen", birth_date=date(2006, 5, 1), institution=school
    ).save()
    return GuidanceDocument(
        institution=school, participant=participant, selections=[Selection(crebo="25498", codes=["B1-K1-W1"])]
    ).save()


def test_concept_can_be_changed(concept):
    concept.selections[0].codes.append("B1-K1-W2")
    concept.save()
    assert GuidanceDocument.objects.get(pk=concept.pk).werkproces_count == 2


def test_finalize_is_atomic_and_only_once(concept):
    first = GuidanceDocument.objects.finalize_conditionally(concept.pk, finalized_by_name="Tester")
    assert first is not None and first.status == "final"
    assert GuidanceDocument.objects.finalize_conditionally(concept.pk) is None


def test_save_of_a_final_document_is_refused(concept):
    GuidanceDocument.objects.finalize_conditionally(concept.pk)
    stale = concept  # an object loaded while it was a concept
    stale.selections[0].codes = ["B1-K1-W9"]
    with pytest.raises(FinalDocumentError):
        stale.save()
    fresh = GuidanceDocument.objects.get(pk=concept.pk)
    fresh.snapshot = {"x": 1}
    with pytest.raises(FinalDocumentError):
        fresh.save()
    assert GuidanceDocument.objects.get(pk=concept.pk).selections[0].codes == ["B1-K1-W1"]


def test_queryset_updates_of_a_final_document_are_refused(concept):
    GuidanceDocument.objects.finalize_conditionally(concept.pk)
    with pytest.raises(FinalDocumentError):
        GuidanceDocument.objects(pk=concept.pk).update(set__snapshot={"x": 1})
    with pytest.raises(FinalDocumentError):
        GuidanceDocument.objects(pk=concept.pk).update_one(set__status="concept")
    with pytest.raises(FinalDocumentError):
        GuidanceDocument.objects(pk=concept.pk).modify(set__status="concept")
    with pytest.raises(FinalDocumentError):
        concept.update(set__status="concept")
    assert GuidanceDocument.objects.get(pk=concept.pk).status == "final"


def test_a_document_cannot_be_created_final(app, concept):
    doc = GuidanceDocument(institution=concept.institution, participant=concept.participant, status="final")
    with pytest.raises(FinalDocumentError):
        doc.save()


def test_an_update_cannot_make_a_concept_final_unchecked(concept):
    for attempt in (
        lambda: GuidanceDocument.objects(pk=concept.pk).update(set__status="final"),
        lambda: GuidanceDocument.objects(pk=concept.pk).update_one(set__status="final"),
        lambda: GuidanceDocument.objects(pk=concept.pk).modify(set__status="final"),
        lambda: concept.update(set__status="final"),
    ):
        with pytest.raises(FinalDocumentError):
            attempt()
    assert GuidanceDocument.objects.get(pk=concept.pk).status == "concept"
