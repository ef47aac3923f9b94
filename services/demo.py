"""Demo data: `flask --app app seed-demo`; idempotent, run automatically in demo mode."""

import importlib
import logging

from documents.institutions import Institution
from documents.users import Terms, User
from services import accounts

log = logging.getLogger("praktijkloket.demo")

DEMO_PASSWORD = "praktijkloket-demo"

DEMO_INSTITUTIONS = (
    {
        "brin": "25DM",
        "name": "ROC Demo",
        "kind": "mbo",
        "address": "Onderwijsboulevard 1",
        "postcode": "3500 AB",
        "city": "Utrecht",
    },
    {
        "brin": "12PD",
        "name": "Praktijkschool Demo",
        "kind": "pro",
        "address": "Schoolstraat 12",
        "postcode": "5611 AA",
        "city": "Eindhoven",
    },
    {
        "brin": "08VD",
        "name": "VSO De Demo",
        "kind": "vso",
        "address": "Vlinderlaan 8",
        "postcode": "9712 CD",
        "city": "Groningen",
    },
)

DEMO_USERS = (
    {"email": "beheerder@sbb.example", "name": "Sanne Beheer", "role": "sbb_admin", "school": None},
    {"email": "adviseur@sbb.example", "name": "Ahmed Adviseur", "role": "sbb_advisor", "school": None},
    {
        "email": "mbo@school.example",
        "name": "Marieke de Boer",
        "role": "school_staff",
        "school": "25DM",
        "function": "Loopbaanbegeleider",
    },
    {
        "email": "collega@school.example",
        "name": "Kees van Dijk",
        "role": "school_staff",
        "school": "25DM",
        "function": "Praktijkcoördinator",
    },
    {
        "email": "pro@school.example",
        "name": "Fatma Yılmaz",
        "role": "school_staff",
        "school": "12PD",
        "function": "Stagebegeleider",
    },
    {
        "email": "vso@school.example",
        "name": "Joris Smit",
        "role": "school_staff",
        "school": "08VD",
        "function": "Stagecoördinator",
    },
)

DEMO_TERMS = """Algemene Voorwaarden Praktijkloket (demoversie)

1. Het Praktijkloket is bedoeld voor medewerkers van onderwijsinstellingen die praktijkverklaringen opstellen, en voor medewerkers van SBB.
2. U voert alleen gegevens in van deelnemers van uw eigen onderwijsinstelling, en niet meer dan nodig is voor de praktijkverklaring.
3. U controleert de gegevens zorgvuldig: zij worden vermeld op de praktijkverklaring.
4. Een definitieve praktijkverklaring kan niet meer worden gewijzigd. Een onjuiste verklaring trekt u in nadat het uitgereikte exemplaar is ingenomen en vernietigd.
5. Een logo van een leerbedrijf voegt u alleen toe in overleg met dat leerbedrijf. SBB is niet verantwoordelijk voor de kwaliteit en juistheid van dit logo.
6. Uw inloggegevens zijn persoonlijk. Deel uw wachtwoord met niemand.
7. Alle handelingen worden vastgelegd in een logboek, zodat na te gaan is wie wat heeft gedaan.
"""

# The step areas' demo data, in dependency order (each module has seed(schools, users)).
AREA_SEED_MODULES = ("qualifications", "companies", "participants", "guidance", "statements")


def seed_demo():
    """Create the demo schools, accounts and terms (and what the areas add) when missing."""
    schools = {}
    for data in DEMO_INSTITUTIONS:
        school = Institution.objects(brin=data["brin"]).first()
        if school is None:
            school = Institution(**data)
            school.save()
        schools[data["brin"]] = school
    users = {}
    for data in DEMO_USERS:
        user = User.objects(email=data["email"]).first()
        if user is None:
            user = accounts.create_user(
                email=data["email"],
                name=data["name"],
                role=data["role"],
                institution=schools.get(data["school"]),
                password=DEMO_PASSWORD,
                function=data.get("function"),
            )
        users[data["email"]] = user
    if Terms.current() is None:
        accounts.publish_terms(DEMO_TERMS, by=users["beheerder@sbb.example"])
    for name in AREA_SEED_MODULES:
        importlib.import_module(f"services.demo_{name}").seed(schools=schools, users=users)
    log.info("Demodata aanwezig: %d scholen, %d accounts.", len(schools), len(users))
    return schools, users
