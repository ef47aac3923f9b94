"""Public verification of a praktijkverklaring by its code or by the exact PDF bytes."""

import hashlib

from documents.statements import VerificationRecord
from services.statements import normalise_code

MAX_VERIFY_PDF_BYTES = 10 * 1024 * 1024


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
