"""Sign-in, terms acceptance, password reset and account management."""

import hashlib
import secrets
import time
from datetime import timedelta

from documents.users import (
    MIN_PASSWORD_LENGTH,
    PasswordResetToken,
    Terms,
    TermsAcceptance,
    User,
    normalise_email,
    spend_password_check,
)
from services import audit
from services.clock import utcnow
from services.errors import RuleBroken
from services.mail import send_mail, send_mail_quietly
from services.permissions import require
from services.urls import external_url

RESET_VALIDITY = timedelta(hours=1)
RESET_LINK_INVALID = (
    "Deze link werkt niet meer: hij is verlopen, al gebruikt, of er is intussen een nieuw wachtwoord ingesteld. "
    "Vraag een nieuwe link aan."
)


class AccountError(RuleBroken):
    """A Dutch message for the user about an account action that cannot go ahead."""


class ResetLinkInvalid(AccountError):
    """The reset link is expired, used, or outdated by a password set since."""


def authenticate(email, password):
    """Return the active user with these credentials, or None; both outcomes are audited."""
    user = User.objects(email=normalise_email(email)).first()
    # Every path checks a password hash (a dummy one for unknown and deactivated accounts), so the answer
    # takes as long whether or not the address has an account.
    if user is None or not user.is_active:
        password_ok = spend_password_check(password)
    else:
        password_ok = user.check_password(password or "")
    if not password_ok:
        audit.record(
            "login_failed",
            user=user,
            object_type="User",
            label=normalise_email(email)[:200],
            institution=user.institution if user else None,
        )
        return None
    User.objects(pk=user.pk).update_one(set__last_login_at=utcnow())
    user.reload()
    audit.record("login", user, user=user)
    return user


# The current terms version, cached per process for a few seconds: the gate runs on every request and
# a new version reaching all app servers within TERMS_CACHE_SECONDS is soon enough.
TERMS_CACHE_SECONDS = 10
_terms_cache = {"version": None, "at": 0.0}


def current_terms_version():
    now = time.monotonic()
    if _terms_cache["at"] and now - _terms_cache["at"] < TERMS_CACHE_SECONDS:
        return _terms_cache["version"]
    current = Terms.objects.order_by("-version").only("version").first()
    _terms_cache.update(version=current.version if current else None, at=now)
    return _terms_cache["version"]


def forget_terms_cache():
    _terms_cache.update(version=None, at=0.0)


def needs_terms(user):
    """Say whether the user must accept the current terms before doing anything else."""
    version = current_terms_version()
    return version is not None and (user.accepted_terms_version or 0) < version


def accept_terms(user, version):
    """Store that the user accepted this version (only the current one can be accepted)."""
    current = Terms.current()
    if current is None or current.version != version:
        raise AccountError(
            "Er is intussen een nieuwere versie van de voorwaarden gepubliceerd. Lees die en accepteer opnieuw."
        )
    now = utcnow()
    User.objects(pk=user.pk).update_one(set__accepted_terms_version=version, set__accepted_terms_at=now)
    TermsAcceptance(
        user=user,
        version=version,
        accepted_at=now,
        ip_address=audit.request_context()[1],
    ).save()
    user.reload()
    audit.record("terms_accepted", user, user=user, changes={"versie": version})


def publish_terms(text, by):
    """Publish a new version of the terms; every user must accept it at the next page view."""
    if by is not None:
        require(by, "manage_terms")
    current = Terms.current()
    terms = Terms(version=(current.version + 1) if current else 1, text=text.strip(), published_by=by)
    terms.save()
    forget_terms_cache()
    audit.record("terms_published", terms, user=by, changes={"versie": terms.version})
    return terms


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(email, *, strict=False):
    """Mail a single-use reset link when the account exists; say nothing either way.

    A mail server failure is logged and otherwise silent (the public form must not reveal which addresses
    have an account); with strict=True it raises, for callers that undo their work when the mail fails.
    """
    user = User.objects(email=normalise_email(email), active=True).first()
    if user is None:
        return None
    token = secrets.token_urlsafe(32)
    PasswordResetToken(
        user=user,
        token_hash=_hash(token),
        password_stamp=user.password_stamp,
        expires_at=utcnow() + RESET_VALIDITY,
    ).save()
    link = external_url("auth.reset_password", token=token)
    (send_mail if strict else send_mail_quietly)(
        user.email,
        "Nieuw wachtwoord voor het Praktijkloket",
        f"Beste {user.name},\n\n"
        "Er is een nieuw wachtwoord aangevraagd voor uw account in het Praktijkloket.\n"
        f"Kies uw nieuwe wachtwoord via deze link (één uur geldig, één keer te gebruiken):\n\n{link}\n\n"
        "Hebt u dit niet zelf aangevraagd? Dan kunt u dit bericht negeren; uw wachtwoord blijft ongewijzigd.\n\n"
        "Met vriendelijke groet,\nSBB Praktijkloket",
    )
    audit.record("password_reset_requested", user, user=user)
    return token


def valid_reset_token(token):
    """Return the token record when the link can still set a password, or None."""
    if not token:
        return None
    record = PasswordResetToken.objects(token_hash=_hash(token), used_at=None).first()
    if record is None or not record.usable(utcnow()):
        return None
    return record


def check_new_password(password, repeat):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Kies een wachtwoord van minstens {MIN_PASSWORD_LENGTH} tekens.")
    if password != repeat:
        raise AccountError("De twee wachtwoorden zijn niet gelijk. Typ hetzelfde wachtwoord twee keer.")


def reset_password(token, password, repeat):
    """Set a new password with a reset token; the token can be used once."""
    check_new_password(password, repeat)
    record = valid_reset_token(token)
    if record is None:
        raise ResetLinkInvalid(RESET_LINK_INVALID)
    # Claim the token atomically: two clicks at once cannot both use it.
    now = utcnow()
    if not PasswordResetToken.objects(pk=record.pk, used_at=None).update_one(set__used_at=now):
        raise ResetLinkInvalid(RESET_LINK_INVALID)
    user = record.user
    old_hash = user.password_hash
    user.set_password(password)
    # Set the password only if no other link (or anyone else) changed it since this link was checked, so
    # two links used at the same moment cannot both set one.
    changed = User.objects(pk=user.pk, password_hash=old_hash).update_one(
        set__password_hash=user.password_hash, set__session_token=user.session_token
    )
    if not changed:
        raise ResetLinkInvalid(RESET_LINK_INVALID)
    # The stamp already refuses the other links; marking them used keeps the valid ones easy to count.
    PasswordResetToken.objects(user=user, used_at=None).update(set__used_at=now)
    user.reload()
    audit.record("password_reset", user, user=user)
    return user


def create_user(*, email, name, role, institution=None, password=None, by=None, function=None):
    """Create an account; without a password the user sets one through a reset mail (by=None: the system)."""
    if by is not None:
        require(by, "manage_accounts")
    if User.objects(email=normalise_email(email)).first():
        raise AccountError("Er bestaat al een account met dit e-mailadres.")
    user = User(email=email, name=name, role=role, institution=institution, function=function)
    if password:
        user.set_password(password)
    user.save()
    audit.record("create", user, user=by, institution=institution)
    return user


def set_active(user, active, by):
    """Activate or deactivate an account; deactivation ends its sessions. Return True if it changed."""
    if by is not None:
        require(by, "manage_accounts")
    if user.active == active:
        return False
    if not active and by is not None and user.pk == by.pk:
        raise AccountError("U kunt uw eigen account niet deactiveren.")
    user.active = active
    if not active:
        user.session_token = secrets.token_hex(16)
    user.save()
    audit.record("update", user, user=by, changes={"actief": active})
    return True
