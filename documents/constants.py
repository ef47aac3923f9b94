"""Stored codes (stable English) and their Dutch labels: the one place that maps them."""

ROLE_SBB_ADMIN = "sbb_admin"
ROLE_SBB_ADVISOR = "sbb_advisor"
ROLE_SCHOOL_STAFF = "school_staff"

ROLES = (
    (ROLE_SBB_ADMIN, "SBB-beheerder"),
    (ROLE_SBB_ADVISOR, "Adviseur praktijkleren"),
    (ROLE_SCHOOL_STAFF, "Medewerker onderwijsinstelling"),
)

INSTITUTION_KINDS = (
    ("mbo", "mbo-instelling"),
    ("pro", "Praktijkonderwijs"),
    ("vso", "Voortgezet speciaal onderwijs"),
)


def label(choices, code):
    """Return the Dutch label of a stored code (or the code itself when unknown)."""
    return dict(choices).get(code, code or "")
