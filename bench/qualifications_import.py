"""Kwalificatiestructuur import: the three SBB files imported (parse + guard + write) beside plain ElementTree parsing.

`python -m bench.qualifications_import` prints medians in milliseconds and the ratio (target: at most 2.5x).
Each import run starts from empty qualification collections on an in-memory (mongomock) database.
"""

import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from bench.harness import median_ms

SHARED = Path(__file__).resolve().parents[2] / "shared" / "kwalificatiestructuur"


def files():
    return sorted(SHARED.glob("*.xml"))


def _connect():
    import mongoengine
    import mongomock
    from mongoengine.connection import disconnect_all

    disconnect_all()
    mongoengine.connect(db="bench_qualifications", host="mongodb://localhost", mongo_client_class=mongomock.MongoClient)


def elementtree_ms(repeat=15):
    """The floor: ElementTree.parse of each file."""
    paths = files()
    return median_ms(lambda: [ElementTree.parse(p) for p in paths], repeat=repeat)


def parse_ms(repeat=15):
    """Our parse (defusedxml guard, C parser, structure walk), no database."""
    from services.qualification_import import parse_files

    paths = files()
    return median_ms(lambda: parse_files(paths), repeat=repeat)


def _reset():
    from documents.qualifications import Qualification, QualificationDossier

    Qualification._get_collection().delete_many({})
    QualificationDossier._get_collection().delete_many({})


def _timed_import(paths, clock=time.perf_counter):
    """Milliseconds for one import into empty collections (the emptying itself is not timed)."""
    from services.qualification_import import import_files

    _reset()
    start = clock()
    import_files(paths)
    return (clock() - start) * 1000


def import_ms(repeat=15):
    """Parse and write the three files into empty collections (audit event included)."""
    import statistics

    _connect()
    paths = files()
    _timed_import(paths)
    return statistics.median(_timed_import(paths) for _ in range(repeat))


def reimport_ms(repeat=15):
    """Importing the same files again (idempotent: parse, find them present, write nothing)."""
    from services.qualification_import import import_files

    _connect()
    paths = files()
    import_files(paths)
    return median_ms(lambda: import_files(paths), repeat=repeat)


def _timed(fn, clock=time.perf_counter):
    start = clock()
    fn()
    return (clock() - start) * 1000


def interleaved_best_ms(rounds=40, clock=time.process_time):
    """Best-of-N CPU time with the runs interleaved: on a busy machine wall time mostly measures the neighbours."""
    from services.qualification_import import parse_files

    _connect()
    paths = files()
    timers = {
        "ElementTree.parse": lambda: _timed(lambda: [ElementTree.parse(p) for p in paths], clock),
        "parse": lambda: _timed(lambda: parse_files(paths), clock),
        "import": lambda: _timed_import(paths, clock),
    }
    best = dict.fromkeys(timers, float("inf"))
    for _ in range(rounds):
        for name, timer in timers.items():
            best[name] = min(best[name], timer())
    return best


def interleaved_import_ms(repeat=9):
    """Median CPU ms of the import into empty collections and of ElementTree.parse, measured in turns."""
    from bench.harness import interleaved_ms
    from services.qualification_import import import_files

    _connect()
    paths = files()
    return interleaved_ms(
        {
            "import": (_reset, lambda: import_files(paths)),  # emptying the collections is not timed
            "elementtree": lambda: [ElementTree.parse(p) for p in paths],
        },
        repeat=repeat,
    )


def main():
    if not files():
        print(f"De SBB-bestanden ontbreken in {SHARED}", file=sys.stderr)
        return 1
    floor = elementtree_ms()
    rows = [
        ("ElementTree.parse (3 bestanden)", floor),
        ("parse (veilig, zonder database)", parse_ms()),
        ("import (parse + schrijven)", import_ms()),
        ("opnieuw importeren (niets verandert)", reimport_ms()),
    ]
    for label, ms in rows:
        print(f"{label:40s} {ms:8.2f} ms  {ms / floor:5.2f}x")
    best = interleaved_best_ms()
    print(
        "CPU-tijd, beste van 40, afwisselend: "
        + ", ".join(f"{name} {ms:.2f} ms ({ms / best['ElementTree.parse']:.2f}x)" for name, ms in best.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
