"""Gebruikers, Algemene Voorwaarden and password-reset tokens."""

import hashlib
import secrets

from flask import current_app, has_app_context
from flask_login import UserMixin
from mongoengine import (
    BooleanField,
    DateTimeField,
    Document,
    EmailField,
    IntField,
    ReferenceField,
    StringField,
    ValidationError,
)
from werkzeug.security import check_password_hash, generate_password_hash

from core.clock import utcnow
from documents.constants import (
    ROLE_SBB_ADMIN,
    ROLE_SBB_ADVISOR,
    ROLE_SCHOOL_STAFF,
    ROLES,
    label,
)
from documents.institutions import Institution

MIN_PASSWORD_LENGTH = 12


def _hash_method():
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


# One dummy hash per hash method, computed once per process: checking a password against it costs as much as
# checking a real one, so a sign-in for an unknown or deactivated account takes as long as a wrong password.
_dummy_hashes = {}


def spend_password_check(password):
    """Check the password against a dummy hash and return False, taking as long as a real check."""
    method = _hash_method()
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    check_password_hash(_dummy_hashes[method], password or "")
    return False


def normalise_email(email):
    """Return the e-mail address as stored: trimmed and lower-cased."""
    return (email or "").strip().lower()


class User(UserMixin, Document):
    email = EmailField(required=True, unique=True, max_length=200, verbose_name="E-mailadres")
    name = StringField(required=True, max_length=200, verbose_name="Naam")
    role = StringField(required=True, choices=ROLES, verbose_name="Rol")
    institution = ReferenceField(Institution, verbose_name="Onderwijsinstelling")
    function = StringField(max_length=100, verbose_name="Functie")
    password_hash = StringField(max_length=300)
    # Changing it invalidates every session of the user (password reset, deactivation).
    session_token = StringField(max_length=64, default=lambda: secrets.token_hex(16))
    active = BooleanField(default=True, verbose_name="Actief")
    last_login_at = DateTimeField(verbose_name="Laatst ingelogd")
    accepted_terms_version = IntField(verbose_name="Geaccepteerde voorwaarden (versie)")
    accepted_terms_at = DateTimeField(verbose_name="Voorwaarden geaccepteerd op")
    created_at = DateTimeField(default=utcnow, verbose_name="Aangemaakt op")

    meta = {"collection": "users", "indexes": ["institution", "role"], "ordering": ["name"]}

    def clean(self):
        self.email = normalise_email(self.email)
        self.name = (self.name or "").strip()
        if self.role == ROLE_SCHOOL_STAFF and not self.institution:
            raise ValidationError(
                "Een medewerker van een onderwijsinstelling hoort bij een onderwijsinstelling: kies er een.",
                field_name="institution",
            )
        if self.role in (ROLE_SBB_ADMIN, ROLE_SBB_ADVISOR):
            self.institution = None

    # flask-login
    def get_id(self):
        return f"{self.pk}:{self.session_token}"

    @property
    def is_active(self):
        return bool(self.active)

    def set_password(self, password):
        self.password_hash = generate_password_hash(password, method=_hash_method())
        self.session_token = secrets.token_hex(16)

    def check_password(self, password):
        """Say whether the password is right; an account without a password costs a (dummy) check too."""
        if not self.password_hash:
            return spend_password_check(password)
        return check_password_hash(self.password_hash, password or "")

    @property
    def password_stamp(self):
        """A fingerprint of the current password: reset links carry it and die when the password changes."""
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()

    @property
    def is_sbb(self):
        return self.role in (ROLE_SBB_ADMIN, ROLE_SBB_ADVISOR)

    @property
    def role_label(self):
        return label(ROLES, self.role)

    def __str__(self):
        return f"{self.name} <{self.email}>"


class Terms(Document):
    """One published version of the Algemene Voorwaarden; the highest version is in force."""

    version = IntField(required=True, unique=True, min_value=1, verbose_name="Versie")
    text = StringField(required=True, verbose_name="Tekst")
    published_at = DateTimeField(default=utcnow, verbose_name="Gepubliceerd op")
    published_by = ReferenceField(User, verbose_name="Gepubliceerd door")

    meta = {"collection": "terms", "ordering": ["-version"]}

    @classmethod
    def current(cls):
        return cls.objects.order_by("-version").first()

    def __str__(self):
        return f"Algemene Voorwaarden versie {self.version}"


class TermsAcceptance(Document):
    """Proof that a user accepted a version of the terms, and when."""

    user = ReferenceField(User, required=True)
    version = IntField(required=True)
    accepted_at = DateTimeField(default=utcnow)
    ip_address = StringField(max_length=64)

    meta = {"collection": "terms_acceptances", "indexes": ["user"]}


class PasswordResetToken(Document):
    """A single-use reset link; only the hash of the secret is stored."""

    user = ReferenceField(User, required=True)
    token_hash = StringField(required=True, unique=True, max_length=64)
    # The user's password_stamp when the link was made: once the password is set in any way (another link,
    # an admin, the user), every link made before stops working.
    password_stamp = StringField(required=True, max_length=64)
    expires_at = DateTimeField(required=True)
    used_at = DateTimeField()
    created_at = DateTimeField(default=utcnow)

    meta = {
        "collection": "password_reset_tokens",
        "indexes": ["user", {"fields": ["expires_at"], "expireAfterSeconds": 86400}],
    }

    def usable(self, now):
        """Say whether the link can still set a password: unused, unexpired, and the password unchanged since."""
        return (
            self.used_at is None
            and self.expires_at >= now
            and self.password_stamp == getattr(self.user, "password_stamp", None)
        )
