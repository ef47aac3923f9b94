"""Public verification pages (no login): /verificatie and /verificatie/<code>."""

from flask import Blueprint, Response, render_template, request

from admin_views.security import limiter
from services import signing, verification

bp = Blueprint("verification", __name__)

# The first line of the answer to an uploaded PDF that is not an issued statement, by what it looks like
# (services.verification.describe_unmatched_pdf); the page explains the rest and how to check by code.
UNMATCHED_PDF = {
    "concept": "Dit is een concept, geen praktijkverklaring. Een concept is nooit uitgegeven: het heeft geen "
    "nummer en geen verificatiecode en is niet geldig.",
    "guidance": "Dit is een begeleidingsdocument, geen praktijkverklaring. Alleen een definitieve "
    "praktijkverklaring kunt u hier controleren.",
    "copy": "Dit bestand is niet precies een praktijkverklaring die via het Praktijkloket is uitgegeven: "
    "het wijkt af van het bestand dat is uitgegeven.",
    None: "Dit bestand is niet precies een praktijkverklaring die via het Praktijkloket is uitgegeven: het kan "
    "gewijzigd zijn. Controleer de verificatiecode onderaan de verklaring.",
}


# A signature that does not prove an issued statement: the first line of the answer (the page explains the rest).
SIGNATURE_ERRORS = {
    signing.INVALID: "Ongeldig: het ondertekende deel van dit bestand is gewijzigd, of de handtekening klopt niet. "
    "Dit is niet precies een praktijkverklaring die via het Praktijkloket is uitgegeven.",
    signing.FOREIGN: "Dit bestand is ondertekend, maar niet door het Praktijkloket. Het is niet precies een "
    "praktijkverklaring die via het Praktijkloket is uitgegeven.",
}
SIGNED_UNKNOWN = (
    "Dit bestand is ondertekend door het Praktijkloket, maar het is geen uitgegeven praktijkverklaring of "
    "begeleidingsdocument (bijvoorbeeld een voorbeeld-PDF). Het is niet geldig als praktijkverklaring."
)


@bp.route("/verificatie", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def check():
    if request.method == "GET":
        return render_template(
            "verification/check.html", result=None, error=None, checked=False, signature=None, guidance=None
        )
    upload = request.files.get("pdf")
    code = request.form.get("code", "").strip()
    if upload and upload.filename:
        data = upload.read(verification.MAX_VERIFY_PDF_BYTES + 1)
        if len(data) > verification.MAX_VERIFY_PDF_BYTES:
            return _answer(None, "Het bestand is te groot (maximaal 10 MB).", 400)
        if not data.startswith(b"%PDF"):
            return _answer(None, "Dit bestand is geen PDF. Kies het PDF-bestand van de praktijkverklaring.", 400)
        answer = verification.check_pdf(data)
        signature = answer.signature
        if answer.record is not None:
            return _answer(answer.record, signature=signature)
        if answer.guidance is not None:
            return _answer(None, signature=signature, guidance=answer.guidance)
        if signature.original_is_valid:
            return _answer(None, SIGNED_UNKNOWN, 404, signature=signature)
        kind, number = answer.kind, answer.number
        if signature.state in SIGNATURE_ERRORS:
            copy = kind if kind == "copy" else None  # explain how to check by the code printed on it
            return _answer(None, SIGNATURE_ERRORS[signature.state], 404, kind=copy, number=number, signature=signature)
        return _answer(None, UNMATCHED_PDF.get(kind, UNMATCHED_PDF[None]), 404, kind=kind, number=number)
    if code:
        return verify(code)
    return _answer(None, "Vul de verificatiecode in of kies het PDF-bestand van de praktijkverklaring.", 400)


@bp.route("/verificatie/ca-certificaat.pem")
@limiter.limit("30 per minute")
def ca_certificate():
    """The platform's CA certificates (every generation), to trust in a PDF reader."""
    return Response(
        signing.ca_certificates_pem(),
        mimetype="application/x-pem-file",
        headers={"Content-Disposition": 'attachment; filename="praktijkloket-ca.pem"'},
    )


def _answer(record, error=None, status=200, kind=None, number=None, signature=None, guidance=None):
    result = verification.public_view(record) if record is not None else None
    return (
        render_template(
            "verification/check.html",
            result=result,
            error=error,
            checked=True,
            unmatched=kind,
            number=number,
            signature=signature,
            guidance=guidance,
        ),
        status,
    )


@bp.route("/verificatie/<code>")
@limiter.limit("30 per minute")
def verify(code):
    record = verification.lookup_code(code)
    if record is None:
        return _answer(
            None, "Er is geen praktijkverklaring met deze code. Controleer de code en probeer het opnieuw.", 404
        )
    return _answer(record)
