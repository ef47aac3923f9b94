"""Issue 14: the import preview of a file shaped as Excel saves it (shared strings, <dimension>) takes short ways
that give exactly the answers of the slow ways they replace.

- The shared strings table is read by a small expat reader when it holds only plain <si><t> items, and by
  openpyxl's own reader otherwise: the same strings, the same refusals.
"""

import io
import zipfile

import pytest
from openpyxl.cell import text as openpyxl_text
from openpyxl.reader.strings import read_string_table

from bench.participants_preview import build_file
from services import spreadsheet
from services.participant_import import COLUMNS, SHEET

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = f'xmlns="{MAIN}"'
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def table(items, declaration=DECLARATION, attributes=' count="9" uniqueCount="9"'):
    return f"{declaration}<sst {NS}{attributes}>{items}</sst>"


# Tables Excel (or another program) may write, and some it never writes: the fast reader must answer as
# openpyxl's read_string_table does, by itself (plain) or by handing the table over (the rest).
TABLES = {
    "plain": table("<si><t>Zoë</t></si><si><t>Vries</t></si><si><t>Klas 1</t></si>"),
    "empty items": table("<si><t/></si><si><t></t></si><si/><si></si>"),
    "preserved spaces": table('<si><t xml:space="preserve">  de  </t></si><si><t xml:space="preserve"> </t></si>'),
    "escapes": table("<si><t>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#235; &#x131;</t></si>"),
    "line breaks": table("<si><t>regel 1\r\nregel 2\rregel 3\n</t></si>"),
    "CDATA": table("<si><t><![CDATA[<b>vet</b> & zo]]></t></si>"),
    "escaped underscore": table("<si><t>a_x005F_x000D_b x005F_</t></si>"),
    "whitespace between elements": table("\n  <si>\n    <t>x</t>\n  </si>\n"),
    "control characters escaped by Excel": table("<si><t>a_x0009_b_x000D_</t></si>"),
    "UTF-16": table("<si><t>Ömer Yıldız</t></si>").replace("UTF-8", "UTF-16"),
    "no declaration": table("<si><t>x</t></si>", declaration=""),
    "prefixed": f'<x:sst xmlns:x="{MAIN}"><x:si><x:t>x</x:t></x:si></x:sst>',
    # Handed over to openpyxl:
    "rich text runs": table(
        "<si><r><rPr><b/></rPr><t>vet</t></r><r><t xml:space='preserve'> en gewoon</t></r></si><si><t>x</t></si>"
    ),
    "text and runs": table("<si><t>begin</t><r><t>eind</t></r></si>"),
    "phonetic text": table("<si><t>東京</t><rPh sb='0' eb='2'><t>トウキョウ</t></rPh><phoneticPr fontId='1'/></si>"),
    "two texts in an item": table("<si><t>een</t><t>twee</t></si>"),
    "an element inside the text": table("<si><t>a<b/>c</t></si>"),
    "a comment inside the text": table("<si><t>a<!-- c -->b</t></si>"),
    "a comment between items": table("<si><t>a</t></si><!-- c --><si><t>b</t></si>"),
    "a processing instruction": table("<si><t>a<?pi x?>b</t></si>"),
    "an unknown element": table("<si><t>a</t></si><extLst><ext/></extLst>"),
    "another namespace": '<sst xmlns="urn:other"><si><t>a</t></si></sst>',
    "no namespace": "<sst><si><t>a</t></si></sst>",
    "another root": table("").replace("<sst", "<root").replace("</sst>", "</root>") + "",
    "a DTD without entities": f'<?xml version="1.0"?><!DOCTYPE sst><sst {NS}><si><t>a</t></si></sst>',
    "an entity": f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaa">]><sst {NS}><si><t>&a;</t></si></sst>',
    "an external entity": (
        f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        f"<sst {NS}><si><t>&e;</t></si></sst>"
    ),
    "an undefined entity": table("<si><t>&nbsp;</t></si>"),
    # openpyxl passes an item's attributes to Text(): t="..." is its text, another attribute a refusal.
    "an item with a t attribute": table('<si t="EVIL"/><si><t>x</t></si>'),
    "an item with another attribute": table('<si foo="1"><t>Voornaam *</t></si>'),
    "unclosed": table("<si><t>a</t>"),
    "not XML": "\x89PNG not xml",
    "empty": "",
}
PLAIN = {
    "plain",
    "empty items",
    "preserved spaces",
    "escapes",
    "line breaks",
    "CDATA",
    "escaped underscore",
    "whitespace between elements",
    "control characters escaped by Excel",
    "UTF-16",
    "no declaration",
    "prefixed",
}


def encoded(case):
    content = TABLES[case]
    return content.encode("utf-16") if "UTF-16" in content[:60] else content.encode("utf-8")


def outcome(reader, data):
    """The strings a reader gives, or the exception it raises (class and message)."""
    try:
        return reader(data)
    except Exception as exc:  # noqa: BLE001 - the comparison is the point
        return (type(exc), str(exc))


@pytest.mark.parametrize("case", TABLES)
def test_the_shared_strings_are_read_as_openpyxl_reads_them(case):
    data = encoded(case)
    expected = outcome(lambda d: read_string_table(io.BytesIO(d)), data)
    assert outcome(spreadsheet.read_shared_strings, data) == expected


@pytest.mark.parametrize("case", TABLES)
def test_only_plain_tables_are_read_without_openpyxl(case, monkeypatch):
    data = encoded(case)
    handed_over = []
    monkeypatch.setattr(spreadsheet, "read_string_table", lambda source: handed_over.append(1) or [])
    spreadsheet.read_shared_strings(data)
    assert bool(handed_over) == (case not in PLAIN)


def test_the_cases_read_something_and_refuse_something():
    """The table above is not vacuous: plain tables give strings, and openpyxl refuses some of the others."""
    assert read_string_table(io.BytesIO(encoded("plain"))) == ["Zoë", "Vries", "Klas 1"]
    assert read_string_table(io.BytesIO(encoded("rich text runs"))) == ["vet en gewoon", "x"]
    for refused in ("an entity", "an external entity", "unclosed", "not XML"):
        assert isinstance(outcome(lambda d: read_string_table(io.BytesIO(d)), encoded(refused)), tuple), refused


def test_random_plain_tables_read_alike():
    import random

    rnd = random.Random(14)
    alphabet = "abc XYZ 019 &<>\"' \t\r\n éëïöü ıİß 東 _x005F_ x000D _x0009_ \u200b \U0001f600"
    escape = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
    for _ in range(200):
        texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))) for _ in range(rnd.randint(0, 20))]
        space = rnd.choice(["", ' xml:space="preserve"'])
        items = "".join(f"<si><t{space}>{''.join(escape.get(c, c) for c in t)}</t></si>" for t in texts)
        data = table(items).encode("utf-8")
        assert spreadsheet.read_shared_strings(data) == read_string_table(io.BytesIO(data))


def test_an_excel_shaped_file_is_read_without_openpyxl_text_objects(app, monkeypatch):
    """Fails on the reader before this change: every shared string went through openpyxl's Text.from_tree."""
    data = build_file(50, excel=True)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "xl/sharedStrings.xml" in names
    expected = spreadsheet.read_upload(data, COLUMNS, file_name="x.xlsx", sheet_name=SHEET)

    def refuse(*_args, **_kwargs):
        raise AssertionError("Text.from_tree called")

    monkeypatch.setattr(openpyxl_text.Text, "from_tree", classmethod(refuse))
    rows = spreadsheet.read_upload(data, COLUMNS, file_name="x.xlsx", sheet_name=SHEET)
    assert [(r.number, r.values, r.errors) for r in rows] == [(r.number, r.values, r.errors) for r in expected]
    assert rows[0].values["first_name"] == "Zoë"


def test_both_shapes_of_the_benchmark_file_read_alike(app):
    excel = spreadsheet.read_upload(build_file(300, excel=True), COLUMNS, file_name="x.xlsx", sheet_name=SHEET)
    plain = spreadsheet.read_upload(build_file(300), COLUMNS, file_name="x.xlsx", sheet_name=SHEET)
    assert len(excel) == 300
    assert [(r.number, r.values, r.errors) for r in excel] == [(r.number, r.values, r.errors) for r in plain]


# --- folding, tidying and the hidden-character check: the short ways against the definitions they replace ----


def fold_reference(text):
    """fold() as it was defined before the translate table: the whole text normalised, then each character."""
    import re
    import unicodedata

    from core.text import _LETTER_TABLE

    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    stripped = "".join(
        c
        for c in decomposed
        if c in "\t\n\r" or not (unicodedata.combining(c) or unicodedata.category(c) in ("Cf", "Cc"))
    )
    return re.sub(r"\s+", " ", stripped.translate(_LETTER_TABLE)).strip()


def hidden_reference(text, multiline=False):
    import unicodedata

    from core.text import HIDDEN_CHARACTERS

    allowed = "\t\n\r" if multiline else ""
    for char in text or "":
        if char in allowed:
            continue
        if char in HIDDEN_CHARACTERS or unicodedata.category(char) in ("Cf", "Cc", "Co", "Cs", "Zl", "Zp"):
            return char
    return None


def test_every_character_folds_and_tidies_as_before():
    import re

    from core import text

    for code in range(0x110000):
        char = chr(code)
        assert text.fold(char + "é") == fold_reference(char + "é"), hex(code)
        assert text.tidy(f" a{char}{char}b ") == re.sub(r"\s+", " ", f" a{char}{char}b ").strip(), hex(code)


def test_texts_fold_as_before_where_characters_meet():
    """Combining marks in any order, Hangul, ligatures, final sigma, ß, İ, format characters between letters."""
    import random

    from core import text

    rnd = random.Random(14)
    pieces = [
        "e\u0301",
        "\u0301",
        "\u0323\u0302",
        "o\u0308\u0304",
        "İ",
        "ı",
        "ß",
        "ΣΑΣ",
        "ς",
        "ﬁ",
        "ĳ",
        "한국",
        "\u1100\u1161",
        "\u200b",
        "\u00ad",
        "\t",
        "\u00a0",
        " ",
        "Ǆ",
        "ǅ",
        "Å",
        "Å",
        "㎏",
        "①",
        "Zoë",
        "Yıldız",
        "van der",
        "’",
        "–",
        "\U0001d400",
        "\ud800",
    ]
    for _ in range(5000):
        sample = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 8)))
        assert text.fold(sample) == fold_reference(sample), ascii(sample)


def test_the_hidden_character_check_answers_as_before_also_when_remembered():
    import random

    from core import text

    rnd = random.Random(14)
    alphabet = "aé ıß東\u200b\u202e\ufeff\u00ad\t\n\r\x07\ue000\u2028\u2029\U0001f600\U000f0000\u061c"
    for _ in range(3000):
        sample = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 6)))
        for multiline in (False, True):
            # Twice: the second time the characters found visible the first time are remembered.
            assert text.hidden_character(sample, multiline=multiline) == hidden_reference(sample, multiline)
            assert text.hidden_character(sample, multiline=multiline) == hidden_reference(sample, multiline)
    assert "\t" not in text._SEEN_VISIBLE and "\u200b" not in text._SEEN_VISIBLE


def test_the_remembered_characters_stay_bounded(monkeypatch):
    from core import text

    monkeypatch.setattr(text, "_SEEN_VISIBLE", set())
    monkeypatch.setattr(text, "_SEEN_VISIBLE_MAX", 10)
    monkeypatch.setattr(text, "_FOLD_TABLE", text._FoldTable())
    monkeypatch.setattr(text, "_FOLD_TABLE_MAX", 10)
    sample = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 500))
    assert text.hidden_character(sample) is None
    assert text.fold(sample) == fold_reference(sample)
    assert len(text._SEEN_VISIBLE) == 10 and len(text._FOLD_TABLE) == 10


# --- clean_values: the same values, the same messages in the same order as the previous version -----------


def clean_values_reference(data):
    """services.participants.clean_values as it was before the row-at-once hidden-character check."""
    import re
    from datetime import date

    from core.text import tidy
    from documents.participants import birth_date_problem, printed_text_errors
    from services.participants import EDITABLE_FIELDS, FIELD_LABELS, MAX_LENGTHS, REQUIRED_FIELDS, ParticipantError
    from services.spreadsheet import parse_date

    values = {}
    errors = {}
    for field, _label in EDITABLE_FIELDS:
        raw = data.get(field)
        if field == "birth_date":
            values[field] = (raw.strip() or None) if isinstance(raw, str) else raw
            continue
        value = tidy(raw if isinstance(raw, str) else (str(raw) if raw is not None else ""))
        values[field] = value or None
    for field in REQUIRED_FIELDS:
        if not values.get(field):
            errors[field] = f"Vul {FIELD_LABELS[field].lower()} in."
    for field, limit in MAX_LENGTHS.items():
        if values.get(field) and len(values[field]) > limit:
            errors[field] = f"{FIELD_LABELS[field]} is te lang (maximaal {limit} tekens)."
    birth_date = values.get("birth_date")
    if birth_date is not None and not isinstance(birth_date, date):
        try:
            values["birth_date"] = birth_date = parse_date(birth_date)
        except ValueError as exc:
            errors["birth_date"] = f"Geboortedatum: {exc}."
    for field, message in printed_text_errors(values).items():
        errors.setdefault(field, message)
    if values.get("email") and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", values["email"]):
        errors["email"] = "Dit is geen geldig e-mailadres."
    if not errors and birth_date_problem(values["birth_date"]):
        errors["birth_date"] = birth_date_problem(values["birth_date"])
    if errors:
        raise ParticipantError("Controleer de gemarkeerde velden.", errors)
    return values


def cleaned(fn, data):
    from services.participants import ParticipantError

    try:
        values = fn(dict(data))
        return "ok", list(values.items())
    except ParticipantError as exc:
        return "error", exc.message, list(exc.errors.items())
    except Exception as exc:  # noqa: BLE001 - e.g. a datetime: both versions must fail alike
        return "crash", type(exc), str(exc)


def test_clean_values_answers_as_before():
    import random
    from datetime import date, datetime

    from services.participants import clean_values

    rnd = random.Random(14)
    choices = {
        "first_name": [
            "Jan",
            " Zoë  ",
            "",
            None,
            "   ",
            "x" * 101,
            "A\u200bna",
            "Ömer\x07",
            12,
            "Jan\u202e",
            "é" * 100,
        ],
        "infix": [None, "van  der", "\tde ", "x" * 31, "de\ufeff", ""],
        "last_name": ["Vries", "", None, "Yıldız", "x" * 100, "x" * 101, "Bos\u2028", 3.5],
        "birth_date": [
            date(2007, 3, 14),
            datetime(2006, 1, 2, 3, 4),
            "14-03-2007",
            " 31-02-2007 ",
            "gisteren",
            "",
            None,
            date.today(),
            date(1900, 1, 1),
            39000,
            "2007-03-14",
        ],
        "birth_place": [None, "Utrecht", "’s-Hertogenbosch", "x" * 101, "\u061cX"],
        "group": [None, "Klas 1", " 2B ", "\u00a0"],
        "student_number": [None, "100000", 100001, "1" * 31, "12\x00"],
        "email": [None, "", "a@b.nl", "geen-adres", "a b@c.nl", "x" * 195 + "@b.nl", "é@b.nl", "a@b.nl\u200b"],
    }
    for _ in range(4000):
        data = {field: rnd.choice(options) for field, options in choices.items() if rnd.random() > 0.05}
        assert cleaned(clean_values, data) == cleaned(clean_values_reference, data), data
