"""Filling one field of the begeleidingsdocument shows its value in that field only.

Alike text widgets used to share one normal appearance stream (an earlier speed-up). A filling tool that writes
the typed value into the widget's existing /AP /N stream object in place (pypdf does) then showed that value in
every field sharing the stream, on every page. Every text and choice widget now has its own appearance stream.
"""

import io
import shutil
import subprocess

import pypdf
import pytest
from pypdf.generic import IndirectObject

from services.pdf import read_guidance_fields, render_guidance
from services.pdf.sample import sample_guidance
from tests.test_guidance_fonts import fill_with_pypdf

#: A moment date field: the form has dozens of fields that look exactly like it, on several pages.
DATE_FIELD = "wp_25498-B1-K1-W1_moment1_datum"
VALUE = "Qwxz 17-03-2027"
#: A combo box: one of many alike drop-downs.
LEVEL_FIELD = "wp_25498-B1-K1-W1_moment1_niveau"


@pytest.fixture(scope="module")
def pdf():
    return render_guidance(sample_guidance(6, behaviour_every=1), concept=False)


def _widgets(reader):
    for number, page in enumerate(reader.pages, start=1):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Widget":
                yield number, annotation


def _normal_appearance(widget):
    """The /AP /N entry as stored: an indirect reference for a text or choice widget."""
    return dict.__getitem__(widget["/AP"], "/N")


def _page_texts(pdf_bytes: bytes) -> list[str]:
    """The text of every page as poppler draws it (widget appearances included)."""
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf_bytes, capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8")
    return out.split("\f")


def test_no_two_text_or_choice_widgets_share_a_normal_appearance(pdf):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    owners = {}
    for _page, widget in _widgets(reader):
        if widget.get("/FT") not in ("/Tx", "/Ch"):
            continue
        ref = _normal_appearance(widget)
        assert isinstance(ref, IndirectObject), widget["/T"]
        owners.setdefault(ref.idnum, []).append(str(widget["/T"]))
    shared = {idnum: names for idnum, names in owners.items() if len(names) > 1}
    assert len(owners) > 40
    assert not shared, f"{len(shared)} appearance streams shared, e.g. {next(iter(shared.values()))[:4]}"


def test_checkboxes_may_still_share_their_on_and_off_looks(pdf):
    """Filling a check box switches /AS between the streams and never rewrites them: sharing them is safe."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    looks = {
        dict.__getitem__(_normal_appearance(widget), state).idnum
        for _page, widget in _widgets(reader)
        if widget.get("/FT") == "/Btn"
        for state in ("/Yes", "/Off")
    }
    assert 2 <= len(looks) <= 4


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_a_filled_text_field_shows_its_value_once(pdf):
    assert VALUE not in "".join(_page_texts(pdf))
    filled = fill_with_pypdf(pdf, {DATE_FIELD: VALUE})
    pages = _page_texts(filled)
    assert len(pages) > 3
    # The old file: the value on every moment date field of every page (they shared one stream).
    assert sum(page.count(VALUE) for page in pages) == 1
    reader = pypdf.PdfReader(io.BytesIO(filled))
    (page_of_field,) = [number for number, widget in _widgets(reader) if widget["/T"] == DATE_FIELD]
    assert VALUE in pages[page_of_field - 1]


def test_other_fields_keep_empty_appearances_and_values(pdf):
    filled = fill_with_pypdf(pdf, {DATE_FIELD: VALUE, LEVEL_FIELD: "gedeeltelijk"})
    reader = pypdf.PdfReader(io.BytesIO(filled))
    drawn = {}
    for _page, widget in _widgets(reader):
        if widget.get("/FT") in ("/Tx", "/Ch"):
            drawn[str(widget["/T"])] = widget["/AP"]["/N"].get_object().get_data().decode("latin-1")
    carrying_value = sorted(name for name, data in drawn.items() if "Qwxz" in data)
    assert carrying_value == [DATE_FIELD]
    # A choice field's appearance is written in place as well: the level drawn in its own widget only.
    assert "(gedeeltelijk)" in drawn[LEVEL_FIELD]
    others = [
        name
        for name, data in drawn.items()
        if name.endswith("_niveau") and name != LEVEL_FIELD and "(gedeeltelijk)" in data
    ]
    assert not others
    fields = read_guidance_fields(filled)["work_processes"]
    assert fields["25498-B1-K1-W1"]["moments"][0]["datum"] == VALUE
    assert all(
        not moment.get("datum")
        for key, entry in fields.items()
        for index, moment in enumerate(entry["moments"])
        if (key, index) != ("25498-B1-K1-W1", 0)
    )


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_a_value_filled_in_at_render_is_drawn_in_the_form_fonts_encoding():
    """A value the server fills in is drawn in its own appearance, in cp1252 as the form font expects."""
    from reportlab.pdfgen.canvas import Canvas

    from services.pdf.base import AcroField, setup

    setup()
    out = io.BytesIO()
    canvas = Canvas(out)
    for number, value in enumerate(["Zoë (Çelik) \\ 100% €5 D’Souza", ""]):
        field = AcroField(f"veld{number}", width=200, height=16, value=value)
        field.wrap(400, 100)
        field.drawOn(canvas, 50, 700 - 30 * number)
    canvas.showPage()
    canvas.save()
    text = _page_texts(out.getvalue())[0]
    assert "Zoë (Çelik) \\ 100% €5 D’Souza" in text  # stock reportlab: KeyError on € and ’ (Latin-1 only)
    reader = pypdf.PdfReader(out)
    refs = [_normal_appearance(widget).idnum for _page, widget in _widgets(reader)]
    assert len(set(refs)) == 2
