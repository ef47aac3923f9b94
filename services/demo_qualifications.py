"""Demo data of the qualifications area: the project's own small kwalificatiestructuur file, imported once."""

from pathlib import Path

from services.qualification_import import import_files

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo-kwalificaties.xml"

# Kwalificaties in the demo file (crebo -> title), for the other areas' demo data.
DEMO_CREBOS = {
    "90101": "Medewerker logistiek",
    "90102": "Logistiek teamleider",
    "90201": "Medewerker bediening",
    "90202": "Zelfstandig werkend kok",
    "90301": "Medewerker hovenier",
}


def seed(schools, users):
    """Import the demo kwalificatiestructuur; importing it again changes nothing."""
    import_files([DEMO_FILE])
