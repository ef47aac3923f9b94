"""`python -m bench`: every measurement in one run, a table on stdout and bench/out/results.json."""

import json
import os
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"

# Checked on every run: key -> (kind, other key or None, limit). "ratio": value / other <= limit; "max": value <=
# limit; "equal": value == other.
TARGETS = {
    "statement_pdf_ms": ("ratio", "statement_pdf_weasyprint_ms", 0.6),
    "statement_signing_ms": ("max", None, 50),
    # Both shapes of the import file (bench/imports.py): the worse of the two decides.
    "import_preview_excel_5000_s": ("ratio", "import_openpyxl_excel_floor_s", 1.5),
    "import_preview_5000_s": ("ratio", "import_openpyxl_floor_s", 1.5),
    "import_preview_peak_mb": ("max", None, 200),
    "xml_import_s": ("ratio", "xml_parse_floor_s", 2.5),
    "guidance_pdf_40wp_ms": ("ratio", "guidance_pdf_floor_40wp_ms", 2.5),
    "export_10k_peak_mb": ("max", None, 100),
    "participant_page_db_ops_k10": ("equal", "participant_page_db_ops_k1", None),
    "school_dashboard_db_ops": ("max", None, 5),
    "sbb_dashboard_db_ops": ("max", None, 5),
    "list_page_db_ops": ("max", None, 4),
    "company_search_db_ops": ("max", None, 4),
}


def _xml():
    from bench import qualifications_import as q

    if not q.files():
        print(
            "  (de SBB-bestanden in ../shared/kwalificatiestructuur ontbreken: XML-meting overgeslagen)",
            file=sys.stderr,
        )
        return {"xml_import_s": None, "xml_parse_floor_s": None}
    timings = q.interleaved_import_ms(repeat=9)
    return {"xml_import_s": timings["import"] / 1000, "xml_parse_floor_s": timings["elementtree"] / 1000}


def _exports():
    from bench import pages, scale

    try:
        return scale.exports()
    finally:
        pages.release()  # the 10,000 participants are not needed after this


def sections():
    from bench import imports, pages, pdf, scale

    return (
        ("PDF's", pdf.results),
        ("Import deelnemers", imports.results),
        ("Kwalificatiestructuur", _xml),
        ("Deelnemersoverzicht", pages.list_page),
        ("Export 10.000 rijen", _exports),  # the same 10,000 participants as the list
        ("Leerbedrijf zoeken", pages.company_search),
        ("Deelnemerpagina", scale.participant_page),
        ("Dashboards", scale.dashboards),
    )


def check(results, key):
    """(passed, Dutch explanation) of the target on key, or (None, reason) when it could not be measured."""
    kind, other, limit = TARGETS[key]
    value = results.get(key)
    base = results.get(other) if other else None
    if value is None or (other and base is None):
        return None, "niet gemeten"
    if kind == "max":
        return value <= limit, f"doel <= {limit}"
    if kind == "equal":
        return value == base, f"doel = {other} ({base})"
    ratio = value / base
    return ratio <= limit, f"{ratio:.2f}x {other} (doel <= {limit}x)"


def _shown(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    return str(value)


def main():
    import logging

    from bench.harness import load_average

    logging.disable(logging.WARNING)  # the demo-mode banner of every app the benchmark builds
    started = time.perf_counter()
    results = {}
    log = []
    for title, fn in sections():
        t0 = time.perf_counter()
        before = load_average()
        print(f"{title} ...", file=sys.stderr, flush=True)
        results.update(fn())
        after = load_average()
        log.append(
            {"section": title, "s": round(time.perf_counter() - t0, 1), "load_before": before, "load_after": after}
        )
        print(f"  klaar in {log[-1]['s']:.0f} s (belasting {before} -> {after})", file=sys.stderr, flush=True)
    targets = {}
    for key in TARGETS:
        passed, why = check(results, key)
        targets[key] = {"value": results.get(key), "passed": passed, "target": why}
    results["_targets"] = targets
    results["_meta"] = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}",
        "cpus": os.cpu_count(),
        "clock": "CPU-tijd van dit proces (time.process_time), paren afwisselend gemeten",
        "load_average_1_5_15": load_average(),
        "sections": log,
        "total_s": round(time.perf_counter() - started, 1),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"\n{'meting':36} {'waarde':>10}  doel")
    for key, value in results.items():
        if key.startswith("_") or isinstance(value, (list, dict)):
            continue
        verdict = ""
        if key in TARGETS:
            passed, why = check(results, key)
            verdict = f"{why}: {'-' if passed is None else 'gehaald' if passed else 'NIET gehaald'}"
        print(f"{key:36} {_shown(value):>10}  {verdict}")
    failed = [key for key, t in targets.items() if t["passed"] is False]
    print("\nBelasting (1, 5, 15 min) per onderdeel: " + "; ".join(f"{e['section']} {e['load_before']}" for e in log))
    print(f"Totaal {results['_meta']['total_s']} s; resultaten in {OUT / 'results.json'}")
    if failed:
        print(f"Doelen NIET gehaald: {', '.join(failed)}")
        return 1
    print("Alle gemeten doelen gehaald.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
