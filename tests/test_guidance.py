"""Begeleidingsdocument services: compose, validation, immutability, snapshot, tenancy, PDF content, filled copy."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from documents.companies import AccreditationRequest, Company, Trainer
from documents.finality import FinalDocumentError
from documents.guidance import FilledCopy, GuidanceDocument, Selection
from documents.institutions import Institution
from documents.participants import Participant
from documents.users import User
from services import guidance as svc
from services.placements import create_placement
from services.qualifications import get_by_crebo


def wp_codes(crebo):
    return [wp.code for wp in get_by_crebo(crebo).work_processes()]


@pytest.fixture
def staff(app):
    return User.objects(email="mbo@school.example").get()


@pytest.fixture
def company(app):
    return Company.objects(company_id="100200301").get()


@pytest.fixture
def participant(app, staff, company):
    school = Institution.objects(brin="25DM").get()
    p = Participant(
        first_name="Eva", last_name="Jansen", birth_date=date(2006, 5, 1), group="MZ2A", institution=school
    ).save()
    trainer = Trainer.objects(company=company, source="sbb").first()
    create_placement(staff, p, company=company, trainer=trainer)
    return p


def selection(crebo="90101", n=3, behaviour=1):
    codes = wp_codes(crebo)[:n]
    return {"crebo": crebo, "codes": codes, "behaviour_codes": codes[:behaviour]}


def test_create_concept_keeps_snapshot_and_audit(participant, staff, company):
    doc = svc.create_concept(participant, staff, [selection()])
    assert doc.status == "concept"
    assert doc.snapshot["participant"]["full_name"] == "Eva Jansen"
    assert doc.snapshot["company"]["company_id"] == company.company_id
    assert doc.snapshot["trainer"]["name"]
    wps = doc.snapshot["qualifications"][0]["core_tasks"][0]["work_processes"]
    assert [w["show_behaviour"] for w in wps][:2] == [True, False]
    from documents.audit import AuditEvent

    assert AuditEvent.objects(object_id=str(doc.pk), action="create").count() == 1


def test_bad_selections_get_dutch_messages(participant, staff):
    with pytest.raises(svc.GuidanceError, match="ten minste één werkproces"):
        svc.create_concept(participant, staff, [{"crebo": "90101", "codes": []}])
    with pytest.raises(svc.GuidanceError, match="hoort niet bij kwalificatie"):
        svc.create_concept(participant, staff, [{"crebo": "90101", "codes": ["X9-K9-W9"]}])
    with pytest.raises(svc.GuidanceError, match="bestaat niet"):
        svc.create_concept(participant, staff, [{"crebo": "12345", "codes": ["B1-K1-W1"]}])
    with pytest.raises(svc.GuidanceError, match="twee keer"):
        svc.create_concept(participant, staff, [selection(), selection()])
    assert GuidanceDocument.objects(participant=participant).count() == 0


def test_behaviour_only_for_chosen_work_processes(participant, staff):
    codes = wp_codes("90101")
    doc = svc.create_concept(participant, staff, [{"crebo": "90101", "codes": codes[:1], "behaviour_codes": codes[:3]}])
    assert doc.selections[0].behaviour_codes == codes[:1]


def test_without_placement_step_2_first(app, staff):
    school = Institution.objects(brin="25DM").get()
    p = Participant(first_name="Zonder", last_name="Stage", birth_date=date(2006, 1, 1), institution=school).save()
    with pytest.raises(svc.GuidanceError, match="stap 2"):
        svc.create_concept(p, staff, [selection()])


def test_final_is_immutable_through_every_path(participant, staff):
    doc = svc.create_concept(participant, staff, [selection()])
    final = svc.finalize(doc, staff)
    assert final.status == "final" and final.finalized_by_name == staff.name
    with pytest.raises(svc.GuidanceError, match="al afgerond"):
        svc.finalize(doc, staff)
    with pytest.raises(FinalDocumentError):
        svc.update_concept(final, staff, [selection(n=1)])
    with pytest.raises(FinalDocumentError):  # a stale concept object loaded before afronden
        svc.update_concept(doc, staff, [selection(n=1)])
    with pytest.raises(FinalDocumentError):
        svc.delete_concept(final, staff)
    with pytest.raises(FinalDocumentError):
        svc.delete_concept(doc, staff)
    doc.selections = [Selection(crebo="90101", codes=["x"])]
    with pytest.raises(FinalDocumentError):
        doc.save()
    with pytest.raises(FinalDocumentError):
        GuidanceDocument.objects(pk=doc.pk).update(set__snapshot={})
    stored = GuidanceDocument.objects.get(pk=doc.pk)
    assert stored.status == "final" and stored.werkproces_count == 3


def test_update_and_delete_concept(participant, staff):
    doc = svc.create_concept(participant, staff, [selection()])
    updated = svc.update_concept(doc, staff, [selection(n=5), selection("90102", n=2)], expected_version=doc.version)
    assert updated.werkproces_count == 7 and len(updated.snapshot["qualifications"]) == 2
    with pytest.raises(svc.GuidanceError, match="intussen gewijzigd"):
        svc.update_concept(doc, staff, [selection()], expected_version=doc.version)
    svc.delete_concept(updated, staff)
    assert GuidanceDocument.objects(pk=doc.pk).count() == 0


def test_trainer_change_keeps_old_document_and_copy_uses_new(participant, staff, company):
    doc = svc.create_concept(participant, staff, [selection()])
    doc = svc.finalize(doc, staff)
    old_name = doc.snapshot["trainer"]["name"]
    new_trainer = Trainer(
        company=company, source="sbb", first_name="Nieuwe", last_name="Opleider", function="Chef"
    ).save()
    placement = create_placement(staff, participant, company=company, trainer=new_trainer)
    doc.reload()
    assert doc.snapshot["trainer"]["name"] == old_name
    assert old_name in "".join(PdfReader(io.BytesIO(svc.pdf(doc))).pages[0].extract_text().split("\n"))
    assert svc.trainer_changed(doc, placement)
    copy = svc.copy_as_new(doc, staff)
    assert copy.snapshot["trainer"]["name"] == "Nieuwe Opleider"
    assert [s.codes for s in copy.selections] == [s.codes for s in doc.selections]
    assert not svc.trainer_changed(copy, placement)


def test_registry_edit_later_does_not_change_snapshot(participant, staff, company):
    doc = svc.create_concept(participant, staff, [selection()])
    company.name = "Hernoemd B.V."
    company.save()
    participant.first_name = "Evelien"
    participant.save()
    doc.reload()
    assert doc.snapshot["company"]["name"] == "Bakkerij De Gouden Korenaar"
    assert doc.snapshot["participant"]["full_name"] == "Eva Jansen"


def test_other_school_cannot_reach_guidance(participant, staff):
    from services.errors import NotFound

    doc = svc.create_concept(participant, staff, [selection()])
    other = User.objects(email="pro@school.example").get()
    with pytest.raises(NotFound):
        svc.get_guidance_for(other, doc.pk)
    with pytest.raises(NotFound):
        svc.get_guidance_for(other, "not-an-id")
    with pytest.raises(NotFound):
        svc.delete_concept(doc, other)
    assert svc.get_guidance_for(User.objects(email="adviseur@sbb.example").get(), doc.pk) == doc


def _text(pdf_bytes):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages)


def test_pdf_has_selected_work_processes_only_and_gedrag_where_switched_on(participant, staff):
    q = get_by_crebo("90101")
    wps = q.work_processes()
    chosen, behaviour, unchosen = [wps[0].code, wps[2].code], [wps[2].code], [wps[1].code, wps[3].code]
    doc = svc.create_concept(participant, staff, [{"crebo": "90101", "codes": chosen, "behaviour_codes": behaviour}])
    text = " ".join(_text(svc.pdf(doc)).split())
    for wp in wps:
        if wp.code in chosen:
            assert wp.code in text and " ".join(wp.title.split()) in text
        elif wp.code in unchosen:
            assert wp.title not in text
    assert " ".join(wps[2].behaviour[0].split())[:40] in text
    assert " ".join(wps[0].behaviour[0].split())[:40] not in text
    fields = PdfReader(io.BytesIO(svc.pdf(doc))).get_fields()
    assert f"wp_{chosen[0]}_moment1_niveau" in fields
    assert not any(name.startswith(f"wp_{unchosen[0]}_") for name in fields)
    assert any(name.startswith(f"gedrag_{wps[2].code}_") for name in fields)
    assert not any(name.startswith(f"gedrag_{wps[0].code}_") for name in fields)


def fill(pdf_bytes, values):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes)))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_filled_copy_round_trip(participant, staff):
    doc = svc.finalize(svc.create_concept(participant, staff, [selection(n=2)]), staff)
    code = doc.selections[0].codes[0]
    filled = fill(
        svc.pdf(doc),
        {
            f"wp_{code}_moment1_datum": "03-02-2026",
            f"wp_{code}_moment1_niveau": "gedeeltelijk",
            f"wp_{code}_opmerkingen": "Gaat goed, één keer te laat; oefent nog met de scanner.",
            "startdatum": "01-02-2026",
        },
    )
    copy = svc.upload_filled_copy(doc, staff, "ingevuld.pdf", filled)
    assert copy.progress[code]["moments"][0] == {"datum": "03-02-2026", "niveau": "gedeeltelijk"}
    assert "één keer" in copy.progress[code]["opmerkingen"]
    rows = svc.progress_table(doc)
    assert rows[0]["code"] == code and rows[0]["filled"] and not rows[1]["filled"]
    assert svc.latest_filled_copies([doc])[doc.pk].pk == copy.pk
    assert GuidanceDocument.objects.get(pk=doc.pk).status == "final"


def test_filled_copy_refuses_non_pdf_and_foreign_pdf(participant, staff):
    doc = svc.create_concept(participant, staff, [selection(n=1)])
    other = svc.create_concept(participant, staff, [selection(n=2)])
    with pytest.raises(svc.GuidanceError, match="geen PDF"):
        svc.upload_filled_copy(doc, staff, "foto.jpg", b"\xff\xd8\xff\xe0 not a pdf")
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(100, 750, "Een andere PDF")
    c.save()
    with pytest.raises(svc.GuidanceError, match="geen begeleidingsdocument"):
        svc.upload_filled_copy(doc, staff, "ander.pdf", buf.getvalue())
    with pytest.raises(svc.GuidanceError, match="ander begeleidingsdocument"):
        svc.upload_filled_copy(doc, staff, "verkeerd.pdf", svc.pdf(other))
    assert FilledCopy.objects(guidance=doc).count() == 0


def test_overview_column_and_dependents(participant, staff):
    from admin_views.guidance import participant_dependents

    assert svc.latest_status([participant.pk]) == {}
    doc = svc.create_concept(participant, staff, [selection()])
    svc.finalize(doc, staff)
    svc.create_concept(participant, staff, [selection(n=1)])
    assert svc.latest_status([participant.pk])[participant.pk] == "Concept"
    assert participant_dependents(participant) == [("begeleidingsdocumenten (1 afgerond)", 2)]


def test_extension_request_prefilled(participant, staff):
    from services.accreditation_requests import request_extension

    company = Company.objects(company_id="100200330").get()
    req = request_extension(staff, company, ["90101"], participant=participant)
    assert AccreditationRequest.objects(pk=req.pk, kind="extend", crebos="90101").count() == 1


def test_deleting_participant_or_placement_with_final_document(participant, staff):
    from documents.companies import Placement
    from services.participants import delete_participant

    doc = svc.finalize(svc.create_concept(participant, staff, [selection()]), staff)
    Placement.objects(participant=participant).delete()
    doc = GuidanceDocument.objects.get(pk=doc.pk)
    assert svc.placement_of(doc) is None and svc.pdf(doc)[:4] == b"%PDF"
    delete_participant(staff, participant)
    assert GuidanceDocument.objects(pk=doc.pk).count() == 0


def test_preview_document_has_two_qualifications_and_eight_work_processes(app, tmp_path):
    from services.demo_guidance import preview_document
    from services.pdf.cli import write_previews

    write_previews(tmp_path / "uit", guidance_data=preview_document())
    concept = (tmp_path / "uit" / "begeleidingsdocument-concept.pdf").read_bytes()
    final = (tmp_path / "uit" / "begeleidingsdocument.pdf").read_bytes()
    assert "CONCEPT" in _text(concept) and "CONCEPT" not in _text(final)
    fields = PdfReader(io.BytesIO(final)).get_fields()
    keys = {name.split("_moment")[0] for name in fields if name.startswith("wp_") and "_moment1_niveau" in name}
    assert len(keys) >= 8
    assert any(name.startswith("gedrag_") for name in fields)
    text = _text(final)
    assert "90101" in text and "90102" in text


def test_demo_documents(app):
    assert GuidanceDocument.objects(status="final").count() >= 2
    assert GuidanceDocument.objects(status="concept").count() >= 2


def test_final_pdf_is_rendered_once(participant, staff, monkeypatch):
    import services.pdf.guidance as renderer

    doc = svc.create_concept(participant, staff, [selection(n=2)])
    calls = []
    real = renderer.render_guidance

    def counting(data, *, concept):
        calls.append(concept)
        return real(data, concept=concept)

    monkeypatch.setattr(renderer, "render_guidance", counting)
    svc.pdf(doc)
    svc.pdf(doc)
    assert calls == [True]  # a concept is cached per version
    final = svc.finalize(doc, staff)
    assert calls == [True, False]  # the final PDF is rendered at Afronden
    first = svc.pdf(final)
    assert svc.pdf(GuidanceDocument.objects.get(pk=doc.pk)) == first
    assert calls == [True, False]
