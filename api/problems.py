"""Errors as application/problem+json (RFC 9457): Dutch title and detail; the one place HTTP codes are chosen."""

import time

from flask import current_app, jsonify
from mongoengine.errors import ValidationError as MongoValidationError
from werkzeug.exceptions import HTTPException

from services.api_keys import ApiAuthError
from services.errors import NotFound, NotPermitted, RuleBroken, validation_messages
from services.participants import DuplicateParticipantError, ParticipantError, StaleParticipantError
from services.statements import StatementError

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: "Ongeldig verzoek",
    401: "Niet aangemeld",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    409: "Conflict",
    412: "Versie verouderd",
    413: "Verzoek te groot",
    415: "Verkeerd formaat",
    422: "Ongeldige invoer",
    428: "Versie ontbreekt",
    429: "Te veel verzoeken",
    500: "Er ging iets mis",
}

DETAILS = {
    400: "Het verzoek kon niet worden gelezen. Stuur geldige JSON met Content-Type: application/json.",
    401: "Stuur uw API-sleutel mee in de kop 'Authorization: Bearer <sleutel>'.",
    403: "Deze API-sleutel mag dit niet.",
    404: "Dit gegeven bestaat niet (meer), of hoort niet bij uw onderwijsinstelling.",
    405: "Deze methode kan niet op dit adres. Zie de documentatie op /api/v1/docs.",
    413: "Het verzoek is te groot.",
    415: "Stuur de gegevens als JSON (Content-Type: application/json).",
    422: "De invoer klopt niet: zie per veld in 'errors' wat u moet aanpassen.",
    429: "Deze API-sleutel deed te veel verzoeken. Wacht even en probeer het dan opnieuw.",
    500: "Er ging iets mis aan onze kant; er is niets opgeslagen. Probeer het later opnieuw.",
}


def problem(status, detail=None, *, errors=None, headers=None, title=None, **extra):
    """A problem+json response."""
    body = {"type": "about:blank", "title": title or TITLES.get(status, "Fout"), "status": status}
    body["detail"] = detail or DETAILS.get(status, "Het verzoek kon niet worden uitgevoerd.")
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def read_only_detail():
    return "Deze API-sleutel mag alleen lezen. Maak in Beheer > API-sleutels een sleutel voor lezen en schrijven."


def describe(exc):
    """(status, detail, errors, extra) for a domain error; None when it is not one of ours."""
    if isinstance(exc, ApiAuthError):
        return 401, exc.message, None, {}
    if isinstance(exc, NotFound):
        return 404, DETAILS[404], None, {}
    if isinstance(exc, NotPermitted):
        return 403, read_only_detail(), None, {}
    if isinstance(exc, StaleParticipantError):
        current = exc.current.version
        detail = (
            f"De deelnemer is intussen gewijzigd (nu versie {current}); er is niets opgeslagen. "
            "Lees de deelnemer opnieuw en stuur uw wijziging met de nieuwe versie in If-Match."
        )
        return 412, detail, None, {"current_version": current}
    if isinstance(exc, DuplicateParticipantError):
        return 409, exc.message, None, {"existing_id": str(exc.existing.pk)}
    if isinstance(exc, ParticipantError):
        return 422, exc.message, exc.errors or None, {}
    if isinstance(exc, StatementError):
        return 409, " ".join(exc.problems) if getattr(exc, "problems", None) else str(exc), None, {}
    if isinstance(exc, RuleBroken):
        return 422, exc.message, None, {}
    if isinstance(exc, MongoValidationError):
        return 422, " ".join(validation_messages(exc)), None, {}
    return None


def _webargs_errors(data):
    """Webargs nests messages per location ({"json": {"field": [..]}}): drop the location level."""
    messages = (data or {}).get("messages") or (data or {}).get("errors") or {}
    flat = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def handle_http(exc):
    status = exc.code or 500
    if status == 422:
        return problem(422, errors=_webargs_errors(getattr(exc, "data", None)))
    if status == 429:
        return problem(429, headers={"Retry-After": str(_retry_after())})
    if status == 405:
        return problem(405, headers={"Allow": ", ".join(getattr(exc, "valid_methods", None) or [])})
    if status == 401:
        return problem(401, headers={"WWW-Authenticate": 'Bearer realm="praktijkloket"'})
    if status >= 500:
        return problem(500)
    return problem(status, headers=dict(exc.get_headers()) and None)


def _retry_after():
    from admin_views.security import limiter

    try:
        reset = limiter.current_limit.reset_at
        return max(1, int(reset - time.time()))
    except Exception:  # the header is a courtesy; the 429 itself must not fail
        return 60


def handle_exception(exc):
    """Every error raised under /api/v1: ours get their status, an unknown one a 500 (logged) without details."""
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    described = describe(exc)
    if described is None:
        current_app.logger.exception("API-fout")
        return problem(500)
    status, detail, errors, extra = described
    headers = {"WWW-Authenticate": 'Bearer realm="praktijkloket"'} if status == 401 else None
    return problem(status, detail, errors=errors, headers=headers, **extra)
