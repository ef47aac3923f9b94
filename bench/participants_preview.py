"""Measure the bulk-import preview of a 5,000-row file: wall time and peak Python memory (tracemalloc).

Run: .venv/bin/python -m bench.participants_preview   (demo mode, in-memory database)
"""

import io
import os
import random
import time
import tracemalloc
from datetime import date, timedelta

from openpyxl import Workbook

ROWS = 5000


def build_file(rows=ROWS):
    """A filled template: realistic Dutch names, a mix of Excel dates and dd-mm-jjjj text."""
    from services.participant_import import COLUMNS

    rnd = random.Random(42)
    first = ["Jan", "Zoë", "Noël", "Anaïs", "Ömer", "Chloë", "Daan", "Iris", "Saïd", "Renée", "Sem", "Lotte"]
    infix = [None, None, None, "de", "van", "van der", "ter", "el"]
    last = ["Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Yıldız", "Dijkstra"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Deelnemers")
    ws.append([c.template_header for c in COLUMNS])
    for n in range(rows):
        born = date(2004, 1, 1) + timedelta(days=rnd.randint(0, 1800))
        ws.append(
            [
                rnd.choice(first),
                rnd.choice(infix),
                f"{rnd.choice(last)}{n}",
                born if n % 2 else born.strftime("%d-%m-%Y"),
                "Utrecht",
                f"Klas {n % 30}",
                str(100000 + n),
                None,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main():
    from app import create_app
    from documents.users import User
    from services import participant_import

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SEED_DEMO": True})
    with app.app_context():
        user = User.objects.get(email="mbo@school.example")
        data = build_file()
        print(f"Bestand: {ROWS} rijen, {len(data) / 1024 / 1024:.2f} MB")
        for attempt in range(2):
            started = time.perf_counter()
            staged = participant_import.preview(user, data, "bench.xlsx")
            elapsed = time.perf_counter() - started
            print(f"Poging {attempt + 1} zonder tracemalloc: voorbeeld in {elapsed:.2f} s ({len(staged.rows)} rijen)")
        tracemalloc.start()
        started = time.perf_counter()
        staged = participant_import.preview(user, data, "bench.xlsx")
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"Met tracemalloc: {elapsed:.2f} s, piekgeheugen {peak / 1024 / 1024:.1f} MB, "
            f"opgeslagen voorbeeld {len(staged.payload) / 1024:.0f} kB"
        )
        print(f"Belasting van de machine (load average): {os.getloadavg()[0]:.1f} op {os.cpu_count()} cpu's")


if __name__ == "__main__":
    main()
