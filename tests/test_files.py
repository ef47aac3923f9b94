"""Issue 14 item 2: PDFs, logos and uploaded copies live in StoredFile; hot documents keep id, size and SHA-256;
lists, exports and aggregates never load the bytes; a final statement's file is immutable."""

import hashlib
import io

import pytest
from bson import ObjectId

from documents.files import FileImmutableError, StoredFile
from documents.statements import BranchOrganisation, PracticeStatement
from services import statements as svc
from tests.statement_helpers import final_statement, participant_at, png_bytes, ready_concept, user


@pytest.fixture
def loads(monkeypatch):
    """Every load of file contents (StoredFile.read is the only loader), as a list of file ids."""
    seen = []
    real = StoredFile.read.__func__

    def counting(cls, file_id):
        seen.append(file_id)
        return real(cls, file_id)

    monkeypatch.setattr(StoredFile, "read", classmethod(counting))
    return seen


def raw(model, pk):
    return model._get_collection().find_one({"_id": pk})


def test_final_pdf_lives_in_its_own_collection(app):
    final = final_statement()
    stored = raw(PracticeStatement, final.pk)
    assert "pdf" not in stored and "company_logo" not in stored  # no bytes in the hot document
    file = raw(StoredFile, stored["pdf_file"])
    assert file["content_type"] == "application/pdf" and file["size"] == stored["pdf_size"] == len(file["data"])
    assert file["sha256"] == stored["pdf_sha256"] == hashlib.sha256(file["data"]).hexdigest()
    assert svc.final_pdf(PracticeStatement.objects.get(pk=final.pk)) == bytes(file["data"])


def test_final_file_is_immutable_and_goes_only_with_its_statement(app):
    final = final_statement()
    file_id = final.pdf_file
    issued = final.pdf
    with pytest.raises(FileImmutableError):
        StoredFile.objects(pk=file_id).update(set__data=b"%PDF forged")
    with pytest.raises(FileImmutableError):
        StoredFile.objects(pk=file_id).update_one(set__sha256="0" * 64)
    with pytest.raises(FileImmutableError):
        StoredFile.objects(pk=file_id).modify(set__data=b"x")
    with pytest.raises(FileImmutableError):
        StoredFile.objects(pk=file_id).delete()
    document = StoredFile.objects.get(pk=file_id)
    document.data = b"%PDF forged"
    with pytest.raises(FileImmutableError):
        document.save()
    with pytest.raises(FileImmutableError):
        document.delete()
    assert StoredFile.read(file_id) == issued
    svc.delete_statement(final, user("mbo@school.example"), taken_back=True, reason="Onjuiste uren")
    assert raw(StoredFile, file_id) is None  # the delete cascade of its statement takes it


def test_verification_by_uploaded_bytes_still_finds_the_statement(client):
    final = final_statement()
    response = client.post(
        "/verificatie", data={"pdf": (io.BytesIO(final.pdf), "v.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200 and final.number in response.data.decode()
    assert "Geldig" in response.data.decode()


def test_company_logo_is_a_file_and_a_replaced_one_is_discarded(app):
    maker = user("mbo@school.example")
    statement = ready_concept(participant_at(company_id="100200302"))  # no registry logo
    statement = svc.set_company_logo(statement, maker, png_bytes(size=(300, 120)))
    first = statement.company_logo_file
    assert first and statement.company_logo_size == len(StoredFile.read(first))
    assert "company_logo" not in raw(PracticeStatement, statement.pk)
    statement = svc.set_company_logo(statement, maker, png_bytes(size=(200, 100)), expected_version=statement.version)
    assert statement.company_logo_file != first and raw(StoredFile, first) is None
    second = statement.company_logo_file
    statement = svc.remove_company_logo(statement, maker, expected_version=statement.version)
    assert statement.company_logo is None and raw(StoredFile, second) is None


def test_stale_logo_change_leaves_no_file_behind(app):
    maker = user("mbo@school.example")
    statement = ready_concept(participant_at(company_id="100200302"))
    before = StoredFile.objects.count()
    with pytest.raises(svc.StatementError):
        svc.set_company_logo(statement, maker, png_bytes(), expected_version=statement.version + 5)
    assert StoredFile.objects.count() == before


def test_old_inline_bytes_are_read_as_a_fallback(app):
    """Documents written before StoredFile kept the bytes inline: they are served without a migration step."""
    final = final_statement()
    legacy = b"%PDF-1.4 issued before StoredFile"
    PracticeStatement._get_collection().update_one(
        {"_id": final.pk}, {"$set": {"pdf": legacy}, "$unset": {"pdf_file": 1, "pdf_size": 1}}
    )
    assert svc.final_pdf(PracticeStatement.objects.get(pk=final.pk)) == legacy
    org = BranchOrganisation(name="Oude branche")
    org.save()
    BranchOrganisation._get_collection().update_one({"_id": org.pk}, {"$set": {"logo": b"\x89PNG old"}})
    assert BranchOrganisation.objects.get(pk=org.pk).logo == b"\x89PNG old"


def test_lists_exports_and_aggregates_never_load_file_bytes(client, auth, loads):
    final_statement()
    ready_concept()
    loads.clear()  # making them rendered the PDF (and loaded the logos it prints)
    pages = {
        "beheerder@sbb.example": [
            "/lijsten/praktijkverklaringen/",
            "/lijsten/praktijkverklaringen/export/csv/",
            "/lijsten/praktijkverklaringen/export/xlsx/",
            "/lijsten/begeleidingsdocumenten/",
            "/rapportages/praktijkverklaringen",
            "/rapportages/praktijkverklaringen?formaat=csv",
            "/rapportages/praktijkverklaringen?formaat=xlsx",
            "/rapportages/begeleidingsdocumenten?formaat=xlsx",
            "/rapportages/?formaat=xlsx",
            "/beheer/branchelogos/",
            "/beheer/onderwijsinstellingen/",
            "/beheer/onderwijsinstellingen/export/csv/",
            "/leerbedrijven-register/",
        ],
        "mbo@school.example": ["/lijsten/praktijkverklaringen/", "/rapportages/praktijkverklaringen?formaat=csv"],
    }
    for email, urls in pages.items():
        auth.login(email)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            response.get_data()  # a streamed body runs its generator here
        auth.logout()
    assert loads == []


def test_rendering_a_statement_loads_the_logos_it_prints(app, loads):
    """The counter is real: a render does load the files (so zero above means none were loaded)."""
    statement = ready_concept()
    svc.concept_pdf(statement)
    assert loads  # school and company logos come from their StoredFiles


def test_store_refuses_more_than_ten_megabytes(app):
    with pytest.raises(ValueError):
        StoredFile.store(b"0" * (10 * 1024 * 1024 + 1), "application/pdf")
    assert StoredFile.read(ObjectId()) is None
