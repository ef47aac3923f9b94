"""Issue 11 for the begeleidingsdocument: the final PDF is fixed at Afronden, concept PDFs are cached per version,
filled-in copies are defused and served sandboxed, and every write stands or falls together with its audit event."""

import hashlib
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, TextStringObject

import services.pdf.guidance as renderer
from documents.audit import AuditEvent
from documents.companies import Company, Trainer
from documents.files import StoredFile, attach, file_updates
from documents.finality import FinalDocumentError, FinalGuardQuerySet
from documents.guidance import FilledCopy, GuidanceDocument, RenderedGuidancePdf
from documents.institutions import Institution
from documents.participants import Participant
from documents.users import User
from services import guidance as svc
from services.clock import utcnow
from services.placements import create_placement
from services.qualifications import get_by_crebo
from tests.statement_helpers import png_bytes


@pytest.fixture
def staff(app):
    return User.objects(email="mbo@school.example").get()


@pytest.fixture
def participant(app, staff):
    company = Company.objects(company_id="100200301").get()
    school = Institution.objects(brin="25DM").get()
    p = Participant(
        first_name="Eva", last_name="Jansen", birth_date=date(2006, 5, 1), group="MZ2A", institution=school
    ).save()
    create_placement(staff, p, company=company, trainer=Trainer.objects(company=company, source="sbb").first())
    return p


def selection(n=2):
    codes = [wp.code for wp in get_by_crebo("90101").work_processes()][:n]
    return {"crebo": "90101", "codes": codes, "behaviour_codes": codes[:1]}


@pytest.fixture
def renders(monkeypatch):
    """Count the renderer's calls: a list of the `concept` flag per call."""
    calls = []
    real = renderer.render_guidance

    def counting(data, *, concept):
        calls.append(concept)
        return real(data, concept=concept)

    monkeypatch.setattr(renderer, "render_guidance", counting)
    return calls


def first_image(pdf_bytes):
    return PdfReader(io.BytesIO(pdf_bytes)).pages[0].images[0].data


def events(doc, action):
    return AuditEvent.objects(object_id=str(doc.pk), action=action).count()


def set_school_logo(school, colour):
    stored = StoredFile.store(png_bytes(size=(120, 60), colour=colour), "image/png")
    Institution.objects(pk=school.pk).update(**file_updates("logo", stored), set__logo_type="image/png")


# --- item 6: the final PDF is fixed at Afronden ------------------------------------------------------------------


def test_logo_changed_after_afronden_does_not_change_the_downloaded_bytes(client, auth, participant, staff):
    school = participant.institution
    set_school_logo(school, (200, 30, 30))
    final = svc.finalize(svc.create_concept(participant, staff, [selection()]), staff)
    stored = RenderedGuidancePdf.objects(guidance=final, version=final.version).get()
    assert stored.sha256 == hashlib.sha256(bytes(stored.pdf)).hexdigest()
    logo_at_afronden = first_image(bytes(stored.pdf))

    set_school_logo(school, (10, 120, 200))  # an admin uploads another logo later
    fresh = renderer.render_guidance(svc.render_data(GuidanceDocument.objects.get(pk=final.pk)), concept=False)
    assert first_image(fresh) != logo_at_afronden  # the new logo would show in a fresh rendering

    auth.login("mbo@school.example")
    for _ in range(2):
        response = client.get(f"/begeleidingsdocument/document/{final.pk}/pdf")
        assert response.status_code == 200
        assert hashlib.sha256(response.data).hexdigest() == stored.sha256
    assert svc.pdf(GuidanceDocument.objects.get(pk=final.pk)) == bytes(stored.pdf)
    finalize_event = AuditEvent.objects(object_id=str(final.pk), action="finalize").get()
    assert finalize_event.changes["sha256"] == stored.sha256


def test_final_pdf_is_rendered_at_afronden_and_never_at_download(client, auth, participant, staff, renders):
    doc = svc.create_concept(participant, staff, [selection()])
    final = svc.finalize(doc, staff)
    assert renders == [False]
    auth.login("mbo@school.example")
    assert client.get(f"/begeleidingsdocument/document/{final.pk}/pdf").status_code == 200
    svc.pdf(final)
    svc.pdf(GuidanceDocument.objects.get(pk=final.pk))
    assert renders == [False]
    # Concept renderings are gone; only the final PDF is kept.
    assert RenderedGuidancePdf.objects(guidance=final).count() == 1


def test_concept_pdf_is_cached_per_version(client, auth, participant, staff, renders):
    doc = svc.create_concept(participant, staff, [selection()])
    auth.login("mbo@school.example")
    first = client.get(f"/begeleidingsdocument/document/{doc.pk}/pdf")
    second = client.get(f"/begeleidingsdocument/document/{doc.pk}/pdf")
    assert first.status_code == second.status_code == 200 and first.data == second.data
    assert renders == [True]
    updated = svc.update_concept(doc, staff, [selection(n=3)], expected_version=doc.version)
    changed = svc.pdf(updated)
    assert renders == [True, True] and changed != first.data
    assert svc.pdf(updated) == changed and renders == [True, True]
    # A concept shows the current logo: a new one is a new render input.
    set_school_logo(participant.institution, (10, 120, 200))
    svc.pdf(GuidanceDocument.objects.get(pk=doc.pk))  # as the next request loads it
    assert renders == [True, True, True]
    assert RenderedGuidancePdf.objects(guidance=doc).count() == 1


def test_failed_render_at_afronden_leaves_the_concept(participant, staff, monkeypatch):
    doc = svc.create_concept(participant, staff, [selection()])

    def broken(data, *, concept):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(renderer, "render_guidance", broken)
    with pytest.raises(svc.GuidanceError, match="niet afgerond"):
        svc.finalize(doc, staff)
    stored = GuidanceDocument.objects.get(pk=doc.pk)
    assert stored.status == "concept" and stored.version == doc.version
    assert RenderedGuidancePdf.objects(guidance=doc).count() == 0 and events(doc, "finalize") == 0


def test_older_final_document_without_stored_pdf_is_rendered_once(participant, staff, renders):
    doc = svc.create_concept(participant, staff, [selection()])
    # Made final before the PDF was kept at Afronden.
    old = GuidanceDocument.objects.finalize_conditionally(doc.pk, finalized_at=utcnow())
    first = svc.pdf(old)
    assert svc.pdf(old) == first and renders == [False]
    kept = RenderedGuidancePdf.objects(guidance=old, version=old.version).get()
    assert kept.sha256 == hashlib.sha256(first).hexdigest()


def test_damaged_stored_pdf_is_not_served(participant, staff):
    final = svc.finalize(svc.create_concept(participant, staff, [selection()]), staff)
    kept = RenderedGuidancePdf.objects(guidance=final).get()
    # Damage below the application (files refuse every update): straight in the collection.
    StoredFile._get_collection().update_one({"_id": kept.pdf_file}, {"$set": {"data": b"%PDF-1.4 changed"}})
    with pytest.raises(svc.GuidanceError, match="beschadigd"):
        svc.pdf(final)


def test_interrupted_afronden_leaves_no_final_pdf_in_the_way(participant, staff):
    doc = svc.create_concept(participant, staff, [selection()])
    leftover = RenderedGuidancePdf(guidance=doc, version=doc.version + 1, sha256="x")
    attach(leftover, "pdf", b"%PDF old", "application/pdf")
    leftover.save()
    with pytest.raises(svc.GuidanceError, match="op dit moment al afgerond"):
        svc.finalize(doc, staff)  # a second Afronden under way: refused, nothing changed
    assert GuidanceDocument.objects.get(pk=doc.pk).status == "concept"
    RenderedGuidancePdf.objects(pk=leftover.pk).update(set__rendered_at=utcnow() - timedelta(hours=1))
    final = svc.finalize(doc, staff)  # an old leftover was never issued: replaced
    assert svc.pdf(final)[:4] == b"%PDF" and svc.pdf(final) != b"%PDF old"


# --- item 13: filled-in copies are defused and served sandboxed --------------------------------------------------


def active_keys(pdf_bytes):
    """Scripts and automatic actions anywhere reachable in the PDF (checked independently of the service)."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    found, seen, stack = [], set(), [reader.trailer]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            found += [k for k in ("/AA", "/OpenAction", "/JS", "/JavaScript") if k in node]
            if node.get("/S") in ("/JavaScript", "/Launch", "/URI", "/SubmitForm"):
                found.append(str(node["/S"]))
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return found


def js(code):
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)})


def hostile_filled_copy(pdf_bytes, values):
    """The downloaded form, filled in, with JavaScript on open, on a field, on a page and in the name tree."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes)))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(js("app.alert('open')"))
    names = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("start"), writer._add_object(js("app.alert('names')"))])}
    )
    writer.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): names})
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): js("app.alert('page')")})
    field_name = next(iter(values))
    for annot in page.get("/Annots", []):
        annot = annot.get_object()
        if annot.get("/T") == field_name:
            annot[NameObject("/AA")] = DictionaryObject({NameObject("/K"): js("app.alert('field')")})
            annot[NameObject("/A")] = DictionaryObject(
                {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
            )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def hostile(participant, staff):
    final = svc.finalize(svc.create_concept(participant, staff, [selection()]), staff)
    code = final.selections[0].codes[0]
    values = {
        "startdatum": "01-02-2026",
        f"wp_{code}_moment1_datum": "03-02-2026",
        f"wp_{code}_moment1_niveau": "gedeeltelijk",
        f"wp_{code}_opmerkingen": "Gaat goed; één keer te laat.",
    }
    data = hostile_filled_copy(svc.pdf(final), values)
    assert {"/OpenAction", "/AA", "/JavaScript", "/Launch"} <= set(active_keys(data))
    return final, code, data


def test_filled_copy_is_stored_without_scripts_and_values_still_read_back(hostile, staff):
    final, code, data = hostile
    copy = svc.upload_filled_copy(final, staff, "ingevuld.pdf", data)
    stored = bytes(FilledCopy.objects.get(pk=copy.pk).pdf)
    assert active_keys(stored) == []
    assert b"app.alert" not in stored and b"calc.exe" not in stored
    read = renderer.read_guidance_fields(stored)
    assert read["startdatum"] == "01-02-2026"
    assert read["work_processes"][code]["moments"][0] == {"datum": "03-02-2026", "niveau": "gedeeltelijk"}
    rows = svc.progress_table(final)
    assert rows[0]["code"] == code and rows[0]["filled"] and "één keer" in rows[0]["opmerkingen"]


def test_filled_copy_with_scripts_left_is_refused(hostile, staff, monkeypatch):
    final, _code, data = hostile
    # As if the removal missed something: the check after it refuses the file.
    monkeypatch.setattr(renderer, "active_content", lambda pdf_bytes: ["/OpenAction"])
    with pytest.raises(svc.GuidanceError, match="scripts of automatische acties"):
        svc.upload_filled_copy(final, staff, "ingevuld.pdf", data)
    assert FilledCopy.objects(guidance=final).count() == 0


def test_filled_copy_download_is_a_sandboxed_attachment(client, auth, hostile, staff):
    final, _code, data = hostile
    svc.upload_filled_copy(final, staff, "ingevuld.pdf", data)
    auth.login("mbo@school.example")
    response = client.get(f"/begeleidingsdocument/document/{final.pk}/ingevuld/pdf")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "sandbox"  # not overwritten by the global header
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert active_keys(response.data) == []


# --- item 11: what the user is told matches what is stored ------------------------------------------------------


@pytest.fixture
def broken_audit(monkeypatch):
    def fail(self, *args, **kwargs):
        raise RuntimeError("audit log down")

    return lambda: monkeypatch.setattr(AuditEvent, "save", fail)


def fail_on(monkeypatch, owner, name):
    def fail(*args, **kwargs):
        raise RuntimeError(f"{name} failed")

    monkeypatch.setattr(owner, name, fail)


def test_create_and_copy_stand_or_fall_with_the_audit_event(participant, staff, broken_audit, monkeypatch):
    doc = svc.create_concept(participant, staff, [selection()])
    with monkeypatch.context() as m:
        fail_on(m, GuidanceDocument, "save")
        with pytest.raises(RuntimeError):
            svc.create_concept(participant, staff, [selection()])
    assert GuidanceDocument.objects(participant=participant).count() == 1
    assert (
        AuditEvent.objects(action="create", participant_id=participant.pk, object_type="GuidanceDocument").count() == 1
    )
    broken_audit()
    with pytest.raises(RuntimeError):
        svc.create_concept(participant, staff, [selection()])
    with pytest.raises(RuntimeError):
        svc.copy_as_new(doc, staff)
    assert GuidanceDocument.objects(participant=participant).count() == 1


def test_update_stands_or_falls_with_the_audit_event(participant, staff, broken_audit, monkeypatch):
    doc = svc.create_concept(participant, staff, [selection()])
    with monkeypatch.context() as m:
        fail_on(m, FinalGuardQuerySet, "modify")
        with pytest.raises(RuntimeError):
            svc.update_concept(doc, staff, [selection(n=3)], expected_version=doc.version)
    assert events(doc, "update") == 0
    broken_audit()
    with pytest.raises(RuntimeError):
        svc.update_concept(doc, staff, [selection(n=3)], expected_version=doc.version)
    stored = GuidanceDocument.objects.get(pk=doc.pk)
    assert stored.version == doc.version and stored.werkproces_count == 2


def test_delete_stands_or_falls_with_the_audit_event(participant, staff, broken_audit, monkeypatch):
    doc = svc.create_concept(participant, staff, [selection()])
    with monkeypatch.context() as m:
        fail_on(m, FinalGuardQuerySet, "delete")
        with pytest.raises(RuntimeError):
            svc.delete_concept(doc, staff)
    assert events(doc, "delete") == 0
    broken_audit()
    with pytest.raises(RuntimeError):
        svc.delete_concept(doc, staff)
    assert GuidanceDocument.objects(pk=doc.pk).count() == 1


@pytest.mark.parametrize("failing", ["audit", "pdf", "transition"])
def test_afronden_stands_or_falls_with_the_audit_event_and_the_pdf(
    participant, staff, broken_audit, monkeypatch, failing
):
    doc = svc.create_concept(participant, staff, [selection()])
    if failing == "audit":
        broken_audit()
    elif failing == "pdf":
        fail_on(monkeypatch, RenderedGuidancePdf, "save")
    else:
        fail_on(monkeypatch, FinalGuardQuerySet, "finalize_conditionally")
    with pytest.raises(RuntimeError):
        svc.finalize(doc, staff)
    monkeypatch.undo()
    assert GuidanceDocument.objects.get(pk=doc.pk).status == "concept"
    assert RenderedGuidancePdf.objects(guidance=doc, concept__ne=True).count() == 0
    assert events(doc, "finalize") == 0
    final = svc.finalize(doc, staff)  # and it can be done once the failure is gone
    assert final.status == "final" and events(doc, "finalize") == 1


def test_afronden_of_a_changed_concept_changes_nothing(participant, staff):
    doc = svc.create_concept(participant, staff, [selection()])
    svc.update_concept(doc, staff, [selection(n=3)])
    final = svc.finalize(doc, staff)  # finalizes the stored version, not the stale object
    assert final.werkproces_count == 3
    with pytest.raises(svc.GuidanceError, match="al afgerond"):
        svc.finalize(doc, staff)
    with pytest.raises(FinalDocumentError):
        svc.update_concept(final, staff, [selection()])
    assert events(doc, "finalize") == 1


@pytest.mark.parametrize("failing", ["audit", "copy", "latest"])
def test_filled_copy_upload_stands_or_falls_with_the_audit_event(
    participant, staff, broken_audit, monkeypatch, failing
):
    final = svc.finalize(svc.create_concept(participant, staff, [selection()]), staff)
    code = final.selections[0].codes[0]
    blank = svc.pdf(final)
    earlier = svc.upload_filled_copy(final, staff, "eerste.pdf", blank)
    filled = hostile_filled_copy(blank, {f"wp_{code}_opmerkingen": "tweede"})
    before = AuditEvent.objects(object_id=str(final.pk), action="update").count()
    if failing == "audit":
        broken_audit()
    elif failing == "copy":
        fail_on(monkeypatch, FilledCopy, "save")
    else:
        real_update = type(FilledCopy.objects).update

        def update(self, *args, **kwargs):
            if "set__is_latest" in kwargs and not kwargs["set__is_latest"]:
                real_update(self, *args, **kwargs)  # half-done, then the failure
                raise RuntimeError("update failed")
            return real_update(self, *args, **kwargs)

        monkeypatch.setattr(type(FilledCopy.objects), "update", update)
    with pytest.raises(RuntimeError):
        svc.upload_filled_copy(final, staff, "tweede.pdf", filled)
    monkeypatch.undo()
    assert [c.pk for c in FilledCopy.objects(guidance=final)] == [earlier.pk]
    assert FilledCopy.objects.get(pk=earlier.pk).is_latest
    assert AuditEvent.objects(object_id=str(final.pk), action="update").count() == before


def test_anonymising_drops_the_kept_pdfs_and_renders_anonymised(participant, staff):
    from services import privacy

    def text(pdf_bytes):
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages)

    final = svc.finalize(svc.create_concept(participant, staff, [selection()]), staff)
    concept = svc.create_concept(participant, staff, [selection(n=1)])
    assert "Jansen" in text(svc.pdf(final)) and "Jansen" in text(svc.pdf(concept))  # both kept now
    privacy.anonymise(Participant.objects.get(pk=participant.pk))
    for doc in (final, concept):
        again = svc.pdf(GuidanceDocument.objects.get(pk=doc.pk))
        assert "Jansen" not in text(again) and "Geanonimiseerd" in text(again)
    assert FilledCopy.objects(guidance__in=[final.pk, concept.pk]).count() == 0


def test_afronden_page_says_so_when_the_pdf_cannot_be_made(client, auth, participant, staff, monkeypatch):
    doc = svc.create_concept(participant, staff, [selection()])

    def broken(data, *, concept):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(renderer, "render_guidance", broken)
    auth.login("mbo@school.example")
    response = client.post(
        f"/begeleidingsdocument/document/{doc.pk}/afronden", data={"confirm": "ja"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "kon niet worden gemaakt; het document is niet afgerond" in response.data.decode()
    assert GuidanceDocument.objects.get(pk=doc.pk).status == "concept"
