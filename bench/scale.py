"""Operations and memory as the data grows: the participant page, both dashboards, and exports of 10,000 rows.

Counted cold: the per-process caches (terms version, the SBB dashboard's shared cache in MongoDB) are emptied
before the counted request, so the count is what a request makes on a fresh server, not after a warm-up.
Everything goes through public pages (the Flask test client, signed in) or public functions
(services.spreadsheet's writers, the dashboard panels).
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

from bench import dbops
from bench.harness import median_ms, peak_mb, peak_rss_growth_mb
from bench.pages import _app, _signed_in, forget_caches, school_with_participants

SCHOOL_EMAIL = "mbo@school.example"
SBB_EMAIL = "beheerder@sbb.example"
EXPORT_ROWS = 10_000


def _cold_ops(fn):
    """Operations of fn() with every cache emptied first: (count, commands, result)."""
    forget_caches()
    with dbops.counting() as counter:
        result = fn()
    return counter.count, list(counter.commands), result


def _participant_with_documents(k):
    """A participant with k begeleidingsdocumenten and k praktijkverklaringen (concepts), then a new placement."""
    from documents.companies import Company, Trainer
    from services import guidance, placements
    from tests import statement_helpers as sh

    staff = sh.user(SCHOOL_EMAIL)
    participant = sh.participant_at(last_name=f"Meting{k}")
    crebo = "90101"
    codes = [wp.code for wp in sh.qualification(crebo).work_processes()][:2]
    for _ in range(k):
        guidance.create_concept(participant, staff, [{"crebo": crebo, "codes": codes}])
        sh.ready_concept(participant)
    # A later placement with another trainer: every document compares its own placement with the current one.
    company = Company.objects(company_id=sh.BAKERY).get()
    trainer = Trainer(company=company, source="sbb", first_name="Nieuwe", last_name=f"Opleider{k}", function="Chef")
    placements.create_placement(staff, participant, company=company, trainer=trainer.save())
    return participant


def participant_page(repeat=5):
    """Operations (cold) and median CPU ms of the participant page with k = 1 and k = 10 documents of each kind."""
    dbops.install()
    app = _app()
    with app.app_context():
        participants = {k: _participant_with_documents(k) for k in (1, 10)}
        client = _signed_in(app, SCHOOL_EMAIL)
    result = {}
    for k, participant in participants.items():
        url = f"/deelnemers/{participant.pk}/"
        ops, commands, response = _cold_ops(lambda url=url: client.get(url))
        assert response.status_code == 200, (url, response.status_code)
        result[f"participant_page_db_ops_k{k}"] = ops
        result[f"participant_page_db_commands_k{k}"] = commands
        with dbops.counting() as warm:
            client.get(url)
        result[f"participant_page_db_ops_warm_k{k}"] = warm.count
        result[f"participant_page_k{k}_ms"] = median_ms(lambda url=url: client.get(url), repeat=repeat)
    return result


def dashboards(repeat=5):
    """Operations of both dashboard panels (cold) and of the whole home page, median CPU ms of the page."""
    from admin_views import dashboard as views
    from documents.users import User
    from services import dashboard as svc

    dbops.install()
    app = _app()
    result = {}
    for key, email, panel in (("school", SCHOOL_EMAIL, views.school_panel), ("sbb", SBB_EMAIL, views.sbb_panel)):
        with app.app_context():
            user = User.objects.get(email=email)
            with app.test_request_context("/"):
                ops, commands, data = _cold_ops(lambda user=user, panel=panel: panel(user))
            assert data is not None, key
            client = _signed_in(app, email)
        page_ops, page_commands, response = _cold_ops(lambda client=client: client.get("/"))
        assert response.status_code == 200, (key, response.status_code)
        if key == "sbb":
            # The panel reads the shared cache first and writes it after computing: count the computation on its
            # own (the target), and the cold and warm panel beside it.
            result["sbb_dashboard_cold_panel_db_ops"] = ops
            with app.app_context(), app.test_request_context("/"):
                compute = getattr(svc, "compute_sbb_dashboard", svc.sbb_dashboard)
                ops, commands, _data = _cold_ops(lambda user=user, compute=compute: compute(user))
                panel(user)  # fills the shared cache
                with dbops.counting() as warm:
                    panel(user)
            result["sbb_dashboard_warm_panel_db_ops"] = warm.count
        result[f"{key}_dashboard_db_ops"] = ops
        result[f"{key}_dashboard_db_commands"] = commands
        result[f"{key}_dashboard_page_db_ops"] = page_ops
        result[f"{key}_dashboard_page_ms"] = median_ms(lambda client=client: client.get("/"), repeat=repeat)
    return result


def _rows(n):
    """n export rows as a report has them: text with diacritics, dates, times, numbers."""
    start = datetime(2026, 1, 1, 9, 30)
    for i in range(n):
        yield [
            f"Zoë van der Çelik-{i}",
            date(2006, 1, 1) + timedelta(days=i % 3000),
            f"Klas {i % 40}",
            "ROC Demo",
            f"PV-2026-{i:06d}",
            "mbo (diplomagericht)",
            1600 + i % 200,
            start + timedelta(minutes=i),
        ]


HEADERS = ["Naam", "Geboortedatum", "Groep", "School", "Nummer", "Onderwijsvorm", "Uren", "Definitief"]


def _consume(response):
    """Read a (possibly streamed) response body chunk by chunk without keeping it; return its size."""
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    return size


def exports(n=EXPORT_ROWS):
    """Peak memory and CPU time of exports of n rows: services.spreadsheet's writers, and the participants page.

    The writers' peak is tracemalloc's (Python objects); the page's is the rise of resident memory while the
    request runs (bench.harness.peak_rss_growth_mb), since tracemalloc makes a 10,000-row request 5x slower.
    The page's body is read chunk by chunk and dropped, as a client downloading it would.
    """
    from services import spreadsheet

    result = {}
    for fmt, write in (("xlsx", spreadsheet.write_xlsx), ("csv", spreadsheet.write_csv)):
        result[f"export_writer_{fmt}_10k_peak_mb"] = peak_mb(lambda write=write: _drain(write(HEADERS, _rows(n))))
        start = time.process_time()
        _drain(write(HEADERS, _rows(n)))
        result[f"export_writer_{fmt}_10k_s"] = time.process_time() - start
    _app_, client = school_with_participants(n)
    for fmt in ("xlsx", "csv"):
        url = f"/deelnemers/export/{fmt}/"

        def export(url=url):
            response = client.get(url, buffered=False)
            assert response.status_code == 200, (url, response.status_code)
            return _consume(response)

        start = time.process_time()
        result[f"export_page_{fmt}_10k_bytes"] = export()
        result[f"export_page_{fmt}_10k_s"] = time.process_time() - start
        result[f"export_page_{fmt}_10k_peak_mb"] = peak_rss_growth_mb(export)
    # The headline figures: the worse of the two formats of the participants export page.
    result["export_10k_peak_mb"] = max(result["export_page_xlsx_10k_peak_mb"], result["export_page_csv_10k_peak_mb"])
    result["export_10k_s"] = max(result["export_page_xlsx_10k_s"], result["export_page_csv_10k_s"])
    return result


def _drain(body):
    """Run a writer's output to the end: bytes as they are, a generator (a streaming writer) chunk by chunk."""
    if isinstance(body, (bytes, str)):
        return len(body)
    return sum(len(chunk) for chunk in body)


if __name__ == "__main__":
    import logging

    logging.disable(logging.WARNING)
    for fn in (participant_page, dashboards, exports):
        for key, value in fn().items():
            if not isinstance(value, list):
                print(f"{key:36} {value if not isinstance(value, float) else round(value, 3)}")
