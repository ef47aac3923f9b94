"""Public verification pages (no login): /verificatie and /verificatie/<code>."""

from flask import Blueprint, render_template, request

from admin_views.security import limiter
from services import verification

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


@bp.route("/verificatie", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def check():
    if request.method == "GET":
        return render_template("verification/check.html", result=None, error=None, checked=False)
    upload = request.files.get("pdf")
    code = request.form.get("code", "").strip()
    if upload and upload.filename:
        data = upload.read(verification.MAX_VERIFY_PDF_BYTES + 1)
        if len(data) > verification.MAX_VERIFY_PDF_BYTES:
            return _answer(None, "Het bestand is te groot (maximaal 10 MB).", 400)
        if not data.startswith(b"%PDF"):
            return _answer(None, "Dit bestand is geen PDF. Kies het PDF-bestand van de praktijkverklaring.", 400)
        record = verification.lookup_pdf(data)
        if record is None:
            kind, number = verification.describe_unmatched_pdf(data)
            return _answer(None, UNMATCHED_PDF.get(kind, UNMATCHED_PDF[None]), 404, kind=kind, number=number)
        return _answer(record)
    if code:
        return verify(code)
    return _answer(None, "Vul de verificatiecode in of kies het PDF-bestand van de praktijkverklaring.", 400)


def _answer(record, error=None, status=200, kind=None, number=None):
    result = verification.public_view(record) if record is not None else None
    return (
        render_template(
            "verification/check.html", result=result, error=error, checked=True, unmatched=kind, number=number
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
