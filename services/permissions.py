"""Roles mapped to capabilities, and the tenancy scope: the one module every view and service asks."""

from documents.constants import ROLE_SBB_ADMIN, ROLE_SBB_ADVISOR, ROLE_SCHOOL_STAFF
from services.errors import NotFound, NotPermitted

ALL_ROLES = frozenset({ROLE_SBB_ADMIN, ROLE_SBB_ADVISOR, ROLE_SCHOOL_STAFF})
SBB_ROLES = frozenset({ROLE_SBB_ADMIN, ROLE_SBB_ADVISOR})

CAPABILITIES = {
    # Beheer
    "manage_accounts": {ROLE_SBB_ADMIN},
    "manage_terms": {ROLE_SBB_ADMIN},
    "view_audit_all": {ROLE_SBB_ADMIN, ROLE_SBB_ADVISOR},
    "view_audit_own": ALL_ROLES,
    # Registries SBB runs (qualification structure, companies, branch organisations)
    "manage_registry": {ROLE_SBB_ADMIN},
    "view_registry": ALL_ROLES,
    # Requests from schools (accreditation, trainers added by schools, access requests)
    "handle_requests": SBB_ROLES,
    "make_requests": {ROLE_SCHOOL_STAFF, ROLE_SBB_ADMIN},
    # Participants and their documents
    "view_participants": ALL_ROLES,
    "edit_participants": {ROLE_SCHOOL_STAFF, ROLE_SBB_ADMIN},
    "view_all_institutions": SBB_ROLES,
    # Reporting
    "view_reports": ALL_ROLES,
    # Keys for the JSON API of the own school (SBB admins pick the school)
    "manage_api_keys": {ROLE_SCHOOL_STAFF, ROLE_SBB_ADMIN},
}

# What an API key with scope "lezen" (read_only) may still do: reading only, whatever its role allows.
READ_CAPABILITIES = frozenset({"view_registry", "view_participants", "view_reports", "view_audit_own"})


def can(user, capability):
    """Say whether the user's role carries the capability."""
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    if getattr(user, "read_only", False) and capability not in READ_CAPABILITIES:
        return False
    return bool(user and getattr(user, "is_authenticated", False) and user.role in CAPABILITIES[capability])


def require(user, capability):
    """Refuse (NotPermitted: the web layer answers 403) when the user lacks the capability."""
    if not can(user, capability):
        raise NotPermitted()


def sees_all_institutions(user):
    return can(user, "view_all_institutions")


def scope(queryset, user, field="institution"):
    """Limit a queryset to what the user may see: school staff only their own institution."""
    if sees_all_institutions(user):
        return queryset
    institution = getattr(user, "institution", None)
    if institution is None:
        return queryset.none()
    return queryset.filter(**{field: institution.pk})


def may_access_institution(user, institution):
    """Record-level check for one object's institution."""
    if sees_all_institutions(user):
        return True
    own = getattr(user, "institution", None)
    return own is not None and institution is not None and own.pk == getattr(institution, "pk", institution)


def check_institution(user, institution):
    """Refuse with NotFound (not NotPermitted: do not confirm the id exists) for another school's object."""
    if not may_access_institution(user, institution):
        raise NotFound()
