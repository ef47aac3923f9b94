"""Measure the bulk-import preview of a 5,000-row file: wall time and peak Python memory (tracemalloc).

Two shapes of the same rows (``build_file(rows, excel=...)``):

- ``excel=True``: the sheet as Excel saves it, the file a user uploads: text cells point into a shared strings
  table (xl/sharedStrings.xml) and the sheet starts with its ``<dimension>``.
- ``excel=False``: as openpyxl's write-only mode (and our own exports) write it: no shared strings, no
  ``<dimension>`` (so openpyxl, opened plainly, parses the sheet once more to size it).

Run: .venv/bin/python -m bench.participants_preview   (demo mode, in-memory database)
"""

import io
import os
import random
import re
import time
import tracemalloc
import zipfile
from datetime import date, timedelta

from openpyxl import Workbook

ROWS = 5000


def _rows(rows):
    """The data rows: realistic Dutch names, a mix of Excel dates and dd-mm-jjjj text."""
    from services.participant_import import COLUMNS

    rnd = random.Random(42)
    first = ["Jan", "Zoë", "Noël", "Anaïs", "Ömer", "Chloë", "Daan", "Iris", "Saïd", "Renée", "Sem", "Lotte"]
    infix = [None, None, None, "de", "van", "van der", "ter", "el"]
    last = ["Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Yıldız", "Dijkstra"]
    yield [c.template_header for c in COLUMNS]
    for n in range(rows):
        born = date(2004, 1, 1) + timedelta(days=rnd.randint(0, 1800))
        yield (
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


def build_file(rows=ROWS, *, excel=False):
    """A filled template of `rows` rows; `excel`: shaped as Excel saves it (shared strings and a <dimension>)."""
    # openpyxl's normal workbook writes the sheet's <dimension>; its text cells it writes inline (openpyxl 3.1),
    # which Excel never does, so for the Excel shape they are moved into a shared strings table afterwards.
    wb = Workbook(write_only=not excel)
    if excel:
        ws = wb.active
        ws.title = "Deelnemers"
    else:
        ws = wb.create_sheet("Deelnemers")
    for row in _rows(rows):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return _as_excel_saves(out.getvalue()) if excel else out.getvalue()


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
INLINE_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is>(<t(?: [^>]*)?>.*?</t>)</is></c>')
NUMERIC_CELL_TYPE = re.compile(rb'( s="[0-9]+")? t="n"><v>')
CHAR_REF = re.compile(rb"&#([0-9]+);")


def _as_excel_saves(data):
    """The same workbook the way Excel writes it: text in xl/sharedStrings.xml (each text once, in order of first
    use; cells hold its index), characters as UTF-8 instead of &#NNN; references, numbers without t="n"."""
    source = zipfile.ZipFile(io.BytesIO(data))
    index = {}
    cells = 0

    def shared(match):
        nonlocal cells
        cells += 1
        text = CHAR_REF.sub(lambda m: chr(int(m[1])).encode("utf-8"), match[3])
        number = index.setdefault(text, len(index))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match[1], match[2], number)

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                part = NUMERIC_CELL_TYPE.sub(rb"\1><v>", INLINE_CELL.sub(shared, part))
            elif info.filename == "[Content_Types].xml":
                part = part.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                    b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                part = part.replace(
                    b"</Relationships>",
                    b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    b'sharedStrings" Target="sharedStrings.xml" Id="rIdSharedStrings"/></Relationships>',
                )
            target.writestr(info.filename, part)
        table = b"".join(b"<si>%s</si>" % text for text in index)
        target.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="%s" count="%d" uniqueCount="%d">'
            % (MAIN_NS.encode(), cells, len(index))
            + table
            + b"</sst>",
        )
    return out.getvalue()


def main():
    from app import create_app
    from documents.users import User
    from services import participant_import

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SEED_DEMO": True})
    with app.app_context():
        user = User.objects.get(email="mbo@school.example")
        data = build_file(excel=True)  # the shape a user uploads
        print(f"Bestand zoals Excel het opslaat: {ROWS} rijen, {len(data) / 1024 / 1024:.2f} MB")
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
