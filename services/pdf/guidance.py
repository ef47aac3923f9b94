"""The begeleidingsdocument PDF (Blad 1-3) with fillable AcroForm fields, and reading a filled-in copy back.

Field names (stable; a filled-in copy is read back by them):

  praktijkloket_document             hidden, read-only: "begeleidingsdocument:<document_id>" (marks the PDF as ours)
  startdatum, einddatum              text (dd-mm-jjjj)
  wp_<key>_moment<m>_datum           text, m = 1, 2, 3
  wp_<key>_moment<m>_niveau          drop-down: "nog niet", "gedeeltelijk", "beheerst" (or empty)
  wp_<key>_opmerkingen               multi-line text
  gedrag_<key>_<n>                   checkbox per gedrag indicator, n = 1, 2, ... in the order of the snapshot
  ondertekening_<rol>_naam / _datum / _opmerkingen
                                     rol = deelnemer, praktijkopleider, begeleider

<key> is the work process code (B1-K1-W1). When two kwalificaties on one document use the same code, each such
work process gets "<crebo>-<code>" instead (25498-B1-K1-W1); work_process_keys() gives the mapping.
"""

from __future__ import annotations

import io
from collections import Counter

from services.pdf.base import logo_data, render

TEMPLATE = "begeleidingsdocument.html"
LEVELS = ("nog niet", "gedeeltelijk", "beheerst")
MOMENTS = (1, 2, 3)
SIGNATORIES = (
    ("deelnemer", "Deelnemer"),
    ("praktijkopleider", "Praktijkopleider"),
    ("begeleider", "Begeleider van de school"),
)
MARKER_FIELD = "praktijkloket_document"
MARKER_PREFIX = "begeleidingsdocument:"

INSTRUCTIONS = [
    (
        "Wat staat er op dit formulier?",
        "Per werkproces de eisen waaraan de deelnemer moet voldoen om het te beheersen: de omschrijving van het "
        "werkproces, het gewenste resultaat (het uiteindelijke doel) en, waar opgenomen, het gedrag: de "
        "indicatoren voor het behalen van het werkproces. De deelnemer oefent onder uw begeleiding met deze "
        "werkprocessen.",
    ),
    (
        "Hoe gebruikt u dit formulier?",
        "Ga na wat de eisen betekenen voor uw bedrijf: wat doet de deelnemer als hij deze werkprocessen in uw "
        "bedrijf uitvoert? Gebruik het formulier om de voortgang te volgen en er met de deelnemer over in gesprek "
        "te gaan: vul per moment de datum en de beheersing in (nog niet, gedeeltelijk of beheerst).",
    ),
    (
        "Is het duidelijk?",
        "Is het duidelijk hoe u het formulier gebruikt en wat er van u verwacht wordt? Neem bij vragen contact op "
        "met de begeleider van de school. U kunt het formulier op papier of op het scherm invullen en per e-mail "
        "terugsturen.",
    ),
]


class GuidancePdfError(ValueError):
    """An uploaded file is not a begeleidingsdocument PDF we made (message in Dutch)."""


def work_process_keys(qualifications: list[dict]) -> dict[tuple[str, str], str]:
    """Map (crebo, work process code) to the key used in field names; see the module docstring."""
    codes = Counter(wp["code"] for q in qualifications for kt in q["core_tasks"] for wp in kt["work_processes"])
    return {
        (q["crebo"], wp["code"]): (wp["code"] if codes[wp["code"]] == 1 else f"{q['crebo']}-{wp['code']}")
        for q in qualifications
        for kt in q["core_tasks"]
        for wp in kt["work_processes"]
    }


def guidance_context(data: dict, *, concept: bool) -> dict:
    """The template context: the snapshot plus field keys and the work processes whose gedrag is shown."""
    keys = work_process_keys(data["qualifications"])
    blocks = []
    behaviour = []
    for q in data["qualifications"]:
        for kt in q["core_tasks"]:
            for wp in kt["work_processes"]:
                block = {"wp": wp, "key": keys[(q["crebo"], wp["code"])], "qualification": q, "core_task": kt}
                blocks.append(block)
                if wp.get("show_behaviour") and wp.get("behaviour"):
                    behaviour.append(block)
    return {
        **data,
        "concept": concept,
        "marker": MARKER_PREFIX + str(data["document_id"]),
        "school_logo": logo_data(data["institution"].get("logo")),
        "blocks": blocks,
        "behaviour_blocks": behaviour,
        "levels": LEVELS,
        "moments": MOMENTS,
        "signatories": SIGNATORIES,
        "instructions": INSTRUCTIONS,
    }


def render_guidance(data: dict, *, concept: bool) -> bytes:
    """Render the begeleidingsdocument (Blad 1-3) with fillable fields; a concept carries a CONCEPT watermark."""
    return render(TEMPLATE, guidance_context(data, concept=concept))


def _value(field) -> str:
    value = field.get("/V")
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def read_guidance_fields(pdf_bytes: bytes) -> dict:
    """Read a filled-in begeleidingsdocument back; raise GuidancePdfError (Dutch) for a non-PDF or a foreign PDF.

    Returns {"document_id", "startdatum", "einddatum",
             "work_processes": {key: {"moments": [{"datum", "niveau"} x3], "opmerkingen", "gedrag": {n: bool}}},
             "signatures": {rol: {"naam", "datum", "opmerkingen"}}, "fields": {name: raw value}}.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not pdf_bytes or not bytes(pdf_bytes[:1024]).lstrip().startswith(b"%PDF"):
        raise GuidancePdfError("Dit bestand is geen PDF. Upload het ingevulde begeleidingsdocument (PDF).")
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes))
        if reader.is_encrypted:
            raise GuidancePdfError("Deze PDF is beveiligd met een wachtwoord. Upload een onbeveiligde kopie.")
        fields = reader.get_fields() or {}
    except GuidancePdfError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise GuidancePdfError("Deze PDF is beschadigd of onleesbaar. Upload het bestand opnieuw.") from exc

    marker = _value(fields[MARKER_FIELD]) if MARKER_FIELD in fields else ""
    # The hidden field carries the document id and survives "save as" in PDF editors; the metadata keywords
    # (PRODUCER_MARK) are informative only, as some editors rewrite them.
    if not marker.startswith(MARKER_PREFIX):
        raise GuidancePdfError(
            "Deze PDF is geen begeleidingsdocument uit het Praktijkloket. Upload de PDF die u hier hebt "
            "gedownload, ingevuld door de praktijkopleider."
        )

    raw = {name: _value(field) for name, field in fields.items()}
    result = {
        "document_id": marker[len(MARKER_PREFIX) :],
        "startdatum": raw.get("startdatum", ""),
        "einddatum": raw.get("einddatum", ""),
        "work_processes": {},
        "signatures": {},
        "fields": raw,
    }
    wps = result["work_processes"]
    for name, value in raw.items():
        if name.startswith("wp_") and name.endswith("_opmerkingen"):
            key = name[3 : -len("_opmerkingen")]
            _wp_entry(wps, key)["opmerkingen"] = value
        elif name.startswith("wp_") and "_moment" in name:
            key, _, rest = name[3:].rpartition("_moment")
            number, _, part = rest.partition("_")
            if number.isdigit() and part in ("datum", "niveau") and 1 <= int(number) <= len(MOMENTS):
                _wp_entry(wps, key)["moments"][int(number) - 1][part] = value
        elif name.startswith("gedrag_"):
            key, _, number = name[len("gedrag_") :].rpartition("_")
            if number.isdigit():
                _wp_entry(wps, key)["gedrag"][int(number)] = value not in ("", "/Off", "Off")
    for role, _label in SIGNATORIES:
        result["signatures"][role] = {
            part: raw.get(f"ondertekening_{role}_{part}", "") for part in ("naam", "datum", "opmerkingen")
        }
    return result


def _wp_entry(wps: dict, key: str) -> dict:
    if key not in wps:
        wps[key] = {"moments": [{"datum": "", "niveau": ""} for _ in MOMENTS], "opmerkingen": "", "gedrag": {}}
    return wps[key]


# --- defusing a filled-in copy -----------------------------------------------------------------------------------

# Actions a filled-in form may keep: moving within the document. Everything else (JavaScript, Launch, SubmitForm,
# ImportData, URI, GoToR/GoToE, Rendition, RichMediaExecute, ...) can reach outside the PDF and is removed.
SAFE_ACTIONS = frozenset({"/GoTo", "/Named"})
# Keys that run something by themselves (/AA, /OpenAction), carry a script (/JS, /JavaScript name tree, XFA
# forms) or an embedded file (/EmbeddedFiles, /EF). A guidance form uses none of them.
ACTIVE_KEYS = ("/AA", "/OpenAction", "/JS", "/JavaScript", "/XFA", "/EmbeddedFiles", "/EF")


def _walk(start):
    """Every dictionary reachable from start (each object once)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            yield node
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)


def _unsafe_action(value) -> bool:
    from pypdf.generic import DictionaryObject

    action = value.get_object() if value is not None else None
    return not isinstance(action, DictionaryObject) or action.get("/S") not in SAFE_ACTIONS or "/Next" in action


def active_content(pdf_bytes: bytes) -> list[str]:
    """The scripts and automatic actions left in a PDF (reachable from its trailer), as key names."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    found = []
    for node in _walk(reader.trailer):
        found.extend(key for key in ACTIVE_KEYS if key in node)
        if "/A" in node and _unsafe_action(node["/A"]):
            found.append("/A " + str(node["/A"].get_object().get("/S", "?")))
    return found


def defuse_pdf(pdf_bytes: bytes) -> bytes:
    """A copy of the PDF without JavaScript, automatic actions, outside links and embedded files; fields keep their values.

    Raise GuidancePdfError (Dutch) when the file cannot be rewritten, or when something active is left after it.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError

    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes)))
        for node in list(_walk(writer.root_object)):
            for key in ACTIVE_KEYS:
                if key in node:
                    del node[key]
            if "/A" in node and _unsafe_action(node["/A"]):
                del node["/A"]
        # The removed scripts are still objects of the file: leave them out of what is written.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
        result = out.getvalue()
        left = active_content(result)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        raise GuidancePdfError(
            "Deze PDF kon niet veilig worden opgeslagen. Vul het gedownloade "
            "begeleidingsdocument opnieuw in en upload dat bestand."
        ) from exc
    if left:
        raise GuidancePdfError(
            "Deze PDF bevat scripts of automatische acties die niet konden worden verwijderd. "
            "Vul het gedownloade begeleidingsdocument opnieuw in en upload dat bestand."
        )
    return result
