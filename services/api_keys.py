"""API-sleutels: make, revoke and check a school's key, and the principal a key acts as in the services."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from bson import ObjectId
from mongoengine.errors import ValidationError as MongoValidationError

from core.clock import local_today, utcnow
from core.text import tidy
from documents.api_keys import MAX_VALID_DAYS, ApiKey
from documents.constants import API_KEY_SCOPES, ROLE_SCHOOL_STAFF
from documents.institutions import Institution
from services import audit
from services.errors import NotFound, RuleBroken, first_error
from services.ids import parse_object_id, ref_id
from services.permissions import require, scope, sees_all_institutions

KEY_PREFIX = "pl_"
# last_used_at is written at most this often per key: a busy system should not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiAuthError(Exception):
    """The request carries no valid key; the message is Dutch and says what to do (the API answers 401)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ApiPrincipal:
    """Who a request with a key acts as: a school staff member of the key's school, read-only for scope 'lezen'.

    The services take it where they take a user: permissions.can() reads role and read_only, the tenancy scope
    reads institution, and the audit log names the key (no user id: a key is not an account).
    """

    key: ApiKey
    institution: Institution
    read_only: bool
    role: str = ROLE_SCHOOL_STAFF
    pk = None
    is_authenticated = True
    is_active = True

    @property
    def name(self):
        return f"API-sleutel {self.key.name}"

    @property
    def email(self):
        return self.name  # the audit log's "Gebruiker" column


def hash_key(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _institution_for(user, institution_id):
    if sees_all_institutions(user):
        oid = parse_object_id(institution_id)
        institution = Institution.objects(pk=oid).first() if oid else None
        if institution is None:
            raise RuleBroken("Kies de onderwijsinstelling waarvoor de sleutel is.")
        return institution
    institution = getattr(user, "institution", None)
    if institution is None:
        raise RuleBroken("Alleen een medewerker van een onderwijsinstelling kan een API-sleutel maken.")
    return institution


def create_key(user, *, name, scope_code, expires_on, institution_id=None):
    """Make a key for the user's school (SBB admins: the chosen one); return (ApiKey, the key, shown once)."""
    require(user, "manage_api_keys")
    institution = _institution_for(user, institution_id)
    name = tidy(name or "")
    if not name:
        raise RuleBroken("Vul een naam in, bijvoorbeeld de naam van het leerlingvolgsysteem.")
    if scope_code not in dict(API_KEY_SCOPES):
        raise RuleBroken("Kies wat de sleutel mag: lezen, of lezen en schrijven.")
    today = local_today()
    if not isinstance(expires_on, date) or expires_on <= today:
        raise RuleBroken("Kies een vervaldatum na vandaag.")
    if expires_on > today + timedelta(days=MAX_VALID_DAYS):
        raise RuleBroken(f"Een sleutel is hoogstens {MAX_VALID_DAYS} dagen geldig: kies een eerdere vervaldatum.")
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        id=ObjectId(),
        name=name,
        institution=institution,
        scope=scope_code,
        expires_on=expires_on,
        key_hash=hash_key(plain),
        prefix=plain[:10],
        created_by=getattr(user, "name", None) or getattr(user, "email", None),
        created_at=utcnow(),
    )
    try:
        key.validate()
    except MongoValidationError as exc:
        raise RuleBroken(first_error(exc)) from None
    changes = {"bevoegdheid": dict(API_KEY_SCOPES)[scope_code], "geldig tot en met": expires_on}
    with audit.recorded("create", key, user=user, institution=institution, changes=changes):
        key.save(force_insert=True)
    return key, plain


def keys_for(user):
    """The keys the user may see: of the own school (SBB admins: every school)."""
    require(user, "manage_api_keys")
    return scope(ApiKey.objects, user)


def revoke_key(user, key):
    """Revoke a key for good (a revoked key never works again); refuse one that is already revoked."""
    require(user, "manage_api_keys")
    if not scope(ApiKey.objects(pk=key.pk), user).count():
        raise NotFound()
    who = getattr(user, "name", None) or getattr(user, "email", None)
    with audit.recorded("update", key, user=user, changes={"ingetrokken": True}):
        done = ApiKey.objects(pk=key.pk, revoked_at=None).update_one(set__revoked_at=utcnow(), set__revoked_by=who)
        if not done:
            raise RuleBroken(f"De sleutel '{key.name}' is al ingetrokken.")
    key.reload()
    return key


def bearer_token(header_value):
    """Return the key in an `Authorization: Bearer <key>` header (any case, any spaces), or None."""
    kind, _, token = (header_value or "").strip().partition(" ")
    token = token.strip()
    return token if kind.lower() == "bearer" and token else None


def authenticate(header_value):
    """Return the principal for an `Authorization: Bearer <key>` header; ApiAuthError (Dutch) otherwise."""
    token = bearer_token(header_value)
    if token is None:
        raise ApiAuthError("Stuur uw API-sleutel mee in de kop 'Authorization: Bearer <sleutel>'.")
    key = ApiKey.objects(key_hash=hash_key(token)).first()
    if key is None:
        raise ApiAuthError("Deze API-sleutel is onbekend. Controleer de sleutel of maak een nieuwe in Beheer.")
    if key.revoked_at is not None:
        raise ApiAuthError("Deze API-sleutel is ingetrokken. Maak een nieuwe in Beheer > API-sleutels.")
    if key.expires_on < local_today():
        raise ApiAuthError(
            f"Deze API-sleutel is verlopen op {key.expires_on:%d-%m-%Y}. Maak een nieuwe in Beheer > API-sleutels."
        )
    institution = Institution.objects(pk=ref_id(key._data.get("institution"))).first()
    if institution is None:
        raise ApiAuthError("De onderwijsinstelling van deze API-sleutel bestaat niet meer.")
    _touch(key)
    return ApiPrincipal(key=key, institution=institution, read_only=not key.may_write)


def _touch(key):
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional: of many parallel requests one writes; the others find it recent enough.
        ApiKey.objects(pk=key.pk, last_used_at=key.last_used_at).update_one(set__last_used_at=now)
        key.last_used_at = now
