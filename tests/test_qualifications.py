"""The qualification structure: SBB XML importer (real files, demo file, hostile input), versions, queries, CLI, pages."""

import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from documents.audit import AuditEvent
from documents.qualifications import PendingQualificationUpload, Qualification, QualificationDossier
from services import qualification_import as importer
from services import qualifications as service
from services.demo_qualifications import DEMO_CREBOS, DEMO_FILE

LIST = "/lijsten/kwalificaties/"
REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "kwalificatiestructuur"
SHARED_FILES = {
    "23189": SHARED / "23189-dienstverlening-2016.xml",
    "23183": SHARED / "23183-pedagogisch-werk-2016.xml",
    "23185": SHARED / "23185-sociaal-werk-2016.xml",
}
requires_shared = pytest.mark.skipif(
    not all(p.exists() for p in SHARED_FILES.values()),
    reason="De SBB-exportbestanden ontbreken in ../shared/kwalificatiestructuur/ (ze staan bewust buiten de repository).",
)

# crebo: (niveau, titel, kerntaken, werkprocessen), counted by hand from the files.
EXPECTED = {
    "25499": (2, "Medewerker facilitaire dienstverlening", 2, 12),
    "25498": (2, "Helpende Zorg en Welzijn", 2, 12),
    "25500": (2, "Medewerker sport en recreatie", 2, 12),
    "25486": (3, "Pedagogisch medewerker kinderopvang", 3, 16),
    "25484": (4, "Gespecialiseerd pedagogisch medewerker", 4, 21),
    "25485": (4, "Onderwijsassistent", 4, 17),
    "25489": (4, "Sociaal-maatschappelijk dienstverlener", 3, 13),
    "25488": (4, "Sociaal-cultureel werker", 3, 13),
}


def _by_crebo(dossiers):
    return {q["crebo"]: q for d in dossiers for q in d["qualifications"]}


def _wp(qualification, code):
    return next(wp for t in qualification["core_tasks"] for wp in t["work_processes"] if wp["code"] == code)


def _counts():
    return QualificationDossier.objects.count(), Qualification.objects.count()


# ---------------------------------------------------------------------------------------------------------------
# The real SBB files


@pytest.fixture(scope="module")
def shared_parsed():
    if not all(p.exists() for p in SHARED_FILES.values()):
        pytest.skip("De SBB-exportbestanden ontbreken in ../shared/kwalificatiestructuur/.")
    return importer.parse_files(SHARED_FILES.values())


@requires_shared
def test_shared_files_counts_levels_and_trimmed_titles(shared_parsed):
    quals = _by_crebo(shared_parsed)
    assert set(quals) == set(EXPECTED)
    for crebo, (level, title, tasks, processes) in EXPECTED.items():
        q = quals[crebo]
        assert (q["level"], q["title"], len(q["core_tasks"])) == (level, title, tasks), crebo
        assert sum(len(t["work_processes"]) for t in q["core_tasks"]) == processes, crebo
        assert (
            importer.summary_line(q) == f"{crebo} niveau {level} {title}: {tasks} kerntaken, {processes} werkprocessen"
        )
    assert [d["crebo"] for d in shared_parsed] == ["23189", "23183", "23185"]
    assert [d["title"] for d in shared_parsed] == ["Dienstverlening", "Pedagogisch Werk", "Sociaal werk"]
    # "Ondersteunt bij  dagelijkse activiteiten in zorg en welzijn " in the file: spaces tidied.
    helpende = quals["25498"]
    assert helpende["core_tasks"][1]["title"] == "Ondersteunt bij dagelijkse activiteiten in zorg en welzijn"
    assert _wp(helpende, "B1-K1-W6")["title"] == "Draagt bij aan een veilige situatie"
    assert helpende["valid_from"] == date(2015, 8, 1) and helpende["end_intake"] is None


@requires_shared
def test_shared_files_codes_basis_then_profile(shared_parsed):
    quals = _by_crebo(shared_parsed)
    gpm = quals["25484"]
    assert [t["code"] for t in gpm["core_tasks"]] == ["B1-K1", "B1-K2", "P2-K1", "P2-K2"]
    codes = [wp["code"] for t in gpm["core_tasks"] for wp in t["work_processes"]]
    assert codes[0] == "B1-K1-W1" and "P2-K1-W3" in codes and "P2-K2-W4" in codes
    assert len(codes) == len(set(codes))
    assert [t["code"] for t in quals["25498"]["core_tasks"]] == ["B1-K1", "P2-K1"]
    assert [t["code"] for t in quals["25485"]["core_tasks"]][2:] == ["P3-K1", "P3-K2"]


@requires_shared
def test_shared_files_behaviour_lines_and_diacritics(shared_parsed):
    quals = _by_crebo(shared_parsed)
    first = _wp(quals["25498"], "B1-K1-W1")
    assert first["behaviour"][0] == "kiest de juiste materialen en middelen;"
    for q in quals.values():
        for t in q["core_tasks"]:
            for wp in t["work_processes"]:
                assert wp["behaviour"], wp["code"]
                for line in wp["behaviour"]:
                    assert not line.startswith(("-", "De ")) and not line.endswith(":"), line
                    assert line == line.strip() and "  " not in line
                assert "\n" not in wp["description"] and wp["description"] == wp["description"].strip()
    assert "vormt een reëel beeld van haar eigen werkwijze;" in _wp(quals["25484"], "B1-K1-W8")["behaviour"]
    assert "cliënten" in quals["25489"]["core_tasks"][2]["title"]
    assert "geïnformeerd" in _wp(quals["25498"], "B1-K1-W3")["result"]


@requires_shared
def test_shared_files_profile_additions_only_on_their_own_kwalificatie(shared_parsed):
    quals = _by_crebo(shared_parsed)
    gpm, oa, pmk = (_wp(quals[c], "B1-K1-W8") for c in ("25484", "25485", "25486"))
    # Basis text for everyone.
    for wp in (gpm, oa, pmk):
        assert wp["description"].startswith("De pedagogisch werker evalueert")
        assert "kiest passende methode(n) om evaluatiegegevens te verzamelen;" in wp["behaviour"]
    assert "De gespecialiseerd medewerker bespreekt" in gpm["description"]
    assert "De gespecialiseerd medewerker bespreekt" not in oa["description"]
    assert "De onderwijsassistent bespreekt" in oa["description"]
    assert "bespreekt de gegevens" not in pmk["description"]
    extra = "schrijft een inhoudelijk juist en gestructureerd evaluatieverslag."
    assert gpm["behaviour"][-1] == extra and oa["behaviour"][-1] == extra
    assert extra not in pmk["behaviour"]
    assert len(pmk["behaviour"]) == 7 and len(gpm["behaviour"]) == 10
    assert "Er is een inhoudelijk juist evaluatieverslag" in gpm["result"]
    assert "evaluatieverslag" not in pmk["result"]


@requires_shared
def test_one_file_with_every_dossier_reads_the_same(shared_parsed):
    """SBB's complete export holds all dossiers in one <sbb> file, with Windows line ends."""
    bodies = []
    for path in SHARED_FILES.values():
        text = path.read_bytes().decode("utf-8-sig")
        bodies.append(text[text.index("<dossier ") : text.rindex("</dossiers>")])
    combined = (
        (
            '\ufeff<?xml version="1.0" encoding="utf-8"?>\r\n<sbb>\r\n  <domeinen />\r\n  <dossiers>'
            + "".join(bodies)
            + "</dossiers>\r\n</sbb>"
        )
        .replace("\n", "\r\n")
        .encode("utf-8")
    )
    together = importer.parse(combined, "alles.xml")
    assert importer.to_json(together) == importer.to_json(shared_parsed)


@requires_shared
def test_import_shared_files_stores_everything_and_is_idempotent(app):
    before = _counts()
    _, result = importer.import_files(SHARED_FILES.values())
    assert len(result.added) == 3 and result.qualification_count == 8
    assert _counts() == (before[0] + 3, before[1] + 8)
    stored = Qualification.objects(crebo="25484").get()
    assert (stored.title, stored.level, stored.dossier.crebo, stored.version) == (
        "Gespecialiseerd pedagogisch medewerker",
        4,
        "23183",
        "2016",
    )
    assert stored.core_task_count == 4 and stored.work_process_count == len(stored.work_processes()) == 21
    assert stored.valid_from == date(2015, 8, 1) and stored.dossier.established_on == date(2015, 11, 26)
    assert AuditEvent.objects(action="import", object_type="QualificationDossier").count() >= 1

    again = importer.import_files(SHARED_FILES.values())[1]
    assert again.added == [] and len(again.unchanged) == 3
    assert _counts() == (before[0] + 3, before[1] + 8)


@requires_shared
def test_new_dossier_version_is_added_beside_the_old_one(app, tmp_path):
    old = SHARED_FILES["23189"]
    importer.import_files([old])
    newer = tmp_path / "23189-2017.xml"
    text = old.read_bytes().decode("utf-8-sig")
    text = text.replace('Geldig_vanaf="01-08-2015"', 'Geldig_vanaf="01-08-2016"')
    text = text.replace("Helpende Zorg en Welzijn", "Helpende zorg en welzijn (herzien)")
    newer.write_text(text, encoding="utf-8")
    importer.import_files([newer])
    dossiers = service.dossier_versions("23189")
    assert [(d.version, d.superseded) for d in dossiers] == [("2017", False), ("2016", True)]
    versions = service.versions_of("25498")
    assert [(q.title, q.superseded) for q in versions] == [
        ("Helpende zorg en welzijn (herzien)", False),
        ("Helpende Zorg en Welzijn", True),
    ]
    assert service.get_by_crebo("25498").version == "2017"
    assert service.get_by_crebo("25498", version="2016").title == "Helpende Zorg en Welzijn"
    choice = next(c for c in service.current_qualifications() if c.crebo == "25498")
    assert choice.current.version == "2017" and [q.version for q in choice.earlier_versions] == ["2016"]
    # Importing the old file again changes nothing: it stays the earlier version.
    assert importer.import_files([old])[1].added == []
    assert service.get_by_crebo("25498").version == "2017"


# ---------------------------------------------------------------------------------------------------------------
# The project's own demo file


def test_demo_file_is_imported_by_the_seed(app):
    dossiers = importer.parse(DEMO_FILE.read_bytes(), DEMO_FILE.name)
    assert [d["crebo"] for d in dossiers] == ["90100", "90100", "90200", "90300"]
    quals = {q.crebo: q for q in Qualification.objects.latest()}
    assert {c: quals[c].title for c in DEMO_CREBOS} == DEMO_CREBOS
    teamleider = quals["90102"]
    wp = teamleider.core_tasks[0].work_processes[0]
    assert wp.code == "B1-K1-W1" and "bewaakt dat afwijkingen binnen één werkdag zijn afgehandeld." in wp.behaviour
    assert "leverancier" in wp.description
    medewerker_wp = quals["90101"].core_tasks[0].work_processes[0]
    assert "leverancier" not in medewerker_wp.description and len(medewerker_wp.behaviour) == 4
    assert quals["90101"].title == "Medewerker logistiek"  # trailing space trimmed
    assert [q.version for q in service.versions_of("90101")] == ["2024", "2020"]
    assert service.dossier_versions("90100")[1].superseded
    current = {c.crebo: c for c in service.current_qualifications()}
    assert set(current) == set(DEMO_CREBOS)
    assert [q.version for q in current["90101"].earlier_versions] == ["2020"]
    # The seed ran already: importing the demo file again changes nothing.
    assert importer.import_files([DEMO_FILE])[1].added == []


def test_current_qualifications_leave_out_ended_intake(app):
    Qualification.objects(crebo="90202").update(set__end_intake=date(2020, 7, 31))
    assert "90202" not in {c.crebo for c in service.current_qualifications()}
    Qualification.objects(crebo="90202").update(set__end_intake=date(2999, 7, 31))
    assert "90202" in {c.crebo for c in service.current_qualifications()}


def test_lookups_and_search(app):
    assert service.qualification_titles(["90201", "90301", "12345", None]) == {
        "90201": "Medewerker bediening",
        "90301": "Medewerker hovenier",
    }
    assert service.get_by_crebo("99999") is None
    assert service.get_qualification("not-an-id") is None
    assert [q.crebo for q in service.search("902")] == ["90201", "90202"]
    assert [q.crebo for q in service.search("werkend KOK")] == ["90202"]
    assert [q.crebo for q in service.search("logis")] == ["90102", "90101"]
    assert [q.crebo for q in service.search("hovenier medew")] == ["90301"]
    assert list(service.search("nergens")) == []
    assert len(list(service.search("90101", include_earlier=True))) == 2
    assert len(list(service.search("90101"))) == 1


def test_selection_snapshot(app):
    teamleider = service.get_by_crebo("90102")
    snap = service.selection_snapshot(teamleider, ["B1-K1-W1", "P2-K1-W3", "XX"], ["P2-K1-W3"])
    assert {k: snap[k] for k in ("crebo", "title", "level", "version", "dossier_title")} == {
        "crebo": "90102",
        "title": "Logistiek teamleider",
        "level": 3,
        "version": "2024",
        "dossier_title": "Logistiek",
    }
    assert [t["code"] for t in snap["core_tasks"]] == ["B1-K1", "P2-K1"]  # B1-K2 has nothing selected
    first, last = snap["core_tasks"][0]["work_processes"][0], snap["core_tasks"][1]["work_processes"][0]
    assert set(first) == {"code", "title", "description", "result", "behaviour", "show_behaviour"}
    assert first["code"] == "B1-K1-W1" and first["show_behaviour"] is False and first["behaviour"]
    assert last["code"] == "P2-K1-W3" and last["show_behaviour"] is True
    json.dumps(snap)  # plain data only


# ---------------------------------------------------------------------------------------------------------------
# Hostile, broken and foreign input: one Dutch message, nothing written

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<sbb><dossiers><dossier titel="&lol3;"/></dossiers></sbb>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE sbb [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<sbb><dossiers><dossier titel="&xxe;"/></dossiers></sbb>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE sbb SYSTEM "http://example.invalid/sbb.dtd"><sbb/>"""


def _demo_bytes():
    return DEMO_FILE.read_bytes()


@pytest.mark.parametrize(
    "data, expected",
    [
        (BILLION_LAUGHS, "om veiligheidsredenen"),
        (EXTERNAL_ENTITY, "om veiligheidsredenen"),
        (EXTERNAL_DTD, "om veiligheidsredenen"),
        (BILLION_LAUGHS.decode().encode("utf-16"), "om veiligheidsredenen"),
        (b"", "Het bestand is leeg"),
        (b"\xef\xbb\xbf  \n", "Het bestand is leeg"),
        (b"dit is geen xml", "geen geldig XML-bestand"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "geen geldig XML-bestand"),
        (b"<html><body>Hallo</body></html>", "geen kwalificatiebestand van SBB"),
        (b"<sbb><domeinen/></sbb>", "geen kwalificatiedossiers"),
        (b'<sbb><dossiers><dossier titel="X"/></dossiers></sbb>', "heeft geen crebonummer"),
        (
            b'<sbb><dossiers><dossier titel="X"><dossiercrebos><dossiercrebo Geldig_vanaf="31-02-2015">1</dossiercrebo>'
            b"</dossiercrebos></dossier></dossiers></sbb>",
            "31-02-2015 bestaat niet",
        ),
        (
            b'<sbb><dossiers><dossier titel="X"><dossiercrebos><dossiercrebo>1</dossiercrebo></dossiercrebos>'
            b'<profielen><profiel titel="Y" niveau="7"><creboinformatie><crebo>2</crebo></creboinformatie></profiel>'
            b"</profielen></dossier></dossiers></sbb>",
            "ongeldig niveau",
        ),
    ],
    ids=[
        "billion-laughs",
        "external-entity",
        "external-dtd",
        "utf16-dtd",
        "empty",
        "bom-only",
        "text",
        "png",
        "html",
        "no-dossiers",
        "no-crebo",
        "bad-date",
        "bad-level",
    ],
)
def test_bad_input_gets_one_dutch_message(data, expected):
    with pytest.raises(importer.QualificationImportError) as info:
        importer.parse(data, "kapot.xml")
    assert expected in info.value.message
    assert str(info.value).startswith("kapot.xml: ")


def test_truncated_file_and_mixed_batch_write_nothing(app, tmp_path):
    data = _demo_bytes()
    with pytest.raises(importer.QualificationImportError, match="onvolledig"):
        importer.parse(data[: len(data) // 2])
    before = _counts()
    good = tmp_path / "goed.xml"
    good.write_bytes(data.replace(b"90100", b"80100").replace(b'">901', b'">801'))
    broken = tmp_path / "kapot.xml"
    broken.write_bytes(data[:-200])
    with pytest.raises(importer.QualificationImportError, match="kapot.xml"):
        importer.import_files([good, broken])
    assert _counts() == before
    with pytest.raises(importer.QualificationImportError, match="niet gevonden"):
        importer.import_files([tmp_path / "bestaat-niet.xml"])
    hostile = tmp_path / "lol.xml"
    hostile.write_bytes(BILLION_LAUGHS)
    with pytest.raises(importer.QualificationImportError, match="veiligheidsredenen"):
        importer.import_files([good, hostile])
    assert _counts() == before


# ---------------------------------------------------------------------------------------------------------------
# The CLI


def test_cli_prints_one_line_per_kwalificatie_and_imports(app, tmp_path):
    newer = tmp_path / "demo-2025.xml"
    newer.write_bytes(_demo_bytes().replace(b'Geldig_vanaf="01-08-2023"', b'Geldig_vanaf="01-08-2024"'))
    result = app.test_cli_runner().invoke(args=["import-kwalificaties", str(newer)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "90102 niveau 3 Logistiek teamleider: 3 kerntaken, 8 werkprocessen" in lines
    assert "90101 niveau 2 Medewerker logistiek: 2 kerntaken, 4 werkprocessen" in lines  # the 2020 version in the file
    assert len(lines) == 6
    assert "toegevoegd" in result.stderr
    assert service.get_by_crebo("90202").version == "2025"


def test_cli_dry_run_json_writes_nothing(app):
    before = _counts()
    result = app.test_cli_runner().invoke(args=["import-kwalificaties", "--dry-run", "--json", str(DEMO_FILE)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert _counts() == before
    dossier = data["dossiers"][0]
    assert set(dossier) == {"crebo", "titel", "versie", "kwalificaties"}
    q = dossier["kwalificaties"][1]
    assert set(q) == {"crebo", "titel", "niveau", "geldig_vanaf", "einde_instroom", "kerntaken"}
    assert (q["crebo"], q["titel"], q["niveau"], q["geldig_vanaf"], q["einde_instroom"]) == (
        "90102",
        "Logistiek teamleider",
        3,
        "2023-08-01",
        None,
    )
    assert data["dossiers"][1]["kwalificaties"][0]["einde_instroom"] == "2023-07-31"
    wp = q["kerntaken"][0]["werkprocessen"][0]
    assert set(wp) == {"code", "titel", "omschrijving", "resultaat", "gedrag"}
    assert wp["gedrag"][0] == "werkt nauwkeurig volgens de ontvangstprocedure;"
    assert wp["gedrag"][-1] == "bewaakt dat afwijkingen binnen één werkdag zijn afgehandeld."


def test_cli_bad_file_exits_non_zero_with_dutch_message(app, tmp_path):
    bad = tmp_path / "kapot.xml"
    bad.write_bytes(BILLION_LAUGHS)
    before = _counts()
    result = app.test_cli_runner().invoke(args=["import-kwalificaties", str(DEMO_FILE), str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "kapot.xml" in result.stderr and "veiligheidsredenen" in result.stderr and "Traceback" not in result.stderr
    assert _counts() == before


@requires_shared
def test_cli_subprocess_stdout_is_only_json():
    cmd = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "app",
        "import-kwalificaties",
        "--dry-run",
        "--json",
        *map(str, SHARED_FILES.values()),
    ]
    proc = subprocess.run(
        cmd, cwd=REPO, capture_output=True, timeout=120, env={"PATH": "/usr/bin:/bin", "SEED_DEMO": "0"}
    )
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout.decode("utf-8"))
    assert [d["crebo"] for d in data["dossiers"]] == ["23189", "23183", "23185"]
    assert data["dossiers"][0]["versie"] == "2016"
    assert data["dossiers"][0]["kwalificaties"][1]["geldig_vanaf"] == "2015-08-01"


# ---------------------------------------------------------------------------------------------------------------
# Pages


def _upload(client, data, name="nieuw.xml"):
    return client.post(
        "/kwalificaties-importeren/", data={"bestand": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _new_version_bytes():
    return _demo_bytes().replace(b'Geldig_vanaf="01-08-2023"', b'Geldig_vanaf="01-08-2024"')


def test_upload_shows_summary_and_imports_only_after_confirmation(app, client, auth):
    auth.login_role("sbb_admin")
    assert client.get("/kwalificaties-importeren/").status_code == 200
    before = _counts()
    response = _upload(client, _new_version_bytes())
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "90102 niveau 3 Logistiek teamleider: 3 kerntaken, 8 werkprocessen" in html
    assert "nieuwe versie, komt naast de bestaande versie" in html
    assert "al aanwezig, wordt overgeslagen" in html  # the unchanged 2020 Logistiek version
    assert _counts() == before and PendingQualificationUpload.objects.count() == 1

    done = client.post(response.headers["Location"], data={"action": "importeren"}, follow_redirects=True)
    assert "Import voltooid" in done.get_data(as_text=True) and done.request.path == LIST
    assert _counts() == (before[0] + 3, before[1] + 5)
    assert PendingQualificationUpload.objects.count() == 0
    assert service.get_by_crebo("90201").version == "2025"


def test_upload_cancel_and_bad_file(app, client, auth):
    auth.login_role("sbb_admin")
    before = _counts()
    response = _upload(client, BILLION_LAUGHS, "bom.xml")
    assert response.status_code == 400
    assert "om veiligheidsredenen" in response.get_data(as_text=True)
    assert client.post("/kwalificaties-importeren/", data={}).status_code == 400
    response = _upload(client, _new_version_bytes())
    client.post(response.headers["Location"], data={"action": "annuleren"})
    assert PendingQualificationUpload.objects.count() == 0 and _counts() == before
    assert client.get(response.headers["Location"]).status_code == 404


@pytest.mark.parametrize("role", ["school_staff", "sbb_advisor"])
def test_upload_refused_for_others(app, client, auth, role):
    auth.login_role(role)
    assert client.get("/kwalificaties-importeren/").status_code == 403
    assert _upload(client, _new_version_bytes()).status_code == 403
    assert PendingQualificationUpload.objects.count() == 0
    assert "XML-bestand van SBB importeren" not in client.get(LIST).get_data(as_text=True)


def test_someone_elses_pending_upload_is_not_found(app, client, auth):
    from documents.users import User

    admin = User.objects(email="beheerder@sbb.example").get()
    other = User.objects(email="adviseur@sbb.example").get()
    other.role = "sbb_admin"
    other.save()
    pending = importer.stage_upload(_new_version_bytes(), "x.xml", admin)
    auth.login("adviseur@sbb.example")
    assert client.get(f"/kwalificaties-importeren/{pending.pk}/").status_code == 404
    assert client.post(f"/kwalificaties-importeren/{pending.pk}/", data={"action": "importeren"}).status_code == 404


def test_upload_needs_csrf_token_and_takes_a_file_beyond_the_app_limit(demo_dump):
    import re

    from services.demo import DEMO_PASSWORD
    from tests.conftest import Auth, make_app

    application = make_app(demo_dump, WTF_CSRF_ENABLED=True)
    with application.app_context():
        client = application.test_client()
        Auth(client).login("beheerder@sbb.example", password="-")  # accepts the terms only
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"email": "beheerder@sbb.example", "password": DEMO_PASSWORD, "csrf_token": token})
        assert client.get("/kwalificaties-importeren/").status_code == 200
        assert _upload(client, _new_version_bytes()).status_code == 400
        assert PendingQualificationUpload.objects.count() == 0
        # SBB's complete export is larger than the app's 12 MB request limit.
        big = _new_version_bytes().replace(b"<sbb>", b"<sbb><!--" + b" " * (13 * 1024 * 1024) + b"-->", 1)
        response = client.post(
            "/kwalificaties-importeren/",
            data={"bestand": (io.BytesIO(big), "groot.xml"), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        assert PendingQualificationUpload.objects.count() == 1


def test_browse_search_and_details_for_school_staff(app, client, auth):
    from documents.qualifications import Qualification

    assert client.get("/lijsten/kwalificaties/").status_code == 302  # sign in first
    auth.login_role("school_staff")
    earlier = Qualification.objects(crebo="90101", superseded=True).get()
    # The old browse URL leads to the list, where earlier versions are hidden unless asked for.
    html = client.get("/kwalificaties/", follow_redirects=True).get_data(as_text=True)
    for crebo, title in DEMO_CREBOS.items():
        assert crebo in html and title in html
    assert str(earlier.pk) not in html
    html = client.get(LIST + "?search=hovenier").get_data(as_text=True)
    assert "Medewerker hovenier" in html and "Medewerker bediening" not in html
    html = client.get(LIST + "?search=90201").get_data(as_text=True)
    assert "Medewerker bediening" in html and "Zelfstandig werkend kok" not in html
    assert "Er is niets gevonden" in client.get(LIST + "?search=xyz").get_data(as_text=True)
    html = client.get("/kwalificaties/?q=90101&alle=1", follow_redirects=True).get_data(as_text=True)
    assert str(earlier.pk) in html and "31-07-2023" in html  # the earlier version, its intake ended

    q = service.get_by_crebo("90102")
    html = client.get(LIST + f"details/?id={q.pk}").get_data(as_text=True)
    assert "B1-K1-W1" in html and "P2-K1-W3 </strong>" not in html and "P2-K1-W3" in html
    assert "Ontvangt en controleert goederen" in html
    assert "bewaakt dat afwijkingen binnen één werkdag zijn afgehandeld." in html
    assert "De medewerker:" not in html
    assert client.get(LIST + "details/?id=000000000000000000000000").status_code == 404
    assert client.get(LIST + "details/?id=onzin").status_code == 404
