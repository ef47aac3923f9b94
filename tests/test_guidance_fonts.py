"""No font in the begeleidingsdocument without being embedded (issue 13 item 6), form fields included.

The page text was already embedded Vera; the form widgets named reportlab's standard Helvetica (never embedded), so
text a trainer typed later was drawn with whatever font the viewer had. The widgets now use a full copy of Vera.
"""

import io
import re
import shutil
import subprocess

import pypdf
import pytest
from pypdf.generic import NameObject

from services.pdf import read_guidance_fields, render_guidance
from services.pdf.base import FONT_DIR
from services.pdf.sample import sample_guidance

NAME_FIELD = "ondertekening_praktijkopleider_naam"
NAME = "Zoë Çelik"


@pytest.fixture(scope="module", params=[False, True], ids=["definitief", "concept"])
def pdf(request):
    return render_guidance(sample_guidance(4, behaviour_every=1), concept=request.param)


def fill_with_pypdf(pdf_bytes: bytes, values: dict) -> bytes:
    """Fill fields as pypdf does it: each value is written into the widget's existing /AP /N object."""
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_bytes))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _embedded(font) -> bool:
    font = font.get_object()
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def _resource_fonts(resources, where, seen):
    """(where, font) for every font in resources and in the resources of the form XObjects they hold."""
    resources = resources.get_object() if resources is not None else {}
    for name, font in (resources.get("/Font") or {}).items():
        yield f"{where} {name}", font.get_object()
    for name, xobject in (resources.get("/XObject") or {}).items():
        if xobject.idnum in seen:
            continue
        seen.add(xobject.idnum)
        yield from _resource_fonts(xobject.get_object().get("/Resources"), f"{where} {name}", seen)


def _streams(appearance):
    """Every appearance stream of an /AP entry: a stream, or a dictionary of states (/Yes, /Off) to streams."""
    appearance = appearance.get_object()
    if isinstance(appearance, pypdf.generic.StreamObject):
        yield appearance
    else:
        for state in appearance.values():
            yield state.get_object()


def _widgets(reader):
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Widget":
                yield annotation


def _every_font(reader):
    """Every font the file can draw with: page resources, widget appearances, the form's /DR."""
    seen = set()
    for number, page in enumerate(reader.pages, start=1):
        yield from _resource_fonts(page.get("/Resources"), f"pagina {number}", seen)
    for widget in _widgets(reader):
        for appearance in (widget.get("/AP") or {}).values():
            for stream in _streams(appearance):
                yield from _resource_fonts(stream.get("/Resources"), f"widget {widget['/T']}", seen)
    form = reader.trailer["/Root"]["/AcroForm"]
    yield from _resource_fonts(form.get("/DR"), "/DR", seen)


def _da_font(da) -> str:
    match = re.search(r"/(\S+)\s+[\d.]+\s+Tf", str(da))
    assert match, da
    return "/" + match.group(1)


def test_every_font_in_the_file_is_embedded(pdf):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = list(_every_font(reader))
    assert any(where == "/DR /PLVera" for where, _font in fonts)
    missing = sorted(f"{where}: {font.get('/BaseFont')}" for where, font in fonts if not _embedded(font))
    assert not missing, missing  # the old file: every widget and /DR named /Helv, a Helvetica without a font file


def test_widget_and_form_default_appearances_name_an_embedded_font_of_the_form(pdf):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    form = reader.trailer["/Root"]["/AcroForm"]
    dr_fonts = form["/DR"]["/Font"]
    appearances = [("/AcroForm", form["/DA"])]
    appearances += [(str(widget["/T"]), widget["/DA"]) for widget in _widgets(reader) if "/DA" in widget]
    assert len(appearances) > 10
    for where, da in appearances:
        name = _da_font(da)
        assert name in dr_fonts, f"{where}: {da} names a font that /DR does not hold"
        assert _embedded(dr_fonts[name]), f"{where}: {da}"


def test_the_form_font_is_the_whole_vera_not_a_subset(pdf):
    """Typed text may use any character of the encoding: a subset would hold only the glyphs drawn now."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    font = reader.trailer["/Root"]["/AcroForm"]["/DR"]["/Font"]["/PLVera"].get_object()
    assert "+" not in str(font["/BaseFont"])  # a subset's name carries a tag: AAAAAA+BitstreamVeraSans-Roman
    assert font["/Encoding"] == "/WinAnsiEncoding"
    assert (font["/FirstChar"], font["/LastChar"]) == (32, 255)
    widths = font["/Widths"]
    assert widths[ord("ë") - 32] > 0 and widths[ord("Ç") - 32] > 0
    font_file = font["/FontDescriptor"]["/FontFile2"].get_object()
    assert font_file.get_data() == (FONT_DIR / "Vera.ttf").read_bytes()


def test_one_copy_of_the_form_font_however_many_fields():
    reader = pypdf.PdfReader(io.BytesIO(render_guidance(sample_guidance(12, behaviour_every=1), concept=False)))
    full_copies = {
        font.indirect_reference.idnum
        for _where, font in _every_font(reader)
        if "+" not in str(font.get("/BaseFont")) and font.get("/FontDescriptor") is not None
    }
    assert len(full_copies) == 1  # 66 kB of font once, not per widget


def test_check_boxes_need_no_font(pdf):
    """A tick is drawn as a path; no ZapfDingbats caption (/MK /CA) or font for a viewer to look for."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    boxes = [widget for widget in _widgets(reader) if widget["/FT"] == "/Btn"]
    assert boxes
    for box in boxes:
        assert "/CA" not in box.get("/MK", {}), box["/T"]
        assert "ZaDb" not in str(box.get("/DA", "")), box["/T"]
        for stream in _streams(box["/AP"]["/N"]):
            assert "/Font" not in (stream.get("/Resources") or {})
            assert b" Tf" not in stream.get_data()


def test_a_name_typed_with_pypdf_reads_back_and_is_drawn_with_the_embedded_font(pdf):
    filled = fill_with_pypdf(pdf, {NAME_FIELD: NAME, "gedrag_25498-B1-K1-W1_1": NameObject("/Yes")})

    result = read_guidance_fields(filled)
    assert result["signatures"]["praktijkopleider"]["naam"] == NAME
    assert result["work_processes"]["25498-B1-K1-W1"]["gedrag"][1] is True

    reader = pypdf.PdfReader(io.BytesIO(filled))
    widget = next(w for w in _widgets(reader) if w["/T"] == NAME_FIELD)
    stream = widget["/AP"]["/N"].get_object()
    font = stream["/Resources"]["/Font"][_da_font(widget["/DA"])]
    assert _embedded(font)
    assert NAME.encode("cp1252") in stream.get_data()  # WinAnsi codes, which the embedded font's encoding maps
    missing = [where for where, font in _every_font(reader) if not _embedded(font)]
    assert not missing


def _pdffonts(data: bytes) -> list[list[str]]:
    out = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) ontbreekt")
def test_pdffonts_sees_every_font_embedded_also_in_a_filled_copy(pdf):
    for data in (pdf, fill_with_pypdf(pdf, {NAME_FIELD: NAME})):
        rows = _pdffonts(data)
        # Columns from the right: object ID (2), uni, sub, emb.
        assert rows and all(row[-5] == "yes" for row in rows), rows
        assert any(row[0] == "BitstreamVeraSans-Roman" and row[-4] == "no" for row in rows), rows  # not a subset
