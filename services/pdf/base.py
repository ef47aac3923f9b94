"""Shared PDF machinery: embedded fonts, resource policy, templates, watermark, logos, form fields, rendering.

Everything expensive (font registration, the Jinja environment, the CONCEPT watermark PDF, re-encoded logos,
QR images) is done once per process and kept in memory; a render only parses its HTML and lays it out.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from collections import OrderedDict
from datetime import date, datetime
from pathlib import Path

import jinja2
import reportlab
from PIL import Image, UnidentifiedImageError
from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.fonts import addMapping
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable
from xhtml2pdf import default as x_default
from xhtml2pdf import parser as x_parser
from xhtml2pdf import pisa
from xhtml2pdf import tags as x_tags
from xhtml2pdf.config.resources import ResourceAccessPolicy
from xhtml2pdf.tags import pisaTagINPUT, pisaTagSELECT, pisaTagTEXTAREA

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "pdf_templates"
FONT_DIR = Path(reportlab.__file__).resolve().parent / "fonts"

#: The CSS name of the embedded family (Bitstream Vera, shipped inside reportlab itself, so no system font is needed).
FONT_FAMILY = "plvera"
_FONT_FILES = {
    "PLVera": "Vera.ttf",
    "PLVera-Bold": "VeraBd.ttf",
    "PLVera-Italic": "VeraIt.ttf",
    "PLVera-BoldItalic": "VeraBI.ttf",
}

#: Producer marker written into every PDF we make; read_guidance_fields() checks it.
PRODUCER_MARK = "Praktijkloket"

#: The language of every PDF (catalog /Lang).
DOCUMENT_LANG = "nl-NL"

A4_WIDTH_PT = 595.27
A4_HEIGHT_PT = 841.89


class PdfRenderError(RuntimeError):
    """The PDF could not be made."""


# --- fonts -------------------------------------------------------------------------------------------------------


def _register_fonts():
    """Register the TTF family with reportlab and make it known to xhtml2pdf by CSS name, once per process."""
    if "PLVera" in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    # xhtml2pdf names Helvetica for its empty fragments and anchors (context.py), which put an unembedded font
    # reference on every page; within this process "Helvetica" is the embedded family too. (Form widgets are
    # unaffected: reportlab's AcroForm allows only the standard 14 fonts and writes its own font dictionaries.)
    pdfmetrics.registerFont(TTFont("Helvetica", str(FONT_DIR / _FONT_FILES["PLVera"])))
    addMapping("PLVera", 0, 0, "PLVera")
    addMapping("PLVera", 1, 0, "PLVera-Bold")
    addMapping("PLVera", 0, 1, "PLVera-Italic")
    addMapping("PLVera", 1, 1, "PLVera-BoldItalic")
    # xhtml2pdf copies DEFAULT_FONT into every render's context: registering the family here means no
    # @font-face, so the TTF files are not read and parsed again on every render.
    x_default.DEFAULT_FONT[FONT_FAMILY] = "PLVera"


# --- resource policy ---------------------------------------------------------------------------------------------

#: Local reads only under the template and font folders, nothing over the network. PDF backgrounds written inline
#: (a data: URI) are allowed: with allow_remote=False the only such background is the watermark we generate.
RESOURCE_POLICY = ResourceAccessPolicy(
    allow_remote=False,
    base_dir=TEMPLATE_DIR,
    extra_roots=(FONT_DIR,),
    allow_remote_pdf_backgrounds=True,
    max_image_pixels=25_000_000,
)


# --- templates ---------------------------------------------------------------------------------------------------


def format_date(value):
    """dd-mm-jjjj, the Dutch way; empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return str(value)


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_ENV.filters["datum"] = format_date


# --- watermark ---------------------------------------------------------------------------------------------------

_watermark_uri: str | None = None


def watermark_pdf() -> bytes:
    """A one-page A4 PDF with a large, light, diagonal CONCEPT, made with reportlab."""
    setup()  # the embedded font, also for the watermark's text
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=(A4_WIDTH_PT, A4_HEIGHT_PT), pageCompression=1)
    c.setTitle("CONCEPT")
    c.saveState()
    c.translate(A4_WIDTH_PT / 2, A4_HEIGHT_PT / 2)
    c.rotate(50)
    c.setFillColor(Color(0.80, 0.10, 0.10, alpha=0.16))
    c.setFont("PLVera-Bold", 120)
    c.drawCentredString(0, -40, "CONCEPT")
    c.restoreState()
    c.setFillColor(Color(0.80, 0.10, 0.10, alpha=0.9))
    c.setFont("PLVera-Bold", 9)
    c.drawCentredString(A4_WIDTH_PT / 2, A4_HEIGHT_PT - 16, "CONCEPT - niet geldig als definitief document")
    c.showPage()
    c.save()
    return buf.getvalue()


def watermark_uri() -> str:
    """The watermark as a data: URI for `@page { background-image }`, made on first use and kept in memory."""
    global _watermark_uri
    if _watermark_uri is None:
        _watermark_uri = "data:application/pdf;base64," + base64.b64encode(watermark_pdf()).decode("ascii")
    return _watermark_uri


# --- images (logos, QR) ------------------------------------------------------------------------------------------


class _LRU(OrderedDict):
    def __init__(self, size):
        super().__init__()
        self.size = size

    def get_or_make(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = make()
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


_images = _LRU(64)
_cache_lock = threading.Lock()

#: Logos are printed at most about 5 x 2 cm: 600 x 240 pixels is about 300 dpi there.
LOGO_MAX_PX = (600, 240)


def _reencode_logo(raw: bytes):
    try:
        img = Image.open(io.BytesIO(raw))
        img.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img, mask=img.getchannel("A"))
        img = flat
    elif img.mode != "RGB":
        img = img.convert("RGB")
    img.thumbnail(LOGO_MAX_PX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # JPEG goes into the PDF as it is (DCTDecode), without decoding it again at render time.
    img.save(out, "JPEG", quality=88, optimize=False)
    width, height = img.size
    return {
        "src": "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii"),
        "width": width,
        "height": height,
    }


def logo_data(raw: bytes | None, *, max_width_pt: float = 140, max_height_pt: float = 56):
    """Turn uploaded logo bytes into {"src", "width", "height"} (points) for a template, or None.

    The logo is re-encoded as a JPEG scaled to at most LOGO_MAX_PX (cached by content), so a huge or odd upload
    never reaches the PDF as it is; transparent parts become white. Not an image: None (the logo is left out).
    """
    if not raw:
        return None
    key = ("logo", hashlib.sha256(raw).digest())
    with _cache_lock:
        encoded = _images.get_or_make(key, lambda: _reencode_logo(raw))
    if encoded is None:
        return None
    scale = min(max_width_pt / encoded["width"], max_height_pt / encoded["height"])
    return {
        "src": encoded["src"],
        "width": round(encoded["width"] * scale, 1),
        "height": round(encoded["height"] * scale, 1),
    }


def _qr_png(text: str) -> str:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=4, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    img = qr.make_image(fill_color="black", back_color="white").get_image().convert("1")
    out = io.BytesIO()
    img.save(out, "PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def qr_data_uri(text: str) -> str:
    """A QR code (qrcode package, error correction M) for `text` as a PNG data: URI, cached by text."""
    with _cache_lock:
        return _images.get_or_make(("qr", text), lambda: _qr_png(text))


# --- fillable form fields ----------------------------------------------------------------------------------------

_FIELD_BORDER = HexColor("#7a8793")
_FIELD_FILL = HexColor("#f3f7fb")


class AcroField(Flowable):
    """A real AcroForm field drawn with reportlab's canvas.acroForm where the HTML has a marked form control.

    kind: "text", "multiline", "choice", "checkbox" or "hidden". width None takes the available width.
    """

    def __init__(self, name, kind="text", width=None, height=16, value="", options=(), tooltip=""):
        super().__init__()
        self.name = name
        self.kind = kind
        self.field_width = width
        self.height = height
        self.value = value or ""
        self.options = list(options)
        self.tooltip = tooltip or None

    def wrap(self, avail_width, avail_height):
        if self.kind == "hidden":
            # Not 0 x 0: xhtml2pdf never draws an inline box without size.
            self.width = 1
            self.height = 1
        elif self.kind == "checkbox":
            self.width = self.height
        else:
            # xhtml2pdf lays form controls out inline and measures them with an unbounded width, so a field
            # without data-width gets a modest default rather than the "available" width.
            self.width = min(self.field_width or 160, avail_width)
        return self.width, self.height

    def draw(self):
        form = self.canv.acroForm
        common = {
            "name": self.name,
            "tooltip": self.tooltip,
            "x": 0,
            "y": 0,
            "relative": True,
            "borderColor": _FIELD_BORDER,
            "fillColor": _FIELD_FILL,
            "textColor": HexColor("#111111"),
            "borderWidth": 0.6,
        }
        if self.kind == "hidden":
            form.textfield(
                name=self.name,
                value=self.value,
                x=0,
                y=0,
                width=1,
                height=1,
                relative=True,
                annotationFlags="hidden",
                fieldFlags="readOnly",
                maxlen=0,
                borderWidth=0,
            )
        elif self.kind == "checkbox":
            form.checkbox(
                checked=self.value in ("1", "Yes", "on", True),
                size=self.height,
                buttonStyle="check",
                fieldFlags="",
                **common,
            )
        elif self.kind == "choice":
            # A blank option (a space: reportlab 5.1 fails on a choice whose value is empty) means "not filled in".
            form.choice(
                value=self.value if self.value in self.options else " ",
                options=[" "] + self.options,
                width=self.width,
                height=self.height,
                fontName="Helvetica",
                fontSize=9,
                fieldFlags="combo",
                **common,
            )
        else:
            form.textfield(
                value=self.value,
                width=self.width,
                height=self.height,
                fontName="Helvetica",
                fontSize=9,
                fieldFlags="multiline doNotScroll" if self.kind == "multiline" else "",
                maxlen=0,
                **common,
            )


def _size(value, default):
    try:
        return float(str(value).replace("pt", "")) if value not in (None, "") else default
    except ValueError:
        return default


def _field_from_node(node, kind):
    get = node.getAttribute
    options = []
    if kind == "choice":
        options = [
            opt.firstChild.data.strip()
            for opt in node.getElementsByTagName("option")
            if opt.firstChild is not None and opt.firstChild.data.strip()
        ]
    width = get("data-width")
    return AcroField(
        get("name"),
        kind=kind,
        width=_size(width, None) if width and width != "auto" else None,
        height=_size(get("data-height"), 16),
        value=get("value") or "",
        options=options,
        tooltip=get("title") or "",
    )


class FieldInput(pisaTagINPUT):
    """<input data-field ...>: text, checkbox or (data-kind="hidden") hidden, as a sized AcroForm field."""

    def end(self, c):
        if not self.node.hasAttribute("data-field"):
            return super().end(c)
        # type="hidden" never reaches a tag class (xhtml2pdf's default CSS hides it): data-kind="hidden" instead.
        kind = (self.node.getAttribute("data-kind") or self.node.getAttribute("type") or "text").lower()
        kind = {"checkbox": "checkbox", "hidden": "hidden"}.get(kind, "text")
        c.addPara()
        c.addStory(_field_from_node(self.node, kind))
        c.addPara()
        return None


class FieldTextarea(pisaTagTEXTAREA):
    """<textarea data-field ...>: a multi-line AcroForm text field."""

    def end(self, c):
        if not self.node.hasAttribute("data-field"):
            return super().end(c)
        self.swallow_content(c)
        c.addStory(_field_from_node(self.node, "multiline"))
        return None


class FieldSelect(pisaTagSELECT):
    """<select data-field ...>: a drop-down (combo box) AcroForm field."""

    def end(self, c):
        if not self.node.hasAttribute("data-field"):
            return super().end(c)
        self.swallow_content(c)
        c.addPara()
        c.addStory(_field_from_node(self.node, "choice"))
        c.addPara()
        return None


# --- "pagina X van Y" in one pass ------------------------------------------------------------------------------

PAGE_COUNT_FORM = "plPageCount"


class PageOfPages(Flowable):
    """Draw "pagina X van Y" where Y is a form XObject filled in when the canvas is saved.

    xhtml2pdf's <pdf:pagecount> lays the whole document out twice (multiBuild) to learn the page count; a
    forward-referenced form needs one pass. Used as <pdf:paginavan align="right"></pdf:paginavan>.
    """

    def __init__(self, font_name, font_size, color, align="left"):
        super().__init__()
        self.font_name = font_name
        self.font_size = font_size
        self.color = color
        self.align = align
        self.height = font_size * 1.25

    def wrap(self, avail_width, avail_height):
        self.width = avail_width if avail_width < 10_000 else 120
        return self.width, self.height

    def draw(self):
        canv = self.canv
        number = canv.getPageNumber()
        label = f"pagina {number} van "
        total_width = pdfmetrics.stringWidth(label + "99", self.font_name, self.font_size)
        x = {"right": self.width - total_width, "center": (self.width - total_width) / 2}.get(self.align, 0)
        y = self.font_size * 0.25
        canv.saveState()
        canv.setFont(self.font_name, self.font_size)
        canv.setFillColor(self.color)
        canv.drawString(x, y, label)
        canv.translate(x + pdfmetrics.stringWidth(label, self.font_name, self.font_size), y)
        canv.doForm(PAGE_COUNT_FORM)
        canv.restoreState()
        _define_page_count_on_save(canv, self)


def _define_page_count_on_save(canv, flowable):
    state = canv.__dict__.get("_pl_page_count")
    if state is None:
        state = canv.__dict__["_pl_page_count"] = {"pages": 0, "style": flowable}
        original_save = canv.save

        def save():
            style = state["style"]
            canv.beginForm(PAGE_COUNT_FORM)
            canv.setFont(style.font_name, style.font_size)
            canv.setFillColor(style.color)
            canv.drawString(0, 0, str(state["pages"]))
            canv.endForm()
            original_save()

        canv.save = save
    state["pages"] = max(state["pages"], canv.getPageNumber())


class PaginaVanTag(x_tags.pisaTag):
    def start(self, c):
        c.addPara()
        frag = c.frag
        align = (self.node.getAttribute("align") or "left").lower()
        c.addStory(PageOfPages(frag.fontName, frag.fontSize, frag.textColor or HexColor("#000000"), align))

    def end(self, c):
        c.addPara()


def _install_field_tags():
    # xhtml2pdf finds the class for a tag as parser.pisaTag<NAME>; ours fall back to the stock behaviour for
    # controls without data-field, so nothing changes for other documents. Pinned: xhtml2pdf==0.2.28.
    x_parser.pisaTagINPUT = FieldInput
    x_parser.pisaTagTEXTAREA = FieldTextarea
    x_parser.pisaTagSELECT = FieldSelect
    x_parser.pisaTagPDFPAGINAVAN = PaginaVanTag


# --- rendering ---------------------------------------------------------------------------------------------------

#: xhtml2pdf keeps per-render state in module globals: one render at a time per process.
_render_lock = threading.Lock()
_ready = False


def setup():
    """Do the once-per-process work (fonts, field tags); cheap after the first call."""
    global _ready
    if not _ready:
        # Images go into the PDF as binary streams: the ASCII85 text encoding is pure Python work that only
        # made the file bigger (it existed for 7-bit mail transports).
        rl_config.useA85 = 0
        _register_fonts()
        # Every PDF we make is Dutch (the catalog's /Lang, read by screen readers), and a page starts in the
        # embedded font: reportlab's default (Helvetica) would be referenced on every page without being embedded.
        rl_config.documentLang = DOCUMENT_LANG
        rl_config.canvas_basefontname = "PLVera"
        ParagraphStyle.defaults.update(fontName="PLVera", bulletFontName="PLVera")  # read at import otherwise
        _install_field_tags()
        _ready = True


def render_html(html: str) -> bytes:
    """Render an HTML string to PDF bytes with xhtml2pdf under our resource policy."""
    setup()
    out = io.BytesIO()
    with _render_lock:
        status = pisa.pisaDocument(
            html,
            dest=out,
            path=str(TEMPLATE_DIR / "document.html"),
            resource_policy=RESOURCE_POLICY,
            encoding="utf-8",
        )
    if status.err:
        raise PdfRenderError("De PDF kon niet worden gemaakt.")
    return out.getvalue()


def render_template_html(template_name: str, context: dict) -> str:
    """The HTML of a PDF template, with the shared context (font, watermark) filled in."""
    setup()
    concept = bool(context.get("concept"))
    base = {
        "font_family": FONT_FAMILY,
        "watermark": watermark_uri() if concept else None,
        "producer": PRODUCER_MARK,
    }
    return _ENV.get_template(template_name).render(**base, **context)


def render(template_name: str, context: dict) -> bytes:
    """The one entry point: fill a template from pdf_templates/ and render it to PDF bytes."""
    return render_html(render_template_html(template_name, context))
