"""`python -m bench`: every measurement in one run, a table on stdout and bench/out/results.json."""

import json
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"

# (key, Dutch description, target as (other key, max ratio) or an absolute maximum)
TARGETS = {
    "statement_pdf_ms": ("statement_pdf_weasyprint_ms", 0.75),
    "import_preview_5000_s": ("import_openpyxl_floor_s", 2.0),
    "xml_import_s": ("xml_parse_floor_s", 3.0),
    "import_preview_peak_mb": (None, 200),
    "list_page_db_ops": (None, 4),
    "company_search_db_ops": (None, 4),
}


def _xml():
    from bench import qualifications_import as q

    if not q.files():
        print(
            "  (de SBB-bestanden in ../shared/kwalificatiestructuur ontbreken: XML-meting overgeslagen)",
            file=sys.stderr,
        )
        return {"xml_import_s": None, "xml_parse_floor_s": None}
    return {"xml_import_s": q.import_ms(repeat=9) / 1000, "xml_parse_floor_s": q.elementtree_ms(repeat=9) / 1000}


def sections():
    from bench import imports, pages, pdf

    return (
        ("PDF's", pdf.results),
        ("Import deelnemers", imports.results),
        ("Kwalificatiestructuur", _xml),
        ("Deelnemersoverzicht", pages.list_page),
        ("Leerbedrijf zoeken", pages.company_search),
    )


def verdict(results, key):
    other, limit = TARGETS[key]
    value = results.get(key)
    if value is None:
        return ""
    if other is None:
        return f"doel <= {limit}: {'gehaald' if value <= limit else 'NIET gehaald'}"
    base = results.get(other)
    if not base:
        return ""
    ratio = value / base
    return f"{ratio:.2f}x {other} (doel <= {limit}x): {'gehaald' if ratio <= limit else 'NIET gehaald'}"


def main():
    import logging

    logging.disable(logging.WARNING)  # the demo-mode banner of every app the benchmark builds
    started = time.perf_counter()
    results = {}
    for title, fn in sections():
        t0 = time.perf_counter()
        print(f"{title} ...", file=sys.stderr, flush=True)
        results.update(fn())
        print(f"  klaar in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    results["_meta"] = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}",
        "total_s": round(time.perf_counter() - started, 1),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"\n{'meting':32} {'waarde':>10}  doel")
    for key, value in results.items():
        if key.startswith("_") or isinstance(value, list):
            continue
        shown = (
            "-"
            if value is None
            else f"{value:.3f}"
            if isinstance(value, float) and value < 10
            else (f"{value:.1f}" if isinstance(value, float) else str(value))
        )
        print(f"{key:32} {shown:>10}  {verdict(results, key) if key in TARGETS else ''}")
    print(f"\nTotaal {results['_meta']['total_s']} s; resultaten in {OUT / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
