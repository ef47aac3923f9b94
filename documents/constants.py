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

# Leerbedrijven: trainers, their review by SBB, accreditation requests.
TRAINER_SOURCES = (("sbb", "Geregistreerd door SBB"), ("school", "Toegevoegd door onderwijsinstelling"))
REVIEW_STATUSES = (
    ("open", "Nieuw"),
    ("in_progress", "In behandeling"),
    ("approved", "Goedgekeurd"),
    ("rejected", "Afgewezen"),
)
REQUEST_KINDS = (("new", "Voordragen voor erkenning"), ("extend", "Erkenning uitbreiden"))
REQUEST_STATUSES = (
    ("submitted", "Ingediend"),
    ("in_progress", "In behandeling"),
    ("granted", "Toegekend"),
    ("rejected", "Afgewezen"),
)
OPEN_REQUEST_STATUSES = ("submitted", "in_progress")
OPEN_REVIEW_STATUSES = ("open", "in_progress")  # trainers added by schools that still wait for an adviser

# Toegangsaanvragen.
STATUS_SUBMITTED = "submitted"
STATUS_APPROVED = "approved"
STATUS_REJECTED = "rejected"
ACCESS_STATUSES = (
    (STATUS_SUBMITTED, "Ingediend"),
    (STATUS_APPROVED, "Goedgekeurd"),
    (STATUS_REJECTED, "Afgewezen"),
)

# Audit log: what happened, and document class names as a user reads them.
ACTIONS = (
    ("login", "Ingelogd"),
    ("login_failed", "Inloggen mislukt"),
    ("logout", "Uitgelogd"),
    ("password_reset_requested", "Nieuw wachtwoord aangevraagd"),
    ("password_reset", "Wachtwoord ingesteld"),
    ("terms_accepted", "Voorwaarden geaccepteerd"),
    ("terms_published", "Voorwaarden gepubliceerd"),
    ("create", "Aangemaakt"),
    ("update", "Gewijzigd"),
    ("delete", "Verwijderd"),
    ("archive", "Naar archief"),
    ("restore", "Naar actueel"),
    ("import", "Geïmporteerd"),
    ("import_undone", "Import ongedaan gemaakt"),
    ("finalize", "Definitief gemaakt"),
    ("export", "Geëxporteerd"),
    ("status_change", "Status gewijzigd"),
    ("anonymise", "Geanonimiseerd"),
    # The praktijkopleider's online review (services/trainer_review.py).
    ("invite", "Praktijkopleider uitgenodigd"),
    ("review_opened", "Link praktijkopleider geopend"),
    ("review_draft", "Concept praktijkopleider opgeslagen"),
    ("review_signed", "Afgetekend door praktijkopleider"),
    ("revoke", "Uitnodiging ingetrokken"),
)
# Document class names as a user reads them.
OBJECT_TYPES = (
    ("User", "Gebruiker"),
    ("Institution", "Onderwijsinstelling"),
    ("Terms", "Algemene Voorwaarden"),
    ("Participant", "Deelnemer"),
    ("ImportBatch", "Import deelnemers"),
    ("Company", "Leerbedrijf"),
    ("Trainer", "Praktijkopleider"),
    ("Placement", "Leerbedrijf van deelnemer"),
    ("AccreditationRequest", "Erkenningsverzoek"),
    ("QualificationDossier", "Kwalificatiedossier"),
    ("Qualification", "Kwalificatie"),
    ("GuidanceDocument", "Begeleidingsdocument"),
    ("PracticeStatement", "Praktijkverklaring"),
    ("BranchOrganisation", "Branche-organisatie"),
    ("AccessRequest", "Toegangsaanvraag"),
    ("Report", "Rapportage"),
    ("FilledCopy", "Ingevuld begeleidingsdocument"),
    ("ApiKey", "API-sleutel"),
)

# API-sleutels: what a school's system may do through the JSON API.
API_KEY_SCOPES = (("read", "Lezen"), ("write", "Lezen en schrijven"))

# Spreadsheet imports.
IMPORT_KINDS = (
    ("participants", "Deelnemers"),
    ("companies", "Leerbedrijven"),
)

# Kwalificatiestructuur.
PARTS = (("basis", "Basisdeel"), ("profiel", "Profieldeel"))

# Certificates of PDF signatures (documents.signing): what a recorded certificate is, and where it came from.
CERTIFICATE_ROLES = (("root", "CA-certificaat"), ("signer", "Ondertekeningscertificaat"))
CERTIFICATE_SOURCES = (("generated", "Gemaakt door het Praktijkloket"), ("environment", "Uit de configuratie"))
