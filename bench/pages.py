"""Pages under load of data: the deelnemersoverzicht at 10,000 participants and company search at 20,000.

Both are measured as real HTTP requests through the Flask test client, signed in, so the database operations
counted are everything one request makes (loading the user included).
"""

import random
from datetime import date, timedelta

from bench import dbops
from bench.harness import median_ms

PASSWORD = "praktijkloket-demo"


def _app():
    from app import create_app

    return create_app(
        {
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "SEED_DEMO": True,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": False,
        }
    )


def _signed_in(app, email):
    from documents.users import Terms, User
    from services.accounts import accept_terms

    user = User.objects.get(email=email)
    accept_terms(user, Terms.current().version)
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def generate_participants(institution, n, seed=11):
    """Insert n participants of one school in bulk (search fields filled as clean() does)."""
    from documents.participants import Participant

    rnd = random.Random(seed)
    first = ["Jan", "Zoë", "Noël", "Anaïs", "Ömer", "Daan", "Iris", "Saïd", "Renée", "Sem", "Lotte", "Fleur"]
    infix = [None, None, "de", "van", "van der", "ter"]
    last = ["Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Yıldız", "Dijkstra"]
    batch = []
    for i in range(n):
        p = Participant(
            first_name=rnd.choice(first),
            infix=rnd.choice(infix),
            last_name=f"{rnd.choice(last)}{i}",
            birth_date=date(2004, 1, 1) + timedelta(days=rnd.randint(0, 2000)),
            group=f"Klas {i % 40}",
            institution=institution,
        )
        p.clean()
        batch.append(p.to_mongo())
        if len(batch) == 5000:
            Participant._get_collection().insert_many(batch)
            batch = []
    if batch:
        Participant._get_collection().insert_many(batch)


def forget_caches():
    """Empty every per-process and shared cache a page reads, so the next request counts as on a fresh server."""
    from services.accounts import forget_terms_cache

    forget_terms_cache()  # the current terms version, checked on every signed-in page
    try:
        from services.participants import forget_groups
    except ImportError:
        pass
    else:
        forget_groups()  # the group filter's options of the participant list
    try:
        from documents.cache import CachedView
    except ImportError:
        pass
    else:
        CachedView.objects.delete()  # the SBB dashboard, shared by all app servers


def _measure(client, url, repeat):
    """Median CPU ms of a page; its operations cold (every cache emptied first) and warm (the next request)."""
    forget_caches()
    with dbops.counting() as cold:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    with dbops.counting() as warm:
        client.get(url)
    ms = median_ms(lambda: client.get(url), repeat=repeat)
    return ms, cold.count, warm.count, list(cold.commands)


_with_participants = {}


def school_with_participants(n=10_000):
    """An app whose demo school has n generated participants more, and a client signed in there (made once)."""
    from documents.institutions import Institution

    if n not in _with_participants:
        dbops.install()
        app = _app()
        with app.app_context():
            generate_participants(Institution.objects.get(brin="25DM"), n)
            client = _signed_in(app, "mbo@school.example")
        _with_participants.clear()  # one such database at a time
        _with_participants[n] = (app, client)
    return _with_participants[n]


def release():
    """Drop the app with generated participants (its in-memory database)."""
    _with_participants.clear()


def list_page(n=10_000, repeat=7):
    """DB operations (cold) and median CPU ms of the deelnemersoverzicht (50 rows); also 20 rows (the same count)."""
    _app_, client = school_with_participants(n)
    # Requests outside the app context above, as on a server: each gets its own context (and `g`).
    ms, ops, warm, commands = _measure(client, "/deelnemers/?page_size=50", repeat)
    _ms20, ops20, _warm20, _ = _measure(client, "/deelnemers/?page_size=20", 2)
    return {
        "list_page_ms": ms,
        "list_page_db_ops": ops,
        "list_page_db_ops_warm": warm,
        "list_page_db_ops_20_rows": ops20,
        "list_page_db_commands": commands,
    }


def company_search(n=20_000, repeat=7):
    """DB operations (cold and warm) and median CPU ms of a company search by name in n generated companies."""
    from bench.companies_search import generate

    dbops.install()
    app = _app()
    with app.app_context():
        generate(n)
        client = _signed_in(app, "mbo@school.example")
    ms, ops, warm, commands = _measure(client, "/leerbedrijven/?q=bakkerij", repeat)
    return {
        "company_search_ms": ms,
        "company_search_db_ops": ops,
        "company_search_db_ops_warm": warm,
        "company_search_db_commands": commands,
    }
