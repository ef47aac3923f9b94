"""The faster kwalificatiestructuur import reads and stores exactly what the previous one did.

The digests below were taken with the importer as it was before the speed work (commit 1b9b435), on SBB's own
files in ../shared/kwalificatiestructuur/: the same parsed dossiers, the same content keys (so a file imported
before is still recognised and skipped) and the same stored documents. The synthetic files pin down the
reading rules the faster walk re-implements (per-profiel additions, gedrag lines), and two counters show
that the cost per werkproces no longer includes the Python path engine or a second fold of each title.
"""

import hashlib
import json
from pathlib import Path
from xml.etree import ElementPath

import pytest

from documents.qualifications import Qualification, QualificationDossier
from services import qualification_import as importer

SHARED = Path(__file__).resolve().parents[2] / "shared" / "kwalificatiestructuur"
SHARED_FILES = [  # in the benchmark's (sorted) order, which the digests below depend on
    SHARED / "23183-pedagogisch-werk-2016.xml",
    SHARED / "23185-sociaal-werk-2016.xml",
    SHARED / "23189-dienstverlening-2016.xml",
]
requires_shared = pytest.mark.skipif(
    not all(p.exists() for p in SHARED_FILES),
    reason="De SBB-exportbestanden ontbreken in ../shared/kwalificatiestructuur/ (ze staan bewust buiten de repository).",
)

# Taken with the previous importer (see the module docstring).
CONTENT_KEYS = [
    "5dca6872d65afae8c8f58729a2bc9023d751bf56bd66da4b7bad20da27d55c9d",
    "351461758565b98cecf08b7e965cfd86729020180291504ecc2eaf8eace19f42",
    "18c645ec94b897b24f1fbcc65620e665d68cb0f2c6d628f73df894d8a6ff49e2",
]
PARSED_DIGEST = "8e17355380dbaa35c2a0e6272f9088b10b3e3fa5c94aed0b89da6fb5f87d3586"
STORED_DIGEST = "cda2b1326c09ceb9fe53b715c4987c8c07ea376a9158e4ea942dc7eeaf2f1c72"
JSON_DIGEST = "28e6f0cfc9d101f727bdb5a5706f91466247ee05fa222abc33a524ab30c663bf"


def _digest(value):
    return hashlib.sha256(json.dumps(value, default=str, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@requires_shared
def test_shared_files_parse_to_the_same_dossiers_and_content_keys_as_before():
    dossiers = importer.parse_files(SHARED_FILES)
    assert [d["content_key"] for d in dossiers] == CONTENT_KEYS
    assert _digest(dossiers) == PARSED_DIGEST
    assert (
        hashlib.sha256(json.dumps(importer.to_json(dossiers), ensure_ascii=False, sort_keys=True).encode()).hexdigest()
        == JSON_DIGEST
    )


@requires_shared
def test_shared_files_store_the_same_documents_as_before(app):
    Qualification._get_collection().delete_many({})
    QualificationDossier._get_collection().delete_many({})
    importer.import_files(SHARED_FILES)

    def rows(document):
        found = document._get_collection().find({}, {"_id": 0, "dossier": 0, "imported_at": 0})
        return sorted(found, key=lambda row: row["crebo"])

    assert _digest([rows(QualificationDossier), rows(Qualification)]) == STORED_DIGEST


# ---------------------------------------------------------------------------------------------------------------
# The reading rules, on a file of our own


def _addition(ref, tag, text):
    profile = f'<profiel referentie="{ref}" />' if ref is not None else "<profiel />"
    return f"<aanvullend>{profile}<{tag}><![CDATA[{text}]]></{tag}></aanvullend>"


def _work_process(n, *, additions=True):
    holders = ("", "", "")
    if additions:
        holders = (
            _addition("P1", "omschrijving", "Eerste  aanvulling.")
            + _addition("P1", "omschrijving", "Tweede aanvulling.")
            + _addition(None, "omschrijving", "Zonder profiel: genegeerd.")
            + _addition("P2", "omschrijving", "   \n  "),
            _addition("P2", "resultaat", "Resultaat voor P2."),
            _addition("P1", "gedrag", "Extra:\n-  let op\tdetails;\n-geen streepje-regel\n- \n"),
        )
    return (
        f'<werkproces nr="{n}" titel=" Werkproces  {n} " hoofdstuk="{n}">'
        f"<werkprocesomschrijving><![CDATA[Basis  omschrijving\n{n}. ]]>"
        f"<werkprocesomschrijvingperprofiel>{holders[0]}</werkprocesomschrijvingperprofiel>"
        f"</werkprocesomschrijving>"
        f"<werkprocesresultaat><![CDATA[Basis resultaat.]]><werkprocesresultaatperprofiel>{holders[1]}"
        f"</werkprocesresultaatperprofiel></werkprocesresultaat>"
        f"<werkprocesgedrag><![CDATA[De beroepsbeoefenaar:\n - werkt  nauwkeurig;\n-\tis\u00a0alert\n\n]]>"
        f"<werkprocesgedragperprofiel>{holders[2]}</werkprocesgedragperprofiel></werkprocesgedrag>"
        f"<werkprocescompetenties><competentie referentie='1' /></werkprocescompetenties>"
        f"</werkproces>"
    )


def _file(processes=1, *, additions=True):
    work = "".join(_work_process(n, additions=additions) for n in range(1, processes + 1))
    profiles = "".join(
        f'<profiel nr="P{p}" titel="Profiel {p}" hoofdstuk="{p + 1}" niveau="{p + 1}">'
        f'<creboinformatie><crebo Geldig_vanaf="01-08-2020">9000{p}</crebo></creboinformatie>'
        f"<profielkerntaken/></profiel>"
        for p in (1, 2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><sbb><dossiers><dossier nr="7" titel="Proefdossier">'
        '<dossiercrebos><dossiercrebo Geldig_vanaf="01-08-2020">90000</dossiercrebo></dossiercrebos>'
        '<basis><basistaken><basiskerntaken><kerntaak nr="1" titel="Kerntaak" hoofdstuk="1">'
        f"<basiswerkprocessen>{work}</basiswerkprocessen></kerntaak></basiskerntaken></basistaken></basis>"
        f"<profielen>{profiles}</profielen></dossier></dossiers></sbb>"
    ).encode()


def test_additions_reach_only_their_own_kwalificatie_and_join_in_order():
    (dossier,) = importer.parse(_file(), "proef.xml")
    first, second = dossier["qualifications"]
    wp1 = first["core_tasks"][0]["work_processes"][0]
    wp2 = second["core_tasks"][0]["work_processes"][0]
    assert wp1["title"] == wp2["title"] == "Werkproces 1"
    # Two additions for P1 joined; the one without a profiel is ignored; blank text adds nothing to P2.
    assert wp1["description"] == "Basis omschrijving 1. Eerste aanvulling. Tweede aanvulling."
    assert wp2["description"] == "Basis omschrijving 1."
    assert wp1["result"] == "Basis resultaat."
    assert wp2["result"] == "Basis resultaat. Resultaat voor P2."
    # Lines whose first word is a lone dash, whitespace (tab, no-break space) collapsed; '-x' and '- ' are not.
    assert wp1["behaviour"] == ["werkt nauwkeurig;", "is alert", "let op details;"]
    assert wp2["behaviour"] == ["werkt nauwkeurig;", "is alert"]
    assert wp1["part"] == wp2["part"] == "basis"


@pytest.mark.parametrize(
    "text, lines",
    [
        ("", []),
        (None, []),
        ("Intro:\n- een\n-twee\n -  drie  vier \n-\n- \n--  vijf", ["een", "drie vier"]),
        # \x0b and \u2028 end a line (str.splitlines), so '-' and 'verticale tab' are two lines.
        ("-\u2003em-spatie\r\n-\x0bverticale tab\u2028- regelscheiding", ["em-spatie", "regelscheiding"]),
        ("- \u00a0 \n-\u00a0x", ["x"]),
    ],
)
def test_gedrag_lines(text, lines):
    assert importer._indicators(text) == lines


def test_a_missing_title_is_still_reported_for_the_werkproces_first():
    data = _file().replace(b'titel=" Werkproces  1 "', b'titel="  "').replace(b'titel="Kerntaak"', b'titel=""')
    with pytest.raises(importer.QualificationImportError, match="Werkproces B1-K1-W1 in dossier 'Proefdossier'"):
        importer.parse(data, "proef.xml")


# ---------------------------------------------------------------------------------------------------------------
# Cost per werkproces


def test_the_python_path_engine_is_not_used_per_werkproces(monkeypatch):
    calls = []
    original = ElementPath.iterfind

    def counting(elem, path, namespaces=None):
        calls.append(path)
        return original(elem, path, namespaces)

    monkeypatch.setattr(ElementPath, "iterfind", counting)

    def path_calls(processes):
        calls.clear()
        (dossier,) = importer.parse(_file(processes), "proef.xml")
        assert len(dossier["qualifications"][0]["core_tasks"][0]["work_processes"]) == processes
        return len(calls)

    # The previous walk asked ElementPath for every werkproces with additions (4 more calls for 4 more).
    assert path_calls(1) == path_calls(5)


def test_each_kwalificatie_title_is_folded_once(app, monkeypatch):
    folded = []
    original = importer.fold

    def counting(text):
        folded.append(text)
        return original(text)

    monkeypatch.setattr(importer, "fold", counting)
    dossiers = importer.parse(_file(), "proef.xml")
    importer.import_dossiers(dossiers)
    assert sorted(folded) == ["Profiel 1", "Profiel 2"]
    stored = Qualification.objects(crebo="90001").first()
    assert stored.title_key == "profiel 1" and stored.title_words == ["1", "profiel"]


def test_the_cycle_collector_is_resumed_after_a_parse_also_a_refused_one():
    import gc

    importer.parse(_file(), "proef.xml")
    assert gc.isenabled()
    with pytest.raises(importer.QualificationImportError, match="om veiligheidsredenen"):
        importer.parse(b'<!DOCTYPE sbb [<!ENTITY a "b">]><sbb>&a;</sbb>', "bom.xml")
    assert gc.isenabled()
    gc.disable()  # someone else's pause is left alone
    try:
        importer.parse(_file(), "proef.xml")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_import_reads_the_stored_dossiers_once(app):
    from bench import dbops

    dbops.install()
    data = _file()
    with dbops.counting() as counter:
        result = importer.import_dossiers(importer.parse(data, "proef.xml"))
    assert len(result.added) == 1
    # "Imported before?" and "which version is newest?" come from one read (they were two).
    assert counter.commands.count("find qualification_dossiers") == 1
    with dbops.counting() as counter:
        again = importer.import_dossiers(importer.parse(data, "proef.xml"))
    assert again.added == [] and again.unchanged == [("90000", "Proefdossier")]
    assert counter.commands == ["find qualification_dossiers"]


def test_the_fingerprint_json_is_exactly_json_dumps_without_ascii_escapes():
    import random
    from datetime import date

    pieces = [
        "a", "Z", " ", "é", "ë", "Ç", "ß", "ĳ", "€", "\u2028", "\u00a0", "\x7f", "\x80", "\x00", "\x1f", "\n", "\t",
        "\r", "\b", "\f", '"', "\\", "\\u", "\\u00e9", "u00e9", "\\\\u", "\\ud83d", "😀", "𝒜", "/", "<", "'",
    ]  # fmt: skip
    # No lone surrogates: XML cannot carry them, and a key (the UTF-8 of the JSON) could never be made of them.
    rng = random.Random(14)

    def text():
        return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))

    for _ in range(3000):
        value = [
            {text(): text(), "n": rng.randint(-5, 5), "dag": date(2020, 8, 1), "leeg": None, "ja": True},
            [text() for _ in range(rng.randint(0, 4))],
            text(),
        ]
        expected = json.dumps(value, default=str, ensure_ascii=False, check_circular=False)
        assert importer._fingerprint_json(value) == expected
