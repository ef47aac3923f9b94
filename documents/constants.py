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

EDUCATION_FORMS = (
    ("mbo_diploma", "mbo (diplomagericht, voortijdig schoolverlater)"),
    ("mbo_maatwerk", "mbo derde leerweg (maatwerk)"),
    ("pro", "praktijkonderwijs"),
    ("vso", "voortgezet speciaal onderwijs"),
)
# Which onderwijsvormen fit which kind of school.
EDUCATION_FORMS_BY_KIND = {
    "mbo": ("mbo_diploma", "mbo_maatwerk"),
    "pro": ("pro",),
    "vso": ("vso",),
}
MBO_FORMS = ("mbo_diploma", "mbo_maatwerk")

GUIDANCE_STATUSES = (("concept", "Concept"), ("final", "Afgerond"))
STATEMENT_STATUSES = (("concept", "Concept"), ("final", "Definitief"))
VERIFICATION_STATUSES = (("valid", "Geldig"), ("withdrawn", "Ingetrokken"))

BPV_HOURS_MIN = 10
BPV_HOURS_MAX = 10_000
