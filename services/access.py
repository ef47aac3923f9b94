"""Toegang aanvragen: submit a request (public), approve or reject it (SBB-beheerder).

Who decides: seeing the requests is `handle_requests` (SBB-beheerders and adviseurs praktijkleren, so an
adviser can follow up with the school), but approving creates a school and an account, and rejecting is the
same decision about who gets an account: both need `manage_accounts` as well, which only the SBB-beheerder
has (the issue: "SBB admins ... approve or reject").
"""

import logging

from mongoengine.errors import ValidationError

from documents.access import STATUS_APPROVED, STATUS_REJECTED, STATUS_SUBMITTED, AccessRequest
from documents.constants import ROLE_SCHOOL_STAFF
from documents.institutions import Institution
from documents.users import PasswordResetToken, User, normalise_email
from services import accounts, audit
from services.clock import utcnow
from services.errors import NotFound, NotPermitted
from services.ids import parse_object_id
from services.mail import send_mail_quietly
from services.permissions import can
from services.urls import external_url

log = logging.getLogger("praktijkloket.access")

FIELDS = ("name", "email", "function", "school_name", "kind", "brin", "message")


class AccessError(ValueError):
    """A Dutch message about a request that cannot be handled; `errors` holds per-field messages."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.errors = errors or {}


def may_decide(user):
    return can(user, "handle_requests") and can(user, "manage_accounts")


def _require_decider(user):
    if not may_decide(user):
        raise AccessError("Alleen een SBB-beheerder mag toegangsaanvragen goedkeuren of afwijzen.")


def request_to_decide(user, request_id):
    """The access request a decider opens to approve or reject: NotPermitted for others, NotFound for a bad id."""
    if not may_decide(user):
        raise NotPermitted()
    oid = parse_object_id(request_id)
    found = AccessRequest.objects(pk=oid).first() if oid else None
    if found is None:
        raise NotFound()
    return found


def submit_request(data, ip_address=None):
    """Store a request from the public form; the answer is the same whether or not the e-mail has an account.

    Raises AccessError with per-field Dutch messages when the input is not valid (nothing is stored).
    Returns the stored request, or the open one that already exists for this e-mail address.
    """
    values = {field: (data.get(field) or "").strip() or None for field in FIELDS}
    request = AccessRequest(**values, ip_address=ip_address)
    try:
        request.validate()
    except ValidationError as exc:
        raise AccessError("Controleer de gemarkeerde velden.", AccessRequest.error_messages(exc)) from None
    # A second click or a repeated form does not make a second open request.
    existing = AccessRequest.objects(email=request.email, status=STATUS_SUBMITTED).first()
    if existing is not None:
        return existing
    request.save()
    audit.record("create", request, user=None, institution=None)
    return request


def existing_accounts(emails):
    """Return {e-mail: User} for the addresses that already have an account (one query)."""
    emails = {normalise_email(e) for e in emails if e}
    return {u.email: u for u in User.objects(email__in=list(emails)).only("email", "name", "institution", "active")}


def existing_institutions(brins):
    """Return {BRIN: Institution} for the codes a school already has (one query)."""
    return {i.brin: i for i in Institution.objects(brin__in=[b for b in set(brins) if b])}


def _claim(request, status, by, **extra):
    """Move a submitted request to its final status; False when someone else handled it first."""
    updates = {f"set__{k}": v for k, v in extra.items()}
    claimed = AccessRequest.objects(pk=request.pk, status=STATUS_SUBMITTED).update_one(
        set__status=status, set__handled_by=by, set__handled_by_email=by.email, set__handled_at=utcnow(), **updates
    )
    if not claimed:
        raise AccessError("Deze aanvraag is intussen al door iemand anders behandeld. Vernieuw de pagina.")
    request.reload()


def approve_request(request, by):
    """Create the school (when no school has this BRIN) and the account, and mail the set-password link.

    Order: check, claim the request, create school, create user, send the mail, record the result. When a step
    fails, what was made is removed again and the request is open again, so nothing is half-made.
    """
    _require_decider(by)
    if request.status != STATUS_SUBMITTED:
        raise AccessError("Deze aanvraag is al behandeld.")
    if User.objects(email=request.email).first() is not None:
        raise AccessError(
            "Er bestaat al een account met dit e-mailadres. Goedkeuren kan niet; wijs de aanvraag af met een "
            "toelichting of beheer het bestaande account via Beheer > Gebruikers."
        )
    institution = Institution.objects(brin=request.brin).first()
    new_institution = None
    if institution is None:
        new_institution = Institution(name=request.school_name, brin=request.brin, kind=request.kind)
        try:
            new_institution.validate()
        except ValidationError:
            raise AccessError(
                "De school kan met deze gegevens niet worden aangemaakt; controleer naam en BRIN-code."
            ) from None

    _claim(request, STATUS_APPROVED, by)
    user = None
    try:
        if new_institution is not None:
            new_institution.save()
            institution = new_institution
            audit.record("create", institution, user=by, institution=institution, changes={"bron": "toegangsaanvraag"})
        user = accounts.create_user(
            email=request.email,
            name=request.name,
            role=ROLE_SCHOOL_STAFF,
            institution=institution,
            by=by,
            function=request.function,
        )
        if accounts.request_password_reset(user.email, strict=True) is None:
            raise AccessError("Het account kon niet worden geactiveerd.")
    except Exception as exc:
        _undo(request, user, new_institution, by)
        log.exception("Goedkeuren van toegangsaanvraag %s mislukt", request.pk)
        if isinstance(exc, (AccessError, accounts.AccountError)):
            raise AccessError(f"{exc} Er is niets aangemaakt.") from exc
        raise AccessError(
            "De e-mail om een wachtwoord te kiezen kon niet worden verstuurd. Er is niets aangemaakt en de aanvraag "
            "staat weer open; probeer het later opnieuw."
        ) from exc

    AccessRequest.objects(pk=request.pk).update_one(set__created_user=user, set__institution=institution)
    request.reload()
    audit.record(
        "status_change",
        request,
        user=by,
        institution=institution,
        changes={
            "status": "goedgekeurd",
            "gebruiker": user.email,
            "onderwijsinstelling": institution.name,
            "nieuwe school": new_institution is not None,
        },
    )
    send_mail_quietly(
        request.email,
        "Uw toegang tot het Praktijkloket is geregeld",
        f"Beste {request.name},\n\n"
        f"U hebt toegang gekregen tot het Praktijkloket van SBB voor {institution.name}.\n"
        "Uw gebruikersnaam is dit e-mailadres. U ontvangt een aparte e-mail met een link om uw wachtwoord te "
        "kiezen; die link is één uur geldig.\n"
        "Is de link verlopen? Klik dan op 'Nieuw wachtwoord aanvragen' op de inlogpagina:\n\n"
        f"{external_url('auth.login')}\n\n"
        "De eerste keer dat u inlogt, vragen we u de Algemene Voorwaarden te accepteren.\n\n"
        "Met vriendelijke groet,\nSBB Praktijkloket",
    )
    return user


def _undo(request, user, new_institution, by):
    """Remove what approve_request made before it failed, and open the request again."""
    if user is not None:
        PasswordResetToken.objects(user=user).delete()
        audit.record("delete", user, user=by, institution=user.institution, changes={"reden": "goedkeuren mislukt"})
        User.objects(pk=user.pk).delete()
    if new_institution is not None and new_institution.pk is not None:
        audit.record(
            "delete", new_institution, user=by, institution=new_institution, changes={"reden": "goedkeuren mislukt"}
        )
        Institution.objects(pk=new_institution.pk).delete()
    AccessRequest.objects(pk=request.pk).update_one(
        set__status=STATUS_SUBMITTED, unset__handled_by=True, unset__handled_by_email=True, unset__handled_at=True
    )
    request.reload()


def reject_request(request, by, reason):
    """Reject with a reason that the requester receives by mail; return whether that mail went out."""
    _require_decider(by)
    reason = (reason or "").strip()
    if not reason:
        raise AccessError("Vul de reden van de afwijzing in; de aanvrager krijgt die te lezen.")
    if len(reason) > 2000:
        raise AccessError("De reden is te lang: maximaal 2000 tekens.")
    if request.status != STATUS_SUBMITTED:
        raise AccessError("Deze aanvraag is al behandeld.")
    _claim(request, STATUS_REJECTED, by, rejection_reason=reason)
    audit.record("status_change", request, user=by, institution=None, changes={"status": "afgewezen", "reden": reason})
    return send_mail_quietly(
        request.email,
        "Uw aanvraag voor toegang tot het Praktijkloket",
        f"Beste {request.name},\n\n"
        f"U hebt toegang aangevraagd tot het Praktijkloket van SBB voor {request.school_name}. "
        "Wij kunnen u helaas geen toegang geven.\n\n"
        f"De reden:\n{reason}\n\n"
        "Hebt u vragen hierover? Neem dan contact op met SBB.\n\n"
        "Met vriendelijke groet,\nSBB Praktijkloket",
    )


def open_count():
    return AccessRequest.objects(status=STATUS_SUBMITTED).count()
