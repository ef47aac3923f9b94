"""Issue 16: final PDFs carry a PAdES signature; /verificatie checks it (copies, tampering, rotation, filled forms)."""

import hashlib
import io
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader, PdfWriter

from documents.companies import Company, Trainer
from documents.institutions import Institution
from documents.participants import Participant
from documents.signing import ROOT, SigningCertificate
from documents.statements import VerificationRecord
from services import guidance as guidance_svc
from services import signing
from services import statements as svc
from services.placements import create_placement
from services.qualifications import get_by_crebo
from tests.statement_helpers import final_statement, user


def html(response):
    return response.get_data(as_text=True)


def upload(client, data):
    return client.post("/verificatie", data={"pdf": (io.BytesIO(data), "v.pdf")}, content_type="multipart/form-data")


def annotated(pdf_bytes):
    """What a viewer does when someone adds a note and saves: an incremental update after the signed revision."""
    from pypdf.annotations import FreeText

    writer = PdfWriter(io.BytesIO(pdf_bytes), incremental=True)
    writer.add_annotation(0, FreeText(text="Gezien, J. de Vries", rect=(50, 50, 200, 80)))
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert data.startswith(pdf_bytes) and len(data) > len(pdf_bytes)  # really appended, the original untouched
    return data


def tampered(pdf_bytes):
    """One byte changed inside the signed range (the issued number's last digit), structure left intact."""
    reader_range = _byte_range(pdf_bytes)
    position = pdf_bytes.find(b"PV-")
    position = position + len("PV-2026-00000") if 0 < position < reader_range[1] else reader_range[1] // 2
    changed = bytes([pdf_bytes[position] ^ 0x01])
    assert position < reader_range[1]
    return pdf_bytes[:position] + changed + pdf_bytes[position + 1 :]


def _byte_range(pdf_bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    return list(PdfFileReader(io.BytesIO(pdf_bytes)).embedded_signatures[0].byte_range)


# --- signing at finalize -------------------------------------------------------------------------------------------


def test_final_statement_is_signed_and_its_stored_sha256_is_of_the_signed_bytes(app):
    final = final_statement()
    issued = bytes(final.pdf)
    check = signing.check_signature(issued)
    assert check.state == signing.INTACT and "Praktijkloket" in check.signer
    assert check.signed_bytes == len(issued) and check.signed_at is not None
    sha = hashlib.sha256(issued).hexdigest()
    assert final.pdf_sha256 == sha == VerificationRecord.objects(number=final.number).get().pdf_sha256
    assert svc.final_pdf(final) == issued  # downloads serve these exact bytes
    # pypdf (escaping, metadata and accessibility tests) still reads a signed PDF.
    reader = PdfReader(io.BytesIO(issued))
    assert final.number in reader.pages[0].extract_text()
    assert "/Sig" in str(reader.trailer["/Root"]["/AcroForm"]["/Fields"][0].get_object()["/FT"])


def test_a_failed_signature_leaves_the_concept_and_the_number_untouched(app, monkeypatch):
    from tests.statement_helpers import ready_concept

    concept = ready_concept()

    def broken(_pdf, **_kwargs):
        raise OSError("HSM weg")

    monkeypatch.setattr(signing, "sign_pdf", broken)
    with pytest.raises(svc.StatementError, match="niet worden ondertekend"):
        svc.finalize(concept, user("mbo@school.example"))
    assert VerificationRecord.objects.count() == 0 or not VerificationRecord.objects(statement=concept.pk).count()
    assert type(concept).objects.get(pk=concept.pk).status == "concept"


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler's pdfsig is not installed")
def test_pdfsig_reports_the_preview_statement_signed_over_the_total_document(app, tmp_path):
    final_statement()  # pdf-voorbeeld renders the first final demo statement
    result = app.test_cli_runner().invoke(args=["pdf-voorbeeld", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("praktijkverklaring.pdf", "begeleidingsdocument.pdf"):
        out = subprocess.run(["pdfsig", str(tmp_path / name)], capture_output=True, text=True, timeout=60).stdout
        assert "Signature Type: ETSI.CAdES.detached" in out, out
        assert "Total document signed" in out, out
        assert "Signature is Valid" in out, out
    concept = subprocess.run(
        ["pdfsig", str(tmp_path / "praktijkverklaring-concept.pdf")], capture_output=True, text=True, timeout=60
    )
    assert "Signature #1" not in concept.stdout  # a concept is never signed


# --- /verificatie ---------------------------------------------------------------------------------------------------


def test_unchanged_copy_is_valid_signed_and_unchanged(client):
    final = final_statement()
    page = html(upload(client, bytes(final.pdf)))
    assert "Geldig." in page and final.number in page
    assert "geldig, ondertekend door Praktijkloket op" in page and "ongewijzigd" in page


def test_incrementally_updated_copy_names_the_valid_original_and_what_the_signature_covers(client):
    final = final_statement()
    issued = bytes(final.pdf)
    copy = annotated(issued)
    check = signing.check_signature(copy)
    assert check.state == signing.ADDED and check.signed_bytes == len(issued)
    response = upload(client, copy)
    page = html(response)
    assert response.status_code == 200
    assert "Het ondertekende origineel is geldig; er is daarna iets toegevoegd." in page
    assert f"de eerste {len(issued):,}".replace(",", ".") in page  # what the signature covers
    assert final.number in page and final.participant.full_name in page  # the original's data to compare with


def test_a_changed_byte_inside_the_signed_range_is_invalid(client):
    final = final_statement()
    changed = tampered(bytes(final.pdf))
    assert signing.check_signature(changed).state == signing.INVALID
    response = upload(client, changed)
    page = html(response)
    assert response.status_code == 404 and "Ongeldig" in page and "Geldig." not in page
    # An incremental update on top of a tampered original is no better.
    assert signing.check_signature(annotated(changed)).state == signing.INVALID


def test_unsigned_and_foreign_pdfs_get_their_own_message(client):
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.drawString(100, 750, "Een gewone PDF")
    pdf.save()
    unsigned = buf.getvalue()
    assert signing.check_signature(unsigned).state == signing.UNSIGNED
    response = upload(client, unsigned)
    assert response.status_code == 404 and "niet precies een praktijkverklaring" in html(response)
    assert "Ongeldig" not in html(response)

    # Signed, but by a key that is not ours: the platform's signature check must not trust it.
    foreign_doc = signing.generate_key()
    foreign = signing.sign_pdf(unsigned)
    SigningCertificate.objects(pk__in=_generation_of(foreign_doc)).delete()
    assert signing.check_signature(foreign).state == signing.FOREIGN
    response = upload(client, foreign)
    assert response.status_code == 404 and "niet door het Praktijkloket" in html(response)


def _generation_of(doc):
    """The signer document and its CA (as made by generate_key)."""
    ca = signing._load_asn1_cert(doc.chain_pem)
    return [doc.pk, SigningCertificate.objects(fingerprint=signing.fingerprint(ca)).get().pk]


def test_withdrawn_statement_answers_withdrawn_whatever_its_signature_says(client):
    final = final_statement()
    issued = bytes(final.pdf)
    svc.delete_statement(final, user("mbo@school.example"), taken_back=True, reason="Verkeerde deelnemer")
    for data in (issued, annotated(issued)):
        assert signing.check_signature(data).original_is_valid  # the signature itself is still fine
        page = html(upload(client, data))
        assert "Ingetrokken." in page and "Verkeerde deelnemer" in page
        assert "Geldig." not in page and "origineel is geldig" not in page


def test_signed_preview_is_not_an_issued_statement(client, app, tmp_path):
    app.test_cli_runner().invoke(args=["pdf-voorbeeld", str(tmp_path)])
    response = upload(client, (tmp_path / "praktijkverklaring.pdf").read_bytes())
    assert response.status_code == 404 and "geen uitgegeven praktijkverklaring" in html(response)


# --- the begeleidingsdocument --------------------------------------------------------------------------------------


@pytest.fixture
def guidance_doc(app):
    staff = user("mbo@school.example")
    company = Company.objects(company_id="100200301").get()
    school = Institution.objects(brin="25DM").get()
    participant = Participant(
        first_name="Eva", last_name="Jansen", birth_date=date(2006, 5, 1), group="MZ2A", institution=school
    ).save()
    create_placement(
        staff, participant, company=company, trainer=Trainer.objects(company=company, source="sbb").first()
    )
    codes = [wp.code for wp in get_by_crebo("90101").work_processes()][:2]
    concept = guidance_svc.create_concept(
        participant, staff, [{"crebo": "90101", "codes": codes, "behaviour_codes": []}]
    )
    return guidance_svc.finalize(concept, staff)


def fill(pdf_bytes, values):
    """What a PDF reader does when the trainer fills in the form and saves: an incremental update."""
    writer = PdfWriter(io.BytesIO(pdf_bytes), incremental=True)
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_final_guidance_is_certified_for_form_filling_and_a_filled_copy_still_validates(client, guidance_doc):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.validation import read_certification_data

    original = guidance_svc.pdf(guidance_doc)
    assert read_certification_data(PdfFileReader(io.BytesIO(original))).permission == MDPPerm.FILL_FORMS
    assert signing.check_signature(original).state == signing.INTACT
    code = guidance_doc.selections[0].codes[0]
    filled = fill(original, {f"wp_{code}_moment1_datum": "03-02-2026", f"wp_{code}_opmerkingen": "Gaat goed."})
    assert signing.check_signature(filled).state == signing.FILLED
    response = upload(client, filled)
    page = html(response)
    assert response.status_code == 200 and "Geldig begeleidingsdocument." in page
    assert "Het ondertekende origineel is geldig; daarna is het formulier ingevuld." in page
    # The school can still read the filled-in values back (the upload of a filled copy keeps working).
    copy = guidance_svc.upload_filled_copy(guidance_doc, user("mbo@school.example"), "ingevuld.pdf", filled)
    assert copy.progress[code]["moments"][0]["datum"] == "03-02-2026"


# --- key rotation and configured keys ------------------------------------------------------------------------------


def test_statements_signed_with_an_older_key_stay_verifiable_after_rotation(client):
    old = final_statement()
    old_signer = signing.check_signature(bytes(old.pdf))
    old_fingerprint = signing.fingerprint(signing.current_signer().signing_cert)
    signing.generate_key()  # rotation: a new CA and signing key
    assert signing.fingerprint(signing.current_signer().signing_cert) != old_fingerprint
    new = final_statement()
    assert new.number != old.number
    for statement in (old, new):
        copy = annotated(bytes(statement.pdf))
        assert signing.check_signature(copy).state == signing.ADDED
        page = html(upload(client, copy))
        assert "Het ondertekende origineel is geldig" in page and statement.number in page
    assert old_signer.state == signing.INTACT
    # Both CAs are offered for download.
    pem = client.get("/verificatie/ca-certificaat.pem")
    assert pem.status_code == 200 and pem.get_data(as_text=True).count("BEGIN CERTIFICATE") == 2
    assert SigningCertificate.objects(role=ROOT).count() == 2


def _key_and_self_signed_cert(tmp_path):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Praktijkloket productie")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, key_path, cert_path


def test_a_configured_pem_key_signs_and_its_certificate_becomes_a_lasting_trust_anchor(demo_dump, tmp_path):
    from tests.conftest import make_app

    _key, _cert, key_path, cert_path = _key_and_self_signed_cert(tmp_path)
    app = make_app(demo_dump, SIGNING_KEY_PEM=str(key_path), SIGNING_CERT_PEM=str(cert_path))
    with app.app_context():
        final = final_statement()
        check = signing.check_signature(bytes(final.pdf))
        assert check.state == signing.INTACT and "Praktijkloket productie" in check.signer
        assert SigningCertificate.objects(role=ROOT, source="environment").count() == 1
        page = html(upload(app.test_client(), annotated(bytes(final.pdf))))
        assert "Het ondertekende origineel is geldig" in page


def test_a_configured_pkcs12_key_signs(demo_dump, tmp_path):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    from tests.conftest import make_app

    key, cert, _k, _c = _key_and_self_signed_cert(tmp_path)
    path = tmp_path / "sleutel.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"pl", key, cert, None, BestAvailableEncryption(b"geheim")))
    app = make_app(demo_dump, SIGNING_PKCS12=str(path), SIGNING_PKCS12_PASSWORD="geheim")
    with app.app_context():
        assert signing.check_signature(bytes(final_statement().pdf)).state == signing.INTACT
    with pytest.raises(RuntimeError, match="kan niet worden gelezen"):
        make_app(demo_dump, SIGNING_PKCS12=str(path), SIGNING_PKCS12_PASSWORD="fout")


def test_production_without_a_signing_key_refuses_to_start():
    from app import create_app

    with pytest.raises(RuntimeError, match="Ondertekeningssleutel ontbreekt"):
        create_app({"MONGODB_URI": "mongodb://127.0.0.1:1/x", "SECRET_KEY": "x", "SIGNING_DEMO_CA": False})


def test_signing_and_checking_work_from_a_thread_with_a_running_event_loop(app):
    """pyHanko's synchronous calls use asyncio.run; a caller inside an event loop (a test driver, an ASGI host) works."""
    import asyncio

    from services.pdf import render_statement
    from services.pdf.sample import sample_statement

    pdf = render_statement(sample_statement(3), concept=False)

    async def inside_a_loop():
        signed = signing.sign_pdf(pdf)
        return signing.check_signature(signed)

    # A fresh thread: the suite's Playwright driver may already run a loop in this one.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, inside_a_loop()).result().state == signing.INTACT


def test_a_statement_signed_with_a_certificate_that_has_since_expired_stays_valid(demo_dump, tmp_path, monkeypatch):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from tests.conftest import make_app

    def certificate(subject, issuer, public_key, signing_key, until, ca):
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
            .not_valid_after(until)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signing_key, hashes.SHA256())
        )

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate("Praktijkloket CA", "Praktijkloket CA", ca_key.public_key(), ca_key, dt.datetime(2040, 1, 1), True)
    cert = certificate(
        "Praktijkloket 2021", "Praktijkloket CA", key.public_key(), ca_key, dt.datetime(2021, 12, 31), False
    )
    (tmp_path / "k.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    class In2021(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2021, 6, 1, 12, tzinfo=dt.UTC)

    app = make_app(
        demo_dump,
        SIGNING_KEY_PEM=str(tmp_path / "k.pem"),
        SIGNING_CERT_PEM=str(tmp_path / "c.pem"),
        SIGNING_CHAIN_PEM=str(tmp_path / "ca.pem"),
    )
    with app.app_context():
        from services.pdf import render_statement
        from services.pdf.sample import sample_statement

        pdf = render_statement(sample_statement(3), concept=False)
        monkeypatch.setattr("pyhanko.sign.signers.pdf_signer.datetime", In2021)
        signed = signing.sign_pdf(pdf)
        monkeypatch.undo()
        check = signing.check_signature(signed)  # checked today, years after the certificate expired
        assert check.state == signing.INTACT and check.signed_at.year == 2021


def test_ca_certificate_is_public_also_before_the_terms_are_accepted(client, auth):
    auth.login("mbo@school.example", accept_terms=False)
    pem = client.get("/verificatie/ca-certificaat.pem")
    assert pem.status_code == 200 and "BEGIN CERTIFICATE" in pem.get_data(as_text=True)
