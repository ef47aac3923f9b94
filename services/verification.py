"""Public verification of a praktijkverklaring by its code, by the exact PDF bytes, or by the PDF's signature."""

import hashlib
import io
import logging
import re
from dataclasses import dataclass

from documents.guidance import RenderedGuidancePdf
from documents.statements import VerificationRecord
from services import signing
from services.statements import normalise_code

MAX_VERIFY_PDF_BYTES = 10 * 1024 * 1024

# What our PDF templates write (services/pdf, pdf_templates): the metadata keywords name the producer and the kind
# of document, a final statement's number, and "concept" for a concept; the first page prints the concept banner
# and the number. Metadata first (cheap); the page text for copies whose metadata a PDF program rewrote.
PRODUCER_KEYWORD = "praktijkloket"
CONCEPT_BANNER = "CONCEPT - niet geldig als definitief document"
NUMBER_RE = re.compile(r"\bPV-\d{4}-\d{6}\b")

log = logging.getLogger("praktijkloket.verification")


def lookup_code(code):
    """The verification record for a typed code, or None (also for malformed codes)."""
    normalised = normalise_code(code)
    if normalised is None:
        return None
    return VerificationRecord.objects(code=normalised).first()


def lookup_pdf(data):
    """The record whose issued PDF has exactly these bytes, or None."""
    if not data:
        return None
    return VerificationRecord.objects(pdf_sha256=hashlib.sha256(data).hexdigest()).first()


@dataclass
class PdfAnswer:
    """What an uploaded PDF turned out to be: an issued statement (record), a final guidance document, or neither.

    `signature` is the check of its earliest signature (services.signing.SignatureCheck); `kind` and `number`
    describe an unsigned file that is no issued statement (describe_unmatched_pdf).
    """

    signature: signing.SignatureCheck
    record: VerificationRecord | None = None
    guidance: RenderedGuidancePdf | None = None
    kind: str | None = None
    number: str | None = None


def check_pdf(data):
    """Recognise an uploaded PDF: exact issued bytes first, else the signed original inside it, else what it looks like.

    The signature only counts when it is ours (our trust anchors) and intact; the statement it covers is then found
    by the SHA-256 of the signed original, so a withdrawn statement answers "ingetrokken" whatever its signature.
    """
    signature = signing.check_signature(data)
    record = lookup_pdf(data)
    if record is not None:
        return PdfAnswer(signature, record=record)
    if signature.original_is_valid:
        record = VerificationRecord.objects(pdf_sha256=signature.signed_sha256).first()
        guidance = None
        if record is None:
            guidance = RenderedGuidancePdf.objects(sha256=signature.signed_sha256, concept=False).first()
        return PdfAnswer(signature, record=record, guidance=guidance)
    # A broken signature is often a copy a program saved anew: its number still helps to check by code.
    kind, number = (
        describe_unmatched_pdf(data) if signature.state in (signing.UNSIGNED, signing.INVALID) else (None, None)
    )
    return PdfAnswer(signature, kind=kind, number=number)


def public_view(record):
    """What the public page may show: everything when valid, no personal data when withdrawn."""
    view = {
        "number": record.number,
        "status": record.status,
        "issued_at": record.issued_at,
        "institution_name": record.institution_name,
        "withdrawn_at": record.withdrawn_at,
        "withdrawal_reason": record.withdrawal_reason,
    }
    statement = record.statement if record.status == "valid" else None
    if statement is not None:
        snap = statement.snapshot or {}
        view.update(
            participant_name=(snap.get("participant") or {}).get("full_name"),
            company_name=(snap.get("company") or {}).get("name"),
            company_city=(snap.get("company") or {}).get("city"),
            education_form_label=snap.get("education_form_label"),
            bpv_hours=snap.get("bpv_hours"),
            qualifications=snap.get("qualifications") or [],
        )
    return view


def describe_unmatched_pdf(data):
    """Say what a PDF that is no issued statement looks like: 'concept', 'guidance', 'copy' (with a number) or None.

    A hint for the answer text only: it never makes a file valid (only the exact issued bytes do).
    """
    keywords, first_page = _self_description(data)
    words = {w.strip().lower() for w in keywords.split(",")}
    number = NUMBER_RE.search(keywords) or NUMBER_RE.search(first_page)
    if PRODUCER_KEYWORD in words and "begeleidingsdocument" in words:
        return "guidance", None
    if ("concept" in words and "praktijkverklaring" in words) or CONCEPT_BANNER in first_page:
        return "concept", None
    if number is not None:
        return "copy", number.group(0)
    return None, None


def _self_description(data):
    """The PDF's metadata keywords and its first page's text ('' for what cannot be read)."""
    from pypdf import PdfReader

    keywords = text = ""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        keywords = str((reader.metadata or {}).get("/Keywords") or "")
        if PRODUCER_KEYWORD not in keywords.lower() and len(reader.pages):
            text = reader.pages[0].extract_text() or ""
    except Exception:  # noqa: BLE001 - a damaged or hostile upload is answered as "not issued", never a 500
        log.info("Uploaded PDF not readable for its self-description", exc_info=True)
    return keywords, text
