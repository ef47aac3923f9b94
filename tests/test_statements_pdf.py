"""The praktijkverklaring PDF of a real statement, read back: texts, hours, werkprocessen, watermark, QR code."""

import io
import time

import pytest
from pypdf import PdfReader

from services import statements as svc
from tests.statement_helpers import final_statement, participant_at, qualification, ready_concept, selection, user


def text_of(pdf):
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(pdf):
    return " ".join(text_of(pdf).split())


def test_final_pdf_says_what_the_statement_says(app):
    final = final_statement(hours="1.200", selections=[selection("90101", 3)])
    text = flat(bytes(final.pdf))
    participant = final.participant
    assert "Praktijkverklaring" in text and "onderdeel van de mbo-verklaring" in text
    assert participant.full_name in text and participant.birth_date.strftime("%d-%m-%Y") in text
    assert participant.birth_place in text
    assert "Bakkerij De Gouden Korenaar" in text and "De Bilt" in text
    assert "1.200" in text
    q = qualification("90101")
    assert "90101" in text and q.title in text
    for wp in q.work_processes()[:3]:
        assert wp.code in text
    assert q.work_processes()[3].code not in text
    assert final.number in text and final.verification_code in text
    assert "CONCEPT" not in text
    assert "ROC Demo" in text and "Marieke de Boer" in text


def test_concept_pdf_has_the_watermark_and_no_number(app):
    concept = ready_concept()
    text = flat(svc.concept_pdf(concept))
    assert "CONCEPT" in text and "PV-" not in text and "/verificatie/" not in text
    assert concept.participant.full_name in text


def test_concept_pdf_needs_werkprocessen_and_hours(app):
    maker = user("mbo@school.example")
    statement = svc.create_concept(participant_at(), maker)
    with pytest.raises(svc.StatementError) as exc:
        svc.concept_pdf(statement)
    assert len(exc.value.problems) == 2


@pytest.mark.parametrize(
    "brin, author, form, mbo",
    [
        ("25DM", "mbo@school.example", "mbo_maatwerk", True),
        ("12PD", "pro@school.example", "pro", False),
        ("08VD", "vso@school.example", "vso", False),
    ],
)
def test_mbo_subtitle_only_for_mbo_forms(app, brin, author, form, mbo):
    participant = participant_at(brin=brin, author=author)
    final = final_statement(author=author, participant=participant, form=form)
    text = flat(bytes(final.pdf))
    assert ("onderdeel van de mbo-verklaring" in text) is mbo
    assert svc.education_form_label(form) in text


def test_qr_code_decodes_to_the_verification_address(app):
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (requirements-dev.txt) decodes the QR code")
    final = final_statement()
    expected = f"http://localhost/verificatie/{final.verification_code}"
    images = [img.image for page in PdfReader(io.BytesIO(bytes(final.pdf))).pages for img in page.images]
    decoded = {
        r.text
        for image in images
        for r in zxingcpp.read_barcodes(image.convert("L").resize((image.width * 4, image.height * 4)))
    }
    assert expected in decoded
    assert expected in flat(bytes(final.pdf))


def test_twenty_werkprocessen_render_cleanly_and_in_time(app):
    """The issue's closing note asks for the render time of a statement with 20 werkprocessen."""
    crebos = ["90101", "90102", "90201", "90202", "90301"]
    selections, total = [], 0
    for crebo in crebos:
        q = qualification(crebo)
        codes = [wp.code for wp in q.work_processes()][: max(0, 20 - total)]
        total += len(codes)
        if codes:
            selections.append({"crebo": crebo, "qualification_id": str(q.pk), "codes": codes, "behaviour_codes": []})
    assert total == 20
    concept = ready_concept(selections=selections)
    svc.concept_pdf(concept)  # warm up fonts and templates
    started = time.perf_counter()
    pdf = svc.concept_pdf(concept)
    elapsed = time.perf_counter() - started
    print(f"\nrender time, 20 werkprocessen: {elapsed:.3f} s, {len(PdfReader(io.BytesIO(pdf)).pages)} pagina's")
    text = flat(pdf)
    for sel in selections:
        for code in sel["codes"]:
            assert code in text
    assert elapsed < 5
