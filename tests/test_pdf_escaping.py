"""Issue 11 item 12: every typed field prints as literal text in both PDFs, and no template marks data safe."""

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from documents.companies import Company, Trainer
from documents.institutions import Institution
from documents.participants import Participant
from documents.users import User
from services import guidance as guidance_svc
from services import statements as statement_svc
from tests.statement_helpers import BAKERY, participant_at, ready_concept, selection, user

ROOT = Path(__file__).resolve().parent.parent
NEXTPAGE = "<pdf:nextpage/>"

# Every field a person types that one of the PDFs prints: (document, field, printed in the statement,
# printed in the begeleidingsdocument).
FIELDS = [
    ("participant", "first_name", True, True),
    ("participant", "infix", True, True),
    ("participant", "last_name", True, True),
    ("participant", "birth_place", True, False),
    ("participant", "group", False, True),
    ("institution", "name", True, True),
    ("institution", "city", True, True),
    ("company", "name", True, True),
    ("company", "address", False, True),
    ("company", "postcode", False, True),
    ("company", "city", True, True),
    ("trainer", "first_name", True, True),
    ("trainer", "infix", True, True),
    ("trainer", "last_name", True, True),
    ("trainer", "function", True, True),
    ("trainer", "email", False, True),
    ("trainer", "phone", False, True),
    ("maker", "name", True, False),
    ("maker", "function", True, False),
]


def hostile(index):
    """Markup that would switch to bold and italics, and start a new page, if it were not escaped."""
    return f"<b>F{index:02d}</b> & <i> {NEXTPAGE}"


def neutral(index):
    """The same length of harmless text, for the page count without any markup."""
    return f"[b]F{index:02d}[/b] & [i] [pdf-nextpage/]"


def _fill(participant, maker, values):
    """Write the values straight into the stored documents.

    Raw, past length checks and validation: some fields are shorter than the markup, and only the printing is
    tested here (older data and imports reach the PDF too).
    """
    placement_trainer = Trainer.objects(company=Company.objects(company_id=BAKERY).get(), source="sbb").first()
    targets = {
        "participant": (Participant, participant.pk),
        "institution": (Institution, participant.institution.pk),
        "company": (Company, Company.objects(company_id=BAKERY).get().pk),
        "trainer": (Trainer, placement_trainer.pk),
        "maker": (User, maker.pk),
    }
    for index, (doc, field, _, _) in enumerate(FIELDS):
        model, pk = targets[doc]
        model.objects(pk=pk).update_one(__raw__={"$set": {model._fields[field].db_field: values(index)}})


def _text(pdf):
    return " ".join("\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split())


def _pages(pdf):
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _assert_literal(pdf, column, baseline_pages):
    text = _text(pdf)
    missing = [
        f"{doc}.{field}"
        for index, (doc, field, *printed) in enumerate(FIELDS)
        if printed[column] and hostile(index).replace(NEXTPAGE, "").strip() not in text
    ]
    assert not missing, f"printed as markup or not at all: {missing}"
    assert NEXTPAGE in text
    assert _pages(pdf) == baseline_pages, "markup in a field changed the page count"


@pytest.fixture
def maker(app):
    return user("mbo@school.example")


@pytest.fixture
def participant(app):
    return participant_at(infix="van", group="MZ2A")


def test_praktijkverklaring_concept_and_final_print_every_field_literally(participant, maker):
    concept = ready_concept(participant=participant, selections=[selection("90101", 3)])
    _fill(participant, maker, neutral)
    baseline = _pages(statement_svc.concept_pdf(concept.reload()))

    _fill(participant, maker, hostile)
    concept.reload()
    _assert_literal(statement_svc.concept_pdf(concept), 0, baseline)
    final = statement_svc.finalize(concept, User.objects(pk=maker.pk).get())
    _assert_literal(bytes(final.pdf), 0, baseline)
    title = PdfReader(io.BytesIO(bytes(final.pdf))).metadata.title or ""
    assert "<b>F00</b>" in title  # the participant's name in the document title stays text too


def test_begeleidingsdocument_concept_and_final_print_every_field_literally(participant, maker):
    # The document keeps a snapshot of these fields when it is made, so each variant gets its own document.
    _fill(participant, maker, neutral)
    baseline = _pages(guidance_svc.pdf(guidance_svc.create_concept(participant, maker, [selection("90101", 2)])))

    _fill(participant, maker, hostile)
    participant.reload()
    doc = guidance_svc.create_concept(participant, User.objects(pk=maker.pk).get(), [selection("90101", 2)])
    _assert_literal(guidance_svc.pdf(doc), 1, baseline)
    final = guidance_svc.finalize(doc, User.objects(pk=maker.pk).get())
    _assert_literal(guidance_svc.pdf(final), 1, baseline)


# --- no template or PDF module marks data as safe -----------------------------------------------------------------

UNSAFE = re.compile(r"\|\s*safe\b|Markup\s*\(|autoescape\s*(?:=\s*False|false)|\.__html__|mark_safe")
# Legitimate uses, each with the reason it is not data: (path relative to the project, matched text).
ALLOWED: set[tuple[str, str]] = set()


def _pdf_sources():
    for folder, pattern in (("pdf_templates", "*"), ("services/pdf", "*.py")):
        yield from sorted((ROOT / folder).rglob(pattern))
    yield ROOT / "services" / "statement_data.py"


def unsafe_uses(files):
    found = []
    for path in files:
        if not path.is_file() or path.suffix == ".pyc":
            continue
        for match in UNSAFE.finditer(path.read_text(encoding="utf-8")):
            key = (str(path.relative_to(ROOT)), match.group(0))
            if key not in ALLOWED:
                found.append(key)
    return found


def test_no_pdf_template_or_pdf_module_marks_data_safe():
    files = list(_pdf_sources())
    assert any(p.name == "praktijkverklaring.html" for p in files)
    assert any(p.name == "begeleidingsdocument.html" for p in files)
    assert unsafe_uses(files) == []


def test_the_scan_catches_safe_and_markup(tmp_path):
    planted = tmp_path / "pdf_templates" / "x.html"
    planted.parent.mkdir()
    planted.write_text("<b>{{ participant.full_name|safe }}</b> {{ Markup(x) }} {% autoescape false %}")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(unsafe_uses([planted])) == 3
    finally:
        ROOT = saved


def test_the_pdf_environment_escapes():
    from services.pdf import base

    assert base._ENV.autoescape is True or base._ENV.autoescape("x.html")
