"""The begeleidingsdocument stays lean as it grows: one widget font, shared appearances, grids without tables."""

import io

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject, NameObject

from services.pdf import read_guidance_fields, render_guidance
from services.pdf.sample import sample_guidance


def _widgets(pdf: bytes):
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Widget":
                yield annot


def _appearance_refs(widget):
    """The object numbers of a widget's appearance streams (every state of every appearance)."""
    refs = []
    for value in dict.values(widget["/AP"]):  # unresolved: the references themselves
        if isinstance(value, IndirectObject):
            refs.append(value.idnum)
        else:  # a check box: a stream per state
            refs.extend(state.idnum for state in dict.values(value))
    return refs


@pytest.fixture(scope="module")
def small_large():
    return (
        render_guidance(sample_guidance(4, behaviour_every=1), concept=False),
        render_guidance(sample_guidance(14, behaviour_every=1), concept=False),
    )


def test_all_widgets_share_one_font_object(small_large):
    _small, large = small_large
    reader = PdfReader(io.BytesIO(large))
    fonts = set()
    for widget in _widgets(large):
        for ref in _appearance_refs(widget):
            resources = reader.get_object(ref).get("/Resources", {})
            for font in resources.get_object().get("/Font", {}).values():
                fonts.add(font.idnum)
    form_fonts = reader.trailer["/Root"]["/AcroForm"]["/DR"]["/Font"]
    fonts.update(font.idnum for font in form_fonts.values())
    assert len(fonts) == 1  # stock reportlab made one Helvetica object per text widget


def test_alike_widgets_share_what_is_safe_to_share(small_large):
    """Check boxes share their on/off streams; text widgets have their own (tests/test_guidance_fill_isolation.py)
    but share the box look and the resources. Neither grows with the number of work processes."""
    small, large = small_large
    assert len(list(_widgets(large))) > 3 * len(list(_widgets(small))) / 2

    def shared_parts(pdf):
        reader = PdfReader(io.BytesIO(pdf))
        boxes, resources = set(), set()
        for widget in _widgets(pdf):
            if widget["/FT"] == "/Btn":
                boxes.update(_appearance_refs(widget))
            else:
                stream = reader.get_object(_appearance_refs(widget)[0])
                resources.add(dict.__getitem__(stream, "/Resources").idnum)
        return boxes, resources

    small_boxes, small_resources = shared_parts(small)
    large_boxes, large_resources = shared_parts(large)
    # One on and one off stream per size of check box, whatever the number of work processes.
    assert len(large_boxes) == len(small_boxes) <= 4
    # One resource dictionary (font and box look) per size of text field.
    assert len(large_resources) == len(small_resources) <= 12


def test_checkboxes_carry_only_normal_on_and_off_appearances(small_large):
    boxes = [widget for widget in _widgets(small_large[0]) if widget["/FT"] == "/Btn"]
    assert boxes
    for box in boxes:
        assert set(box["/AP"]) == {"/N"}
        assert set(box["/AP"]["/N"]) == {"/Yes", "/Off"}
        assert box["/AS"] == "/Off" and box["/V"] == "/Off"


def test_checked_box_reads_back(small_large):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(small_large[0]))
    for page in writer.pages:
        writer.update_page_form_field_values(
            page, {"gedrag_25498-B1-K1-W1_2": NameObject("/Yes")}, auto_regenerate=False
        )
    out = io.BytesIO()
    writer.write(out)
    assert read_guidance_fields(out.getvalue())["work_processes"]["25498-B1-K1-W1"]["gedrag"] == {1: False, 2: True}


def test_grids_are_not_tables(monkeypatch):
    """The moment and gedrag grids are rows of fields, not HTML tables: the number of tables does not grow."""
    from reportlab.platypus import tables

    made = []
    original = tables.Table.__init__

    def counting(self, *args, **kwargs):
        made.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(tables.Table, "__init__", counting)
    render_guidance(sample_guidance(2, behaviour_every=1), concept=False)
    few = len(made)
    made.clear()
    render_guidance(sample_guidance(12, behaviour_every=1), concept=False)
    assert len(made) == few


def test_moment_row_fields_sit_on_one_line(small_large):
    rects = {str(w["/T"]): [float(v) for v in w["/Rect"]] for w in _widgets(small_large[0])}
    date = rects["wp_25498-B1-K1-W1_moment1_datum"]
    level = rects["wp_25498-B1-K1-W1_moment1_niveau"]
    next_date = rects["wp_25498-B1-K1-W1_moment2_datum"]
    assert abs(date[1] - level[1]) < 0.5 and level[0] > date[2]
    assert next_date[3] <= date[1]  # moment 2 below moment 1
    assert level[0] - date[0] == pytest.approx(0.30 * (595.27 - 2 * 51.02), abs=2)  # the 18/30/52 columns
