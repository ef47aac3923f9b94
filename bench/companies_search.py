"""Company search on a generated registry: wall time per search and database operations per page.

`python -m bench.companies_search [N]` fills an in-memory (mongomock) database with N generated companies
(20,000 by default) and times typical searches. mongomock scans instead of using indexes, so these times are an
upper bound for the query shapes; on a real MongoDB the same queries are answered from the declared indexes
(see `explain_plans`, which prints the winning plan when MONGODB_URI points at a server).
"""

import random
import sys

from bench import dbops
from bench.harness import median_ms

PREFIXES = (
    "Bakkerij",
    "Autobedrijf",
    "Hoveniersbedrijf",
    "Installatiebedrijf",
    "Zorgcentrum",
    "Restaurant",
    "Kapsalon",
    "Schildersbedrijf",
    "Timmerfabriek",
    "Café",
    "Hotel",
    "Garage",
    "Drukkerij",
    "Tuincentrum",
)
WORDS = (
    "De Gouden",
    "Van der Meulen",
    "Het Anker",
    "Smit",
    "Çelik",
    "Jansen",
    "Öztürk",
    "De Vries",
    "Bakker",
    "Het Zonnetje",
    "Noordhoek",
    "De Wâlden",
    "Visser",
    "Bos",
    "El Amrani",
    "Mulder",
    "De Ruyter",
    "Dekker",
)
CITIES = (
    "Amsterdam",
    "Rotterdam",
    "Utrecht",
    "Den Haag",
    "Eindhoven",
    "Groningen",
    "Zwolle",
    "Breda",
    "Leeuwarden",
    "Enschede",
    "Maastricht",
    "'s-Hertogenbosch",
    "Den Helder",
    "Emmeloord",
    "Burgum",
    "Ter Apel",
)

SEARCHES = (
    ("naam, één woord (bakkerij)", "bakkerij", ""),
    ("naam, zonder accent (celik)", "celik", ""),
    ("naam, twee woorden (gouden bakkerij)", "gouden bakkerij", ""),
    ("leerbedrijf-ID exact", "300001234", ""),
    ("leerbedrijf-ID begin (3000012)", "3000012", ""),
    ("plaats (den helder)", "", "den helder"),
    ("naam + plaats (garage, utrecht)", "garage", "utrecht"),
)


def generate(n, seed=7):
    """Insert n generated companies in bulk (search fields filled as Company.clean() does)."""
    from documents.companies import Company

    rnd = random.Random(seed)
    # mongomock checks a unique index by scanning the collection on every insert (quadratic): bulk-load without
    # indexes. mongomock never uses indexes for queries, so the search times are unaffected.
    Company._get_collection().drop_indexes()
    batch = []
    for i in range(n):
        company = Company(
            company_id=f"{300000000 + i:09d}",
            name=f"{rnd.choice(PREFIXES)} {rnd.choice(WORDS)} {i}",
            city=rnd.choice(CITIES),
        )
        company.clean()
        batch.append(company.to_mongo())
        if len(batch) == 5000:
            Company._get_collection().insert_many(batch)
            batch = []
    if batch:
        Company._get_collection().insert_many(batch)


def run(n=20000, page_size=20):
    from app import create_app
    from services.companies import search_companies

    app = create_app({"SECRET_KEY": "bench", "SEED_DEMO": False})
    rows = []
    with app.app_context():
        generate(n)
        dbops.install()
        for label, q, city in SEARCHES:
            for page in (1, 3):
                ms = median_ms(
                    lambda q=q, city=city, page=page: search_companies(q, city, page=page, page_size=page_size),
                    repeat=3,
                )
                with dbops.counting() as counter:
                    result = search_companies(q, city, page=page, page_size=page_size)
                rows.append((label, page, result.total_label, ms, counter.count))
    return rows


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    print(f"Bedrijven zoeken in {n} gegenereerde bedrijven (mongomock, pagina van 20):")
    for label, page, total, ms, ops in run(n):
        print(f"  {label:40s} pagina {page}: {total:>14s} treffers, {ms:7.1f} ms, {ops} database-operaties")


if __name__ == "__main__":
    main()
