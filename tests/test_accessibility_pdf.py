"""PDFs for everyone (issue 13 item 6): title, author, subject and language nl-NL in both PDFs, and no font drawn on
a page without being embedded (the praktijkverklaring has no unembedded font at all)."""

import io
import shutil
import subprocess

import pypdf
import pytest

from services.pdf import render_guidance, render_statement
from services.pdf.sample import sample_guidance, sample_statement

KINDS = {
    "praktijkverklaring": lambda concept: render_statement(sample_statement(8), concept=concept),
    "begeleidingsdocument": lambda concept: render_guidance(sample_guidance(6), concept=concept),
}


@pytest.fixture(
    scope="module",
    params=[(kind, concept) for kind in KINDS for concept in (False, True)],
    ids=lambda p: f"{p[0]}-{'concept' if p[1] else 'definitief'}",
)
def pdf(request):
    kind, concept = request.param
    return kind, KINDS[kind](concept)


def _page_fonts(resources, seen=None):
    """Every font dictionary a page's content can draw with, XObjects (the watermark background) included."""
    seen = set() if seen is None else seen
    resources = resources.get_object() if resources is not None else {}
    for font in (resources.get("/Font") or {}).values():
        yield font.get_object()
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        key = id(xobject)
        if key not in seen and xobject.get("/Resources") is not None:
            seen.add(key)
            yield from _page_fonts(xobject["/Resources"], seen)


def _embedded(font):
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_metadata_and_language(pdf):
    kind, data = pdf
    reader = pypdf.PdfReader(io.BytesIO(data))
    meta = reader.metadata
    assert meta.title.lower().startswith(kind) and "Ümit" in meta.title
    assert meta.author and meta.author.strip()
    assert meta.subject.lower().startswith(kind)
    assert reader.trailer["/Root"]["/Lang"] == "nl-NL"


def test_every_font_on_the_pages_is_embedded(pdf):
    kind, data = pdf
    reader = pypdf.PdfReader(io.BytesIO(data))
    fonts = [font for page in reader.pages for font in _page_fonts(page.get("/Resources"))]
    assert fonts
    missing = {str(font.get("/BaseFont")) for font in fonts if not _embedded(font)}
    assert not missing, f"{kind}: fonts drawn without being embedded: {missing}"


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) ontbreekt")
def test_pdffonts_sees_no_unembedded_font_in_the_statement():
    data = render_statement(sample_statement(8), concept=False)
    out = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows and all("yes" in row[-5:-3] for row in rows), out
