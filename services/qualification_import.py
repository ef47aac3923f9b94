"""The one importer of SBB's kwalificatiestructuur XML export (the `<sbb>` format), used by the CLI and the upload page.

Parsing is safe (defusedxml: no DTD, no entities, no external references) and complete before anything is
written: a broken, truncated, empty, hostile or foreign file raises one `QualificationImportError` with a
Dutch message and nothing is stored. Writing is all or nothing and idempotent: a dossier whose parsed content
was imported before is skipped; a changed dossier is added as a new version beside the old one.
"""

import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree
from xml.etree.ElementTree import ParseError
from xml.parsers import expat
from xml.parsers.expat import ExpatError

from bson import ObjectId
from bson.errors import InvalidId
from defusedxml import DefusedXmlException, DTDForbidden
from mongoengine import ValidationError
from pymongo.errors import PyMongoError

from core.collector import cycle_collection_paused
from core.text import counted
from documents.qualifications import PendingQualificationUpload, Qualification, QualificationDossier
from services import audit
from services.clock import utcnow
from services.permissions import require
from services.spreadsheet import DateError, parse_date
from services.text import fold

# A pending upload is stored compressed in one MongoDB document (16 MB at most).
MAX_STORED_UPLOAD = 15 * 1024 * 1024
PENDING_UPLOAD_MAX_AGE_HOURS = 24

_GUARD_CHUNK = 64 * 1024  # the prolog is read in pieces: a hostile one cannot make the guard hold a copy
_WP_KEYS = ("code", "title", "description", "result", "behaviour")


def tidy(text):
    """Collapse runs of whitespace and trim (the fast form of services.text.tidy)."""
    return " ".join(text.split()) if text else ""


class QualificationImportError(Exception):
    """A file that cannot be imported; the message is Dutch and says what is wrong."""

    def __init__(self, message, filename=None):
        self.message = message
        self.filename = filename
        super().__init__(f"{filename}: {message}" if filename else message)


# ---------------------------------------------------------------------------------------------------------------
# Parsing


class _PrologRead(Exception):
    """The root element started: the prolog, the only place a DTD can stand, held none."""


def _guard(data):
    """Refuse a DTD, and with it every entity and external reference, whatever the encoding.

    A DTD can only stand before the root element, so expat reads just the prolog and stops at the first start
    tag: the check costs the prolog, not the file. Expat detects the encoding (BOM, declaration, UTF-16 without
    BOM) exactly as the tree parser after it does, so both see the same characters.
    """

    def doctype(name, sysid, pubid, _has_internal_subset):
        raise DTDForbidden(name, sysid, pubid)

    def root(_name, _attributes):
        raise _PrologRead

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        for start in range(0, len(data), _GUARD_CHUNK):
            parser.Parse(data[start : start + _GUARD_CHUNK], False)
        parser.Parse(b"", True)
    except _PrologRead:
        pass


# Only BOM bytes and whitespace: matched from the start, so a real file is not copied (lstrip().strip() was twice).
_BLANK = re.compile(rb"[\xef\xbb\xbf]*\s*")


def _read_root(data, filename):
    if isinstance(data, str):
        data = data.encode("utf-8")
    if _BLANK.fullmatch(data):
        raise QualificationImportError(
            "Het bestand is leeg. Kies het XML-bestand met de kwalificatiestructuur van SBB.", filename
        )
    try:
        # Always: a shortcut that looks for `<!DOCTYPE` in the bytes misses it in UTF-16 and other encodings.
        _guard(data)
        return ElementTree.fromstring(data)
    except DefusedXmlException:
        raise QualificationImportError(
            "Het bestand bevat een DTD, entiteiten of verwijzingen naar externe bestanden. Een exportbestand van SBB "
            "heeft die niet; om veiligheidsredenen is het niet ingelezen.",
            filename,
        ) from None
    except (ExpatError, ParseError) as exc:
        line, column = (exc.lineno, exc.offset) if isinstance(exc, ExpatError) else exc.position
        where = f" (regel {line}, kolom {column + 1})" if line else ""
        raise QualificationImportError(
            f"Het bestand is geen geldig XML-bestand{where}: het is beschadigd, onvolledig of in een ander formaat. "
            "Kies het volledige XML-exportbestand van SBB.",
            filename,
        ) from None
    except (ValueError, LookupError, RecursionError, MemoryError):
        raise QualificationImportError(
            "Het bestand kan niet als XML worden gelezen (onbekende tekenset of beschadigde inhoud). "
            "Kies het XML-exportbestand van SBB.",
            filename,
        ) from None


def _date(value, what, filename):
    value = (value or "").strip()
    if not value:
        return None
    # The export may add a time after the date ("01-08-2019 00:00:00", "2019-08-01T00:00:00"): the day counts.
    day = re.split(r"[T ]", value, maxsplit=1)[0]
    try:
        return parse_date(day)
    except DateError as exc:
        raise QualificationImportError(f"{what}: {exc}.", filename) from None


def _additions(element, key, extra):
    """Add the nested `...perprofiel/aanvullend` texts of one part to extra: {profiel nr: {key: added text}}."""
    found = {}
    for holder in element:
        if not len(holder):  # SBB writes an empty `...perprofiel` holder where nothing is added
            continue
        for addition in holder.findall("aanvullend"):  # findall of a plain tag stays in C; iterfind does not
            profile = addition.find("profiel")
            ref = (profile.get("referentie") or "").strip() if profile is not None else ""
            if not ref:
                continue
            text = "".join("".join(child.itertext()) for child in addition if child.tag != "profiel")
            if text.strip():
                found[ref] = found[ref] + "\n" + text if ref in found else text
    for ref, text in found.items():
        extra.setdefault(ref, {})[key] = text


def _indicators(text):
    """The gedrag lines that start with '- ' (dash removed, whitespace collapsed); intro sentences are left out."""
    lines = []
    if text:
        for line in text.splitlines():
            # A line that reads "-", whitespace, something is one whose first word is a lone dash.
            words = line.split()
            if len(words) > 1 and words[0] == "-":
                lines.append(" ".join(words[1:]))
    return lines


def _chapter(element, position):
    value = element.get("hoofdstuk")
    if value:
        value = value.strip()
        if value.isdigit():
            return value
    return str(position)


def _untitled(what, filename):
    raise QualificationImportError(f"{what} heeft geen titel.", filename)


def _title(element, what, filename):
    return tidy(element.get("titel")) or _untitled(what, filename)


# The three texts of a werkproces: (key, element tag).
_WP_TEXTS = (
    ("description", "werkprocesomschrijving"),
    ("result", "werkprocesresultaat"),
    ("behaviour", "werkprocesgedrag"),
)


def _work_process(element, code, where, filename):
    # The error text is only put together when the title is missing (this runs for every werkproces).
    title = tidy(element.get("titel")) or _untitled(f"Werkproces {code} in {where}", filename)
    extra = {}
    texts = []
    for key, tag in _WP_TEXTS:
        part = element.find(tag)
        if part is None:
            texts.append("")
        elif not len(part):
            texts.append(part.text or "")
        else:
            # Its own text only: the nested per-profiel additions are read apart.
            texts.append((part.text or "") + "".join(child.tail or "" for child in part))
            _additions(part, key, extra)
    return {
        "code": code,
        "title": title,
        "description": tidy(texts[0]),
        "result": tidy(texts[1]),
        "behaviour": _indicators(texts[2]),
        "extra": extra,
    }


def _resolve(work_process, profile_nr, part, shared):
    """The werkproces as it reads in one kwalificatie: base texts plus that profiel's own additions only."""
    extra = work_process["extra"].get(profile_nr)
    if not extra:
        # One dict shared by every kwalificatie of the dossier that has no additions here.
        plain = shared.get(id(work_process))
        if plain is None:
            plain = shared[id(work_process)] = {key: work_process[key] for key in _WP_KEYS} | {"part": part}
        return plain
    return {
        "code": work_process["code"],
        "title": work_process["title"],
        "description": " ".join(t for t in (work_process["description"], tidy(extra.get("description"))) if t),
        "result": " ".join(t for t in (work_process["result"], tidy(extra.get("result"))) if t),
        "behaviour": work_process["behaviour"] + _indicators(extra.get("behaviour")),
        "part": part,
    }


def _core_tasks(elements, prefix, list_tag, where, filename):
    tasks = []
    for k, task in enumerate(elements, start=1):
        task_code = f"{prefix}-K{_chapter(task, k)}"
        # `list_tag/werkproces` in document order, by C findall instead of the Python path engine.
        elements_wp = [wp for holder in task.findall(list_tag) for wp in holder.findall("werkproces")]
        processes = [
            _work_process(wp, f"{task_code}-W{_chapter(wp, w)}", where, filename)
            for w, wp in enumerate(elements_wp, start=1)
        ]
        title = tidy(task.get("titel")) or _untitled(f"Kerntaak {task_code} in {where}", filename)
        tasks.append({"code": task_code, "title": title, "work_processes": processes})
    return tasks


def _crebo(element, what, filename):
    crebo = tidy(element.text if element is not None else "")
    if not crebo:
        raise QualificationImportError(f"{what} heeft geen crebonummer.", filename)
    if not crebo.isdigit() or len(crebo) > 10:
        raise QualificationImportError(f"{what} heeft een ongeldig crebonummer '{crebo}'.", filename)
    return crebo


def _version_label(versie, valid_from):
    if versie:
        return versie
    # SBB's export leaves `versie` empty; dossiers are known by their cohort year (valid from 1 August 2015 is
    # the 2016 edition), which is the label users recognise.
    if valid_from:
        return str(valid_from.year + 1 if valid_from.month >= 8 else valid_from.year)
    return ""


def _dossier(element, filename):
    title = _title(element, "Een kwalificatiedossier", filename)
    where = f"dossier '{title}'"
    crebo_el = element.find("dossiercrebos/dossiercrebo")
    crebo = _crebo(crebo_el, f"Kwalificatiedossier '{title}'", filename)
    get = crebo_el.get
    valid_from = _date(get("Geldig_vanaf"), f"Geldig vanaf van {where}", filename)
    established = None
    established_by = ""
    voorblad = element.find("voorblad")
    if voorblad is not None:
        info = voorblad.find(".//vaststellingsinformatie")
        if info is not None:
            established = _date(info.findtext("vastgesteldop"), f"Vastgesteld op van {where}", filename)
            established_by = tidy(info.findtext("vastgestelddoor"))
    basis_tasks = _core_tasks(
        element.iterfind("basis/basistaken/basiskerntaken/kerntaak"), "B1", "basiswerkprocessen", where, filename
    )
    qualifications = []
    fingerprint = [basis_tasks]
    shared = {}
    for p, profile in enumerate(element.iterfind("profielen/profiel"), start=1):
        q_title = _title(profile, f"Een kwalificatie in {where}", filename)
        q_where = f"kwalificatie '{q_title}'"
        crebo_info = profile.find("creboinformatie/crebo")
        q_crebo = _crebo(crebo_info, f"Kwalificatie '{q_title}' in {where}", filename)
        level_text = (profile.get("niveau") or "").strip()
        if level_text not in ("1", "2", "3", "4"):
            raise QualificationImportError(
                f"Kwalificatie {q_crebo} '{q_title}' heeft een ongeldig niveau '{level_text}' (verwacht 1 tot en met 4).",
                filename,
            )
        profile_nr = (profile.get("nr") or "").strip()
        chapter = _chapter(profile, p)
        own_tasks = _core_tasks(
            profile.iterfind("profielkerntaken/kerntaak"), f"P{chapter}", "profielwerkprocessen", q_where, filename
        )
        fingerprint.append(own_tasks)
        tasks = [
            {
                "code": t["code"],
                "title": t["title"],
                "part": part,
                "work_processes": [_resolve(wp, profile_nr, part, shared) for wp in t["work_processes"]],
            }
            for part, group in (("basis", basis_tasks), ("profiel", own_tasks))
            for t in group
        ]
        q_get = crebo_info.get
        qualifications.append(
            {
                "crebo": q_crebo,
                "title": q_title,
                "level": int(level_text),
                "valid_from": _date(q_get("Geldig_vanaf"), f"Geldig vanaf van {q_where}", filename),
                "end_intake": _date(q_get("Datum_einde_instroom"), f"Einde instroom van {q_where}", filename),
                "end_training": _date(q_get("Datum_einde_opleiding"), f"Einde opleiding van {q_where}", filename),
                "profile_nr": profile_nr,
                "profile_chapter": chapter,
                "core_tasks": tasks,
            }
        )
    dossier = {
        "crebo": crebo,
        "title": title,
        "version": _version_label(tidy(element.get("versie")), valid_from),
        "status": tidy(element.get("status")),
        "sbb_nr": (element.get("nr") or "").strip(),
        "valid_from": valid_from,
        "end_intake": _date(get("Datum_einde_instroom"), f"Einde instroom van {where}", filename),
        "end_training": _date(get("Datum_einde_opleiding"), f"Einde opleiding van {where}", filename),
        "established_on": established,
        "established_by": established_by,
        "qualifications": qualifications,
    }
    # The dicts are built in a fixed order, so their JSON is a stable fingerprint of the content: the heading
    # data, every kwalificatie's heading data, the basisdeel with all additions and every profieldeel.
    fingerprint.append([{k: v for k, v in q.items() if k != "core_tasks"} for q in qualifications])
    fingerprint.append({k: v for k, v in dossier.items() if k != "qualifications"})
    dossier["content_key"] = hashlib.sha256(_fingerprint_json(fingerprint).encode("utf-8")).hexdigest()
    return dossier


# The content key has always been the SHA-256 of json.dumps(..., default=str, ensure_ascii=False): keys stored by
# earlier imports must keep matching. CPython's encoder escapes text about twice as fast with ensure_ascii=True
# (0.2 of the walk's 2.6 ms on SBB's files), and the two outputs differ only in the `\uXXXX` escapes of
# characters from U+007F up (astral ones as a surrogate pair), so those are put back; the escapes of control
# characters, quotes and backslashes are the same in both and stay. Checked against json.dumps on random text
# in tests/test_xml_import_speed.py.
_ASCII_JSON = json.JSONEncoder(default=str, check_circular=False)
_ESCAPE = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\u(?!00[01])([0-9a-f]{4})|\\[^u]|\\u")


def _unescape(match):
    high, low, code = match.groups()
    if code is not None:
        return chr(int(code, 16))
    if high is not None:
        return chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00))
    return match.group(0)  # an escape both forms share


def _fingerprint_json(value):
    """json.dumps(value, default=str, ensure_ascii=False, check_circular=False), faster."""
    text = _ASCII_JSON.encode(value)
    return _ESCAPE.sub(_unescape, text) if "\\u" in text else text


def parse(data, filename=None):
    """Parse one file's bytes into plain dossier dicts; raise QualificationImportError when it is not usable."""
    with cycle_collection_paused():
        return _parse(data, filename)


def _parse(data, filename):
    root = _read_root(data, filename)
    tag = root.tag.rsplit("}", 1)[-1]
    if tag != "sbb":
        raise QualificationImportError(
            f"Dit is geen kwalificatiebestand van SBB: het bestand begint met <{tag}>, verwacht is <sbb> met "
            "kwalificatiedossiers.",
            filename,
        )
    elements = root.findall("dossiers/dossier")
    if not elements:
        raise QualificationImportError(
            "Het bestand bevat geen kwalificatiedossiers (<dossiers>/<dossier>). Kies het exportbestand van de "
            "kwalificatiestructuur van SBB.",
            filename,
        )
    try:
        return [_dossier(element, filename) for element in elements]
    except RecursionError:
        raise QualificationImportError("Het bestand is te diep genest om te lezen.", filename) from None


def parse_files(paths):
    """Parse every file first (all or nothing); return the dossiers of all files in order."""
    dossiers = []
    for path in paths:
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise QualificationImportError("Bestand niet gevonden.", str(path)) from None
        except IsADirectoryError:
            raise QualificationImportError("Dit is een map, geen bestand.", str(path)) from None
        except OSError as exc:
            raise QualificationImportError(
                f"Het bestand kan niet worden gelezen ({exc.strerror}).", str(path)
            ) from None
        for dossier in parse(data, path.name):
            dossier["source_filename"] = path.name
            dossiers.append(dossier)
    return dossiers


# ---------------------------------------------------------------------------------------------------------------
# Presenting


def _iso(value):
    return value.isoformat() if value else None


def to_json(dossiers):
    """The parsed structure in the documented JSON shape (Dutch keys)."""
    return {
        "dossiers": [
            {
                "crebo": d["crebo"],
                "titel": d["title"],
                "versie": d["version"],
                "kwalificaties": [
                    {
                        "crebo": q["crebo"],
                        "titel": q["title"],
                        "niveau": q["level"],
                        "geldig_vanaf": _iso(q["valid_from"]),
                        "einde_instroom": _iso(q["end_intake"]),
                        "kerntaken": [
                            {
                                "code": t["code"],
                                "titel": t["title"],
                                "werkprocessen": [
                                    {
                                        "code": wp["code"],
                                        "titel": wp["title"],
                                        "omschrijving": wp["description"],
                                        "resultaat": wp["result"],
                                        "gedrag": list(wp["behaviour"]),
                                    }
                                    for wp in t["work_processes"]
                                ],
                            }
                            for t in q["core_tasks"]
                        ],
                    }
                    for q in d["qualifications"]
                ],
            }
            for d in dossiers
        ]
    }


def summary_line(qualification):
    """`<crebo> niveau <n> <titel>: <k> kerntaken, <w> werkprocessen`."""
    tasks = qualification["core_tasks"]
    processes = sum(len(t["work_processes"]) for t in tasks)
    return (
        f"{qualification['crebo']} niveau {qualification['level']} {qualification['title']}: "
        f"{len(tasks)} kerntaken, {processes} werkprocessen"
    )


def _known_keys(dossiers):
    """The content keys of these dossiers that are stored already (one plain query, no document objects)."""
    rows = QualificationDossier._get_collection().find(
        {"content_key": {"$in": [d["content_key"] for d in dossiers]}}, {"content_key": 1, "_id": 0}
    )
    return {row["content_key"] for row in rows}


def summary(dossiers):
    """Per dossier: heading data, whether it is new, and one summary line per kwalificatie."""
    known = _known_keys(dossiers)
    older = set(QualificationDossier.objects(crebo__in=[d["crebo"] for d in dossiers]).scalar("crebo"))
    rows = []
    for d in dossiers:
        if d["content_key"] in known:
            state = "al aanwezig, wordt overgeslagen"
        elif d["crebo"] in older:
            state = "nieuwe versie, komt naast de bestaande versie"
        else:
            state = "nieuw"
        rows.append(
            {
                "crebo": d["crebo"],
                "title": d["title"],
                "version": d["version"],
                "state": state,
                "new": d["content_key"] not in known,
                "lines": [summary_line(q) for q in d["qualifications"]],
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Writing


@dataclass
class ImportResult:
    added: list = field(default_factory=list)  # QualificationDossier ids
    unchanged: list = field(default_factory=list)  # (crebo, title) of dossiers already present
    qualification_count: int = 0

    def message(self):
        parts = [
            counted("{n} {kwalificatiedossier|kwalificatiedossiers} toegevoegd", len(self.added))
            + counted(" ({n} {kwalificatie|kwalificaties})", self.qualification_count)
        ]
        if self.unchanged:
            parts.append(f"{len(self.unchanged)} ongewijzigd (al aanwezig)")
        return ", ".join(parts) + "."


_NON_WORD = re.compile(r"[^0-9a-z]+")


def _dt(value):
    return datetime(value.year, value.month, value.day) if value else None


def _words(title_key):
    """The search words of a folded title."""
    return sorted({w for w in _NON_WORD.split(title_key) if w})


def import_dossiers(dossiers, *, user=None, source_filename=None):
    """Store the parsed dossiers that are not present yet, all or nothing; mark older versions superseded."""
    if user is not None:
        require(user, "manage_registry")
    result = ImportResult()
    # One read of the stored dossiers of these crebos answers both "imported before?" (the content key holds
    # the crebo, so an equal key can only be stored under the same crebo) and "which version is newest?".
    stored_dossiers = list(
        QualificationDossier._get_collection().find(
            {"crebo": {"$in": sorted({d["crebo"] for d in dossiers})}}, _VERSION_FIELDS | {"content_key": 1}
        )
    )
    known = {row["content_key"] for row in stored_dossiers}
    fresh, seen = [], set()
    for d in dossiers:
        if d["content_key"] in known or d["content_key"] in seen:
            result.unchanged.append((d["crebo"], d["title"]))
            continue
        seen.add(d["content_key"])
        fresh.append(d)
    if not fresh:
        return result

    now = utcnow()
    by = getattr(user, "email", None) or "opdrachtregel"
    dossier_rows, qualification_rows = [], []
    for d in fresh:
        dossier_id = ObjectId()
        dossier_rows.append(
            {
                "_id": dossier_id,
                "crebo": d["crebo"],
                "title": d["title"],
                "version": d["version"],
                "status": d["status"],
                "established_on": _dt(d["established_on"]),
                "established_by": d["established_by"],
                "valid_from": _dt(d["valid_from"]),
                "end_intake": _dt(d["end_intake"]),
                "end_training": _dt(d["end_training"]),
                "sbb_nr": d["sbb_nr"],
                "content_key": d["content_key"],
                "superseded": False,
                "source_filename": d.get("source_filename") or source_filename,
                "imported_at": now,
                "imported_by": by,
            }
        )
        for q in d["qualifications"]:
            tasks = q["core_tasks"]
            title_key = fold(q["title"])
            qualification_rows.append(
                {
                    "crebo": q["crebo"],
                    "title": q["title"],
                    "level": q["level"],
                    "dossier": dossier_id,
                    "dossier_crebo": d["crebo"],
                    "dossier_title": d["title"],
                    "version": d["version"],
                    "valid_from": _dt(q["valid_from"]),
                    "end_intake": _dt(q["end_intake"]),
                    "end_training": _dt(q["end_training"]),
                    "profile_nr": q["profile_nr"],
                    "profile_chapter": q["profile_chapter"],
                    "core_tasks": tasks,
                    "core_task_count": len(tasks),
                    "work_process_count": sum(len(t["work_processes"]) for t in tasks),
                    "superseded": False,
                    "title_words": _words(title_key),
                    "title_key": title_key,
                    "imported_at": now,
                }
            )

    dossier_ids = [row["_id"] for row in dossier_rows]
    fresh_crebos = {d["crebo"] for d in fresh}
    stale = _mark_versions(
        QualificationDossier, dossier_rows, [row for row in stored_dossiers if row["crebo"] in fresh_crebos]
    ) + _mark_versions(Qualification, qualification_rows)
    try:
        QualificationDossier._get_collection().insert_many(dossier_rows)
        if qualification_rows:
            Qualification._get_collection().insert_many(qualification_rows)
        for document, ids in stale:
            document._get_collection().update_many({"_id": {"$in": ids}}, {"$set": {"superseded": True}})
    except PyMongoError:
        # No half imports: take back whatever of this batch made it in.
        Qualification._get_collection().delete_many({"dossier": {"$in": dossier_ids}})
        QualificationDossier._get_collection().delete_many({"_id": {"$in": dossier_ids}})
        refresh_versions({d["crebo"] for d in fresh}, {q["crebo"] for d in fresh for q in d["qualifications"]})
        raise QualificationImportError(
            "Het importeren is mislukt (er liep misschien tegelijk een andere import); er is niets opgeslagen. "
            "Probeer het opnieuw.",
            source_filename,
        ) from None

    result.added = dossier_ids
    result.qualification_count = len(qualification_rows)
    audit.record(
        "import",
        object_type="QualificationDossier",
        user=user,
        label=", ".join(f"{d['crebo']} {d['title']} ({d['version']})" for d in fresh)[:300],
        changes={
            "dossiers": len(fresh),
            "kwalificaties": len(qualification_rows),
            "bestand": source_filename or ", ".join(sorted({d.get("source_filename") or "" for d in fresh})),
        },
    )
    return result


_VERSION_FIELDS = {"crebo": 1, "valid_from": 1, "imported_at": 1, "established_on": 1, "superseded": 1}


def _newest_last(row):
    return (
        row.get("valid_from") or datetime.min,
        row.get("established_on") or datetime.min,
        row.get("imported_at") or datetime.min,
        str(row["_id"]),
    )


def _versions(rows):
    """Split rows into the newest per crebo and the older ones."""
    groups = {}
    for row in rows:
        groups.setdefault(row["crebo"], []).append(row)
    newest, older = [], []
    for group in groups.values():
        group.sort(key=_newest_last)
        newest.append(group[-1])
        older.extend(group[:-1])
    return newest, older


def _mark_versions(document, new_rows, stored=None):
    """Set `superseded` on rows about to be inserted; return [(document, stored ids that become older)].

    stored: the stored rows of the new rows' crebos (with _VERSION_FIELDS) when the caller has read them already.
    """
    if not new_rows:
        return []
    for row in new_rows:
        row.setdefault("_id", ObjectId())
    if stored is None:
        stored = list(
            document._get_collection().find({"crebo": {"$in": sorted({r["crebo"] for r in new_rows})}}, _VERSION_FIELDS)
        )
    newest, older = _versions(stored + new_rows)
    fresh_ids = {id(row) for row in new_rows}
    for row in newest:
        if id(row) in fresh_ids:
            row["superseded"] = False
    for row in older:
        if id(row) in fresh_ids:
            row["superseded"] = True
    # A stored version only ever becomes older here (a newer one arrives), never newer.
    ids = [row["_id"] for row in older if id(row) not in fresh_ids and not row.get("superseded")]
    return [(document, ids)] if ids else []


def refresh_versions(dossier_crebos, crebos):
    """Per crebo, the newest version is current and every other one a `superseded` earlier version."""
    for document, keys in ((QualificationDossier, dossier_crebos), (Qualification, crebos)):
        collection = document._get_collection()
        newest, older = _versions(list(collection.find({"crebo": {"$in": sorted(keys)}}, _VERSION_FIELDS)))
        if older:
            collection.update_many({"_id": {"$in": [r["_id"] for r in older]}}, {"$set": {"superseded": True}})
        if newest:
            collection.update_many({"_id": {"$in": [r["_id"] for r in newest]}}, {"$set": {"superseded": False}})


def import_files(paths, *, user=None):
    """Parse all files, then import them in one go; return (dossiers, ImportResult)."""
    dossiers = parse_files(paths)
    return dossiers, import_dossiers(dossiers, user=user)


# ---------------------------------------------------------------------------------------------------------------
# Upload with confirmation (the file waits in the database, not in the session)


def stage_upload(data, filename, user):
    """Check an uploaded file and keep it until the SBB admin confirms; return the pending upload."""
    require(user, "manage_registry")
    filename = Path(filename or "upload.xml").name[:300]
    dossiers = parse(data, filename)
    packed = zlib.compress(data, 6)
    if len(packed) > MAX_STORED_UPLOAD:
        raise QualificationImportError(
            "Het bestand is te groot om via deze pagina te importeren; gebruik de "
            "opdrachtregel (flask import-kwalificaties).",
            filename,
        )
    PendingQualificationUpload.objects(
        uploaded_at__lt=utcnow() - timedelta(hours=PENDING_UPLOAD_MAX_AGE_HOURS)
    ).delete()
    pending = PendingQualificationUpload(filename=filename, content=packed, summary=summary(dossiers), uploaded_by=user)
    pending.save()
    return pending


def pending_upload(upload_id, user):
    """The user's own pending upload, or None."""
    require(user, "manage_registry")
    try:
        return PendingQualificationUpload.objects(pk=upload_id, uploaded_by=user).first()
    except (ValidationError, InvalidId):  # a malformed id is just "not found"
        return None


def confirm_upload(upload_id, user):
    """Import a staged upload after confirmation; the staged file is removed afterwards."""
    require(user, "manage_registry")
    pending = pending_upload(upload_id, user)
    if pending is None:
        raise QualificationImportError("Deze upload bestaat niet meer; upload het bestand opnieuw.")
    dossiers = parse(zlib.decompress(pending.content), pending.filename)
    result = import_dossiers(dossiers, user=user, source_filename=pending.filename)
    pending.delete()
    return result


def discard_upload(upload_id, user):
    """Forget a staged upload without importing it."""
    pending = pending_upload(upload_id, user)
    if pending is not None:
        pending.delete()
