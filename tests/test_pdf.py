"""PDF rendering: the praktijkverklaring and the fillable begeleidingsdocument, read back with pypdf."""

import copy
import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from services.pdf import GuidancePdfError, read_guidance_fields, render_guidance, render_statement
from services.pdf.base import qr_data_uri
from services.pdf.sample import sample_guidance, sample_statement


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _page_total(pdf: bytes) -> int:
    """The Y of "pagina X van Y": a form XObject filled in at the end (pypdf's text extraction skips it)."""
    import re

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    form = page["/Resources"]["/XObject"]["/FormXob.plPageCount"].get_object()
    return int(re.search(rb"\((\d+)\) Tj", form.get_data()).group(1))


def _all_wps(data):
    return [wp for q in data["qualifications"] for kt in q["core_tasks"] for wp in kt["work_processes"]]


def _fonts(pdf: bytes) -> dict:
    """BaseFont name -> whether a font file is embedded, over every page's resources."""
    found = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = bool(descriptor) and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            found[str(font.get("/BaseFont"))] = embedded
    return found


@pytest.fixture(scope="module")
def statement():
    data = sample_statement(20)
    return data, render_statement(data, concept=False), render_statement(data, concept=True)


@pytest.fixture(scope="module")
def guidance():
    data = sample_guidance(10)
    return data, render_guidance(data, concept=False), render_guidance(data, concept=True)


# --- praktijkverklaring ------------------------------------------------------------------------------------------


def test_statement_text(statement):
    data, final, _concept = statement
    text = _text(final)
    assert text.count("Praktijkverklaring") >= 1
    assert "onderdeel van de mbo-verklaring" in text
    assert "Ümit van der Çelik-Eén" in text
    assert "14-03-2007" in text and "'s-Hertogenbosch" in text
    assert "Zorgcentrum De Klaproos" in text and "1.600 uur" in text
    assert "naar het oordeel van de praktijkopleider" in text
    assert "PV-2026-000123" in text
    assert data["verification_url"] in text
    for q in data["qualifications"]:
        assert f"crebo {q['crebo']}, niveau {q['level']}" in text
        for kt in q["core_tasks"]:
            assert f"Kerntaak {kt['code']} {kt['title']}" in text
    for wp in _all_wps(data):
        assert wp["title"] in text
    assert "Jeroen Bakker" in text and "Opleidingsmanager" in text and "03-07-2026" in text
    assert "pagina 1 van" in text and "pagina 2 van" in text and _page_total(final) == 2
    assert "CONCEPT" not in text
    assert _pages(final) == 2


def test_statement_concept_has_watermark_and_no_number(statement):
    _data, _final, concept = statement
    text = _text(concept)
    assert "CONCEPT" in text
    assert "PV-2026-000123" not in text and "verificatie/" not in text


def test_statement_fonts_embedded(statement):
    fonts = _fonts(statement[1])
    vera = {name: embedded for name, embedded in fonts.items() if "BitstreamVera" in name}
    assert vera and all(vera.values())


def test_statement_subtitle_only_for_mbo(statement):
    data = copy.deepcopy(statement[0])
    data["education_form"], data["education_form_label"] = "pro", "praktijkonderwijs"
    text = _text(render_statement(data, concept=False))
    assert "mbo-verklaring" not in text and "praktijkonderwijs" in text


def _qr_images(pdf: bytes):
    images = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        images.extend(image.image for image in page.images)
    return images


def test_statement_qr_code_points_to_verification_url(statement):
    data, final, concept = statement
    url = data["verification_url"]
    images = _qr_images(final)
    try:
        import zxingcpp
    except ImportError:
        zxingcpp = None
    if zxingcpp is not None:
        decoded = {
            result.text
            for image in images
            for result in zxingcpp.read_barcodes(image.convert("L").resize((image.width * 4, image.height * 4)))
        }
        assert url in decoded
    else:  # regenerate the matrix the same way and compare pixels
        from base64 import b64decode

        from PIL import Image, ImageChops

        expected = Image.open(io.BytesIO(b64decode(qr_data_uri(url).split(",", 1)[1]))).convert("L")
        assert any(
            image.size == expected.size and not ImageChops.difference(image.convert("L"), expected).getbbox()
            for image in images
        )
    # the concept has no QR code: only the three logos remain
    assert len({image.tobytes() for image in _qr_images(concept)}) == 3


def test_statement_many_work_processes_run_over_pages():
    data = sample_statement(60)
    pdf = render_statement(data, concept=False)
    text = _text(pdf)
    pages = _pages(pdf)
    assert pages >= 2
    flat = " ".join(text.split())
    for wp in _all_wps(data):
        assert f"{wp['code']} {wp['title']}" in flat
    assert f"pagina {pages} van" in text and _page_total(pdf) == pages
    assert text.count("PV-2026-000123") == pages  # the footer is on every page


def test_statement_bad_logo_is_left_out():
    data = sample_statement(3)
    data["company"]["logo"] = b"not an image"
    data["branch_logos"] = []
    assert _pages(render_statement(data, concept=False)) == 1


# --- begeleidingsdocument ----------------------------------------------------------------------------------------


def _fields(pdf: bytes) -> dict:
    return PdfReader(io.BytesIO(pdf)).get_fields() or {}


def test_guidance_text_and_blad_structure(guidance):
    data, final, _concept = guidance
    text = _text(final)
    for needle in (
        "Blad 1",
        "Blad 2",
        "Blad 3",
        "Begeleidingsdocument",
        "Ümit van der Çelik-Eén",
        "14-03-2007",
        "HZW2-A",
        "100123456",
        "Kerkstraat 12",
        "Anneloes de Vries-Brouwer",
        "a.devries@klaproos.example",
        "030 123 45 67",
        "25498",
        "25180",
        "Voor de praktijkopleider",
        "Omschrijving",
        "Gewenst resultaat",
        "Ondertekening",
        data["document_id"],
    ):
        assert needle in text, needle
    for wp in _all_wps(data):
        assert wp["title"] in text
    pages = _pages(final)
    assert "pagina 1 van" in text and f"pagina {pages} van" in text and _page_total(final) == pages
    assert "CONCEPT" not in text


def test_guidance_selected_present_unselected_absent():
    data = sample_guidance(8)
    dropped = data["qualifications"][0]["core_tasks"][0]["work_processes"].pop(1)
    data["qualifications"][0]["core_tasks"][0]["work_processes"][0]["title"] = "Verzorgt de planten in de ontvangsthal"
    dropped["title"] = "Rijdt de heftruck volgens de veiligheidsregels"
    text = _text(render_guidance(data, concept=False))
    assert "Verzorgt de planten in de ontvangsthal" in text
    assert "Rijdt de heftruck" not in text


def test_guidance_behaviour_only_where_switched_on():
    data = sample_guidance(6, behaviour_every=0)
    wps = _all_wps(data)
    wps[0]["show_behaviour"] = True
    wps[0]["behaviour"] = ["Begroet de gasten vriendelijk en met oogcontact."]
    wps[1]["show_behaviour"] = False
    wps[1]["behaviour"] = ["Controleert de temperatuur van de koelcel."]
    pdf = render_guidance(data, concept=False)
    text = _text(pdf)
    assert "Begroet de gasten vriendelijk" in text
    assert "Controleert de temperatuur" not in text
    names = [name for name in _fields(pdf) if name.startswith("gedrag_")]
    assert names == ["gedrag_25498-B1-K1-W1_1"]


def test_guidance_without_behaviour_has_no_gedrag_table():
    pdf = render_guidance(sample_guidance(4, behaviour_every=0), concept=False)
    assert "Indicator" not in _text(pdf)
    assert not [name for name in _fields(pdf) if name.startswith("gedrag_")]


def test_guidance_fields_documented_names_and_kinds(guidance):
    data, final, _concept = guidance
    fields = _fields(final)
    # the sample's two kwalificaties share codes: those get the crebo in front
    key = "25498-B1-K1-W1"
    for name in (
        "startdatum",
        "einddatum",
        "praktijkloket_document",
        f"wp_{key}_opmerkingen",
        "ondertekening_deelnemer_naam",
        "ondertekening_praktijkopleider_datum",
        "ondertekening_begeleider_opmerkingen",
    ):
        assert name in fields, name
    for moment in (1, 2, 3):
        assert fields[f"wp_{key}_moment{moment}_datum"]["/FT"] == "/Tx"
        choice = fields[f"wp_{key}_moment{moment}_niveau"]
        assert choice["/FT"] == "/Ch"
        assert int(choice["/Ff"]) & (1 << 17)  # combo box: a drop-down, not a list box
        assert [str(o).strip() for o in choice["/Opt"] if str(o).strip()] == ["nog niet", "gedeeltelijk", "beheerst"]
    assert int(fields[f"wp_{key}_opmerkingen"]["/Ff"]) & (1 << 12)  # multi-line
    assert fields[f"gedrag_{key}_1"]["/FT"] == "/Btn"
    behaviour_wps = [wp for wp in _all_wps(data) if wp["show_behaviour"]]
    assert len([n for n in fields if n.startswith("gedrag_")]) == sum(len(wp["behaviour"]) for wp in behaviour_wps)
    assert len([n for n in fields if n.endswith("_opmerkingen") and n.startswith("wp_")]) == len(_all_wps(data))


def test_guidance_field_sizes(guidance):
    reader = PdfReader(io.BytesIO(guidance[1]))
    sizes = {}
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            if "/T" in annot:
                x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
                sizes[str(annot["/T"])] = (x2 - x1, y2 - y1)
    assert sizes["startdatum"][0] >= 90 and sizes["startdatum"][1] >= 14
    assert sizes["wp_25498-B1-K1-W1_moment1_niveau"][0] >= 110
    width, height = sizes["wp_25498-B1-K1-W1_opmerkingen"]
    assert 400 <= width <= 500 and height >= 40  # fits inside the A4 text width
    for name, (width, _height) in sizes.items():
        assert width <= 500, name


def test_guidance_unique_codes_have_plain_field_names():
    data = sample_guidance(4)
    data["qualifications"] = data["qualifications"][:1]
    fields = _fields(render_guidance(data, concept=False))
    assert "wp_B1-K1-W1_moment1_datum" in fields and "wp_B1-K1-W1_moment1_niveau" in fields


def _fill(pdf: bytes, values: dict) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer.set_need_appearances_writer(True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("concept", [False, True])
def test_guidance_fill_and_read_back(guidance, concept):
    data, final, concept_pdf = guidance
    key = "25180-B1-K1-W1"
    values = {
        "startdatum": "01-09-2026",
        "einddatum": "30-06-2027",
        f"wp_{key}_moment1_datum": "15-10-2026",
        f"wp_{key}_moment1_niveau": "gedeeltelijk",
        f"wp_{key}_moment3_niveau": "beheerst",
        f"wp_{key}_opmerkingen": "Ümit één: goed bezig, maar let op de tijd.\nVolgende keer: zelfstandig.",
        "ondertekening_praktijkopleider_naam": "Anneloes de Vries-Brouwer",
        "ondertekening_deelnemer_opmerkingen": "Ik vond het leerzaam — dank!",
    }
    behaviour_key = "25498-B1-K1-W1"
    values[f"gedrag_{behaviour_key}_2"] = NameObject("/Yes")
    filled = _fill(concept_pdf if concept else final, values)
    result = read_guidance_fields(filled)
    assert result["document_id"] == data["document_id"]
    assert result["startdatum"] == "01-09-2026" and result["einddatum"] == "30-06-2027"
    entry = result["work_processes"][key]
    assert entry["moments"][0] == {"datum": "15-10-2026", "niveau": "gedeeltelijk"}
    assert entry["moments"][1] == {"datum": "", "niveau": ""}
    assert entry["moments"][2]["niveau"] == "beheerst"
    assert entry["opmerkingen"] == "Ümit één: goed bezig, maar let op de tijd.\nVolgende keer: zelfstandig."
    assert result["work_processes"][behaviour_key]["gedrag"] == {1: False, 2: True}
    assert result["signatures"]["praktijkopleider"]["naam"] == "Anneloes de Vries-Brouwer"
    assert result["signatures"]["deelnemer"]["opmerkingen"] == "Ik vond het leerzaam — dank!"
    assert result["signatures"]["begeleider"] == {"naam": "", "datum": "", "opmerkingen": ""}


def test_guidance_unfilled_reads_back_empty(guidance):
    result = read_guidance_fields(guidance[1])
    assert result["startdatum"] == ""
    assert all(m == {"datum": "", "niveau": ""} for wp in result["work_processes"].values() for m in wp["moments"])


def test_guidance_concept_watermark_and_fields(guidance):
    _data, final, concept = guidance
    assert "CONCEPT" in _text(concept)
    assert set(_fields(concept)) == set(_fields(final))


def test_guidance_fonts_embedded(guidance):
    fonts = _fonts(guidance[1])
    vera = {name: embedded for name, embedded in fonts.items() if "BitstreamVera" in name}
    assert vera and all(vera.values())


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "geen PDF"),
        (b"PK\x03\x04 this is a zip", "geen PDF"),
        (b"%PDF-1.4\n garbage without structure", "beschadigd"),
    ],
)
def test_read_back_rejects_non_pdf(payload, message):
    with pytest.raises(GuidancePdfError, match=message):
        read_guidance_fields(payload)


def test_read_back_rejects_foreign_pdf(statement):
    with pytest.raises(GuidancePdfError, match="geen begeleidingsdocument uit het Praktijkloket"):
        read_guidance_fields(statement[1])
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf)
    canvas.acroForm.textfield(name="praktijkloket_document", value="iets anders", x=10, y=10)
    canvas.showPage()
    canvas.save()
    with pytest.raises(GuidancePdfError, match="geen begeleidingsdocument"):
        read_guidance_fields(buf.getvalue())


def test_guidance_page_counts_grow_with_work_processes():
    small = render_guidance(sample_guidance(4, behaviour_every=1), concept=False)
    large = render_guidance(sample_guidance(14, behaviour_every=1), concept=False)
    assert _pages(large) > _pages(small) >= 3
    assert _page_total(large) == _pages(large) and _page_total(small) == _pages(small)


def test_pdf_preview_command(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["pdf-voorbeeld", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in (
        "begeleidingsdocument-concept.pdf",
        "begeleidingsdocument.pdf",
        "praktijkverklaring-concept.pdf",
        "praktijkverklaring.pdf",
    ):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"%PDF")
        assert ("CONCEPT" in _text(data)) == ("concept" in name)


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) is not installed")
def test_pages_render_to_png(statement, tmp_path):
    path = tmp_path / "pv.pdf"
    path.write_bytes(statement[1])
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "pv")], check=True, timeout=60)
    assert len(list(tmp_path.glob("pv-*.png"))) == 2


def test_markup_in_data_is_escaped():
    data = sample_statement(2)
    data["company"]["name"] = 'Bakkerij <b>"De Gouden Krakeling" & Zn'
    text = _text(render_statement(data, concept=False))
    assert 'Bakkerij <b>"De Gouden Krakeling" & Zn' in " ".join(text.split())


def test_logo_is_reencoded_and_scaled():
    from base64 import b64decode

    from PIL import Image

    from services.pdf.base import LOGO_MAX_PX, logo_data

    buf = io.BytesIO()
    Image.new("RGBA", (3000, 1000), (200, 30, 30, 128)).save(buf, "PNG")
    logo = logo_data(buf.getvalue(), max_width_pt=140, max_height_pt=56)
    assert logo["src"].startswith("data:image/jpeg;base64,")
    image = Image.open(io.BytesIO(b64decode(logo["src"].split(",", 1)[1])))
    assert image.format == "JPEG" and image.width <= LOGO_MAX_PX[0] and image.height <= LOGO_MAX_PX[1]
    assert logo["width"] <= 140 and logo["height"] <= 56
    assert logo_data(b"GIF89a broken") is None and logo_data(None) is None
