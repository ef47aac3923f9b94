"""Shared PDF machinery: embedded fonts, resource policy, templates, watermark, logos, form fields, rendering.

Everything expensive (font registration, the Jinja environment, the CONCEPT watermark PDF, re-encoded logos,
QR images) is done once per process and kept in memory; a render only parses its HTML and lays it out.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
import zlib
from collections import OrderedDict
from datetime import date
from pathlib import Path

import jinja2
import reportlab
from PIL import Image, UnidentifiedImageError
from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor, opaqueColor
from reportlab.lib.fonts import addMapping, tt2ps
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.acroform import AcroForm, annotationFlagValues, bsPDF
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFObject, PDFStream, PDFString
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable
from xhtml2pdf import default as x_default
from xhtml2pdf import parser as x_parser
from xhtml2pdf import pisa
from xhtml2pdf import tags as x_tags
from xhtml2pdf.config.resources import ResourceAccessPolicy
from xhtml2pdf.tags import pisaTagINPUT, pisaTagSELECT, pisaTagTEXTAREA

from core import clock

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
    # reference on every page; within this process "Helvetica" is the embedded family too. (Form widgets have
    # their own fully embedded copy of Vera: SharedAcroForm.)
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
    """dd-mm-jjjj, the Dutch way: a stored (UTC) moment on its Dutch calendar day; empty for None."""
    if isinstance(value, date):  # a datetime too: core.clock converts it to Amsterdam time first
        return clock.format_date(value)
    return "" if value is None else str(value)


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
_FIELD_TEXT = HexColor("#111111")

#: The resource name of the form font in /DR and every widget's /DA (and in the text appearance streams).
FORM_FONT = "PLVera"
#: Codes of the form font: WinAnsiEncoding (cp1252) from space to y-diaeresis, all of Dutch and West European text.
_FORM_FIRST_CHAR, _FORM_LAST_CHAR = 32, 255

_form_font_parts = None


def _form_font():
    """The whole Vera TTF (compressed once per process), its widths for cp1252 codes 32-255 and its metrics.

    Not a subset, as the page text is: the form font draws what a trainer types later, which nobody knows now.
    The same face as the body text (reportlab's own Vera.ttf), so no system font is needed.
    """
    global _form_font_parts
    if _form_font_parts is None:
        setup()
        face = pdfmetrics.getFont("PLVera").face
        data = Path(face.filename).read_bytes()
        widths = []
        for code in range(_FORM_FIRST_CHAR, _FORM_LAST_CHAR + 1):
            char = bytes([code]).decode("cp1252", errors="ignore")
            width = face.charWidths.get(ord(char)) if char else None
            widths.append(round(width if width is not None else face.defaultWidth))
        _form_font_parts = {
            "name": face.name.decode("latin-1"),
            "data": zlib.compress(data, 6),
            "length": len(data),
            "widths": widths,
            "bbox": [round(v) for v in face.bbox],
            "ascent": round(face.ascent),
            "descent": round(face.descent),
            "cap_height": round(face.capHeight),
            "italic_angle": face.italicAngle,
            "stem_v": face.stemV,
            "missing_width": round(face.defaultWidth),
        }
    return _form_font_parts


def _form_font_dictionary(form) -> PDFDictionary:
    """A simple TrueType font, fully embedded (FontFile2), WinAnsiEncoding: viewers type cp1252 text with it."""
    parts = _form_font()
    # Compressed once per process: the stream says so itself, so reportlab writes the bytes as they are.
    font_file = PDFStream(
        PDFDictionary({"Length1": parts["length"], "Filter": PDFName("FlateDecode")}),
        parts["data"],
        filters=[],
    )
    descriptor = PDFDictionary(
        {
            "Type": PDFName("FontDescriptor"),
            "FontName": PDFName(parts["name"]),
            "Flags": 32,  # nonsymbolic: codes map to glyphs through the standard (WinAnsi) names
            "FontBBox": PDFArray(parts["bbox"]),
            "ItalicAngle": parts["italic_angle"],
            "Ascent": parts["ascent"],
            "Descent": parts["descent"],
            "CapHeight": parts["cap_height"],
            "StemV": parts["stem_v"],
            "MissingWidth": parts["missing_width"],
            "FontFile2": form.getRef(font_file),
        }
    )
    return PDFDictionary(
        {
            "Type": PDFName("Font"),
            "Subtype": PDFName("TrueType"),
            "BaseFont": PDFName(parts["name"]),
            "Name": PDFName(FORM_FONT),
            "FirstChar": _FORM_FIRST_CHAR,
            "LastChar": _FORM_LAST_CHAR,
            "Widths": PDFArray(parts["widths"]),
            "Encoding": PDFName("WinAnsiEncoding"),
            "FontDescriptor": form.getRef(descriptor),
        }
    )


def _pdf_literal(text: str) -> bytes:
    """Text as the body of a PDF literal string in the form font's encoding (cp1252); what it lacks becomes "?"."""
    out = bytearray()
    for byte in text.encode("cp1252", errors="replace"):
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif 32 <= byte < 127:
            out.append(byte)
        else:
            out += b"\\%03o" % byte
    return bytes(out)


class _PlainForm(PDFObject):
    """A small uncompressed form XObject: a text widget's own appearance, or the box look its appearances share.

    reportlab's PDFStream would write "/Filter [ ]" for no filter and format a dictionary object by object: for a
    stream of a few dozen bytes written once per text widget, the dictionary is written here as it is.
    """

    __RefOnly__ = 1  # a stream is an indirect object

    def __init__(self, resources, content: bytes, width, height):
        self.resources = resources
        self.content = content
        self.bbox = fp_str(0, 0, width, height)

    def format(self, document):
        content = document.encrypt.encode(self.content)
        resources = b"" if self.resources is None else b" /Resources " + self.resources.format(document)
        return b"<< /Subtype /Form /BBox [%s]%s /Length %d >>\nstream\n%s\nendstream\n" % (
            self.bbox.encode("ascii"),
            resources,
            len(content),
            content,
        )


class SharedAcroForm(AcroForm):
    """reportlab's AcroForm with one embedded font object for all widgets and every text widget its own appearance.

    Stock reportlab (5.1) registers a new Helvetica font dictionary for every widget (makeFont): 411 fields made
    411 font objects. Here the font is made once per document, so /DR and every appearance name the same object.

    Text and choice widgets each get their own, tiny normal appearance stream (/AP /N): a filling tool may write
    the typed value into that stream object in place (pypdf does), so a stream shared by alike fields showed one
    field's value in all of them. What is safe to share is shared: the look of the empty box (fill and border,
    one form XObject per size, drawn by "Do"), the appearance resources (one dictionary per box) and the font.
    Check boxes share their on and off appearances: filling one switches /AS, it never rewrites a stream.

    Stock reportlab also allows only the standard 14 fonts, which are never embedded: the font here is the full
    Vera TTF (_form_font_dictionary), so what a trainer types later is drawn with a font the file carries.
    """

    #: The resource name of the shared box look in every text widget's appearance resources.
    BOX = "PLBox"

    def __init__(self, canv, **kwds):
        super().__init__(canv, **kwds)
        self._form_font_ref = None
        self._shared_streams = {}
        self._box_resources = {}
        self._own_streams = 0

    def makeFont(self, fontName):
        # Every field uses the one embedded font, whatever it names: reportlab's default (Helvetica) included.
        if self._form_font_ref is None:
            self._form_font_ref = self.getRef(_form_font_dictionary(self))
            self.fonts[FORM_FONT] = self._form_font_ref.format(self.canv._doc).decode("ascii")
        return self.fonts[FORM_FONT], FORM_FONT

    def format(self, doc):
        # Stock reportlab also lists its own PDFDocEncoding-like /Encoding in /DR, for its Type1 fonts; the
        # form font carries WinAnsiEncoding itself, so /DR names only the font.
        fields = {"Fields": PDFArray([self.getRef(field) for field in self.fields])}
        if self.sigFlags:
            fields["SigFlags"] = self.sigFlags
        if self._form_font_ref is not None:
            fields["DA"] = PDFString(f"/{FORM_FONT} 0 Tf 0 g")
            fields["DR"] = PDFDictionary({"Font": PDFDictionary({FORM_FONT: self._form_font_ref})})
        fields.update(self.extras)
        return PDFDictionary(fields).format(doc)

    def _shared(self, kind, make, args, kwargs):
        key = (kind, args, tuple(sorted((name, repr(value)) for name, value in kwargs.items())))
        stream = self._shared_streams.get(key)
        if stream is None:
            stream = self._shared_streams[key] = make(*args, **kwargs)
        return stream

    def checkboxAP(self, *args, **kwargs):
        return self._shared("checkbox", super().checkboxAP, args, kwargs)

    def txAP(
        self,
        key,
        value,
        iFontName,
        rFontName,
        fontSize,
        fillColor=None,
        borderColor=None,
        textColor=None,
        borderWidth=None,
        borderStyle="solid",
        width=120,
        height=36,
        wkind="textfield",
        **rest,
    ):
        """A text or combo widget's own appearance: the shared box, then its text as marked content (/Tx).

        A new stream object for every widget, never shared (reportlab's _textfield shares equal streams by their
        _af_refstr: each gets a unique one). The /Tx BMC ... EMC section is where viewers and filling tools put
        the typed text; what comes before it (the box) they keep.
        """
        if wkind == "listbox" or borderStyle != "solid":
            return super().txAP(
                key,
                value,
                iFontName,
                rFontName,
                fontSize,
                fillColor=fillColor,
                borderColor=borderColor,
                textColor=textColor,
                borderWidth=borderWidth,
                borderStyle=borderStyle,
                width=width,
                height=height,
                wkind=wkind,
                **rest,
            )
        content = [b"/%s Do\n/Tx BMC" % self.BOX.encode("ascii")]
        if value and not value.isspace():
            # As reportlab draws a value: clipped inside the border, the first line at the top, 1.2 leading. (A
            # combo box's blank option is a space: nothing to draw.)
            inset = 2 * (borderWidth or 0)
            leading = 1.2 * fontSize
            color = self.streamFillColor(textColor) if opaqueColor(textColor) else "0 g"
            content.append(
                (
                    f"q {fp_str(inset, inset, width - 2 * inset, height - 2 * inset)} re W n\n"
                    f"BT /{iFontName} {fp_str(fontSize)} Tf {color}\n"
                    f"1 0 0 1 {fp_str(2 * inset, height - fontSize - inset)} Tm"
                ).encode("ascii")
            )
            lines = [b"(%s) Tj" % _pdf_literal(line) for line in str(value).split("\n")]
            content.append(f"\n0 {fp_str(-leading)} Td\n".encode("ascii").join(lines))
            content.append(b"ET Q")
        content.append(b"EMC")
        content = b"\n".join(content)
        resources = self._box_resources_ref(width, height, fillColor, borderColor, borderWidth)
        stream = _PlainForm(resources, content, width, height)
        self._own_streams += 1
        stream._af_refstr = f"own appearance {self._own_streams}"
        return stream

    def _box_resources_ref(self, width, height, fill, border, border_width):
        """The appearance resources (the form font, the box look) for boxes of this size and look, made once."""
        key = (fp_str(width, height, border_width or 0), repr(fill), repr(border))
        ref = self._box_resources.get(key)
        if ref is None:
            box = []
            if opaqueColor(fill):
                box.append(f"{self.streamFillColor(fill)}\n0 0 {fp_str(width, height)} re f")
            if border_width and opaqueColor(border):
                half = border_width / 2
                box.append(
                    f"{self.streamStrokeColor(border)}\n{fp_str(border_width)} w\n"
                    f"{fp_str(half, half, width - border_width, height - border_width)} re s"
                )
            look = _PlainForm(None, "\n".join(box).encode("ascii"), width, height)
            self.makeFont(FORM_FONT)  # made already by the field (_textfield): this keeps the method whole
            ref = self._box_resources[key] = self.getRef(
                PDFDictionary(
                    {
                        "ProcSet": PDFArray([PDFName("PDF"), PDFName("Text")]),
                        "Font": PDFDictionary({FORM_FONT: self._form_font_ref}),
                        "XObject": PDFDictionary({self.BOX: self.getRef(look)}),
                    }
                )
            )
        return ref

    def checkbox(self, *, checked=False, size=12, name, tooltip=None, borderColor, fillColor, textColor, borderWidth):
        """A check box at the canvas's origin with only its normal appearances (on and off), shared by all boxes.

        Stock reportlab writes six appearances per box (normal, pressed and rollover, each on and off) and builds
        them again for every box; viewers draw the pressed and rollover looks themselves.
        """
        canv = self.canv
        x, y = canv.absolutePosition(0, 0)
        appearances = {}
        for value in ("Yes", "Off"):
            stream = self._shared(
                "checkbox",
                super().checkboxAP,
                ("N", value),
                {
                    "buttonStyle": "check",
                    "fillColor": fillColor,
                    "borderColor": borderColor,
                    "textColor": textColor,
                    "borderWidth": borderWidth,
                    "size": size,
                },
            )
            appearances[value] = self._refMap.get(stream._af_refstr) or self._refMap.setdefault(
                stream._af_refstr, self.getRef(stream)
            )
        state = PDFName("Yes" if checked else "Off")
        widget = {
            "FT": PDFName("Btn"),
            "P": canv._doc.thisPageRef(),
            "V": state,
            "AS": state,
            "Rect": PDFArray((x, y, x + size, y + size)),
            "AP": PDFDictionary({"N": PDFDictionary(appearances)}),
            "Subtype": PDFName("Widget"),
            "Type": PDFName("Annot"),
            "F": annotationFlagValues["print"],
            "Ff": 0,
            "H": PDFName("N"),
            "T": PDFString(name),
            # No caption (/CA): it is a ZapfDingbats character, a font the file does not carry; both looks are
            # drawn as paths in /AP, so a viewer only switches /AS and no font is needed to show a tick.
            "MK": PDFDictionary(
                {
                    "BC": PDFArray(self.colorTuple(borderColor)),
                    "BG": PDFArray(self.colorTuple(fillColor)),
                }
            ),
            "BS": bsPDF(borderWidth, "solid", 3),
        }
        if tooltip:
            widget["TU"] = PDFString(tooltip)
        widget = PDFDictionary(widget)
        canv._addAnnotation(widget)
        self.fields.append(self.getRef(widget))


def shared_acro_form(canv) -> SharedAcroForm:
    """The canvas's AcroForm as a SharedAcroForm (made on the first field of a document)."""
    form = canv.__dict__.get("AcroForm")
    if not isinstance(form, SharedAcroForm):
        form = SharedAcroForm(canv)
        canv._doc._catalog.AcroForm = canv.AcroForm = form
    return form


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
        form = shared_acro_form(self.canv)
        common = {
            "name": self.name,
            "tooltip": self.tooltip,
            "x": 0,
            "y": 0,
            "relative": True,
            "borderColor": _FIELD_BORDER,
            "fillColor": _FIELD_FILL,
            "textColor": _FIELD_TEXT,
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
                name=self.name,
                tooltip=self.tooltip,
                borderColor=_FIELD_BORDER,
                fillColor=_FIELD_FILL,
                textColor=_FIELD_TEXT,
                borderWidth=0.6,
            )
        elif self.kind == "choice":
            # A blank option (a space: reportlab 5.1 fails on a choice whose value is empty) means "not filled in".
            form.choice(
                value=self.value if self.value in self.options else " ",
                options=[" "] + self.options,
                width=self.width,
                height=self.height,
                fontName=FORM_FONT,
                fontSize=9,
                fieldFlags="combo",
                **common,
            )
        else:
            form.textfield(
                value=self.value,
                width=self.width,
                height=self.height,
                fontName=FORM_FONT,
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
    if kind == "choice" and get("data-options"):
        # The options as one attribute ("a|b|c"): <option> elements are nodes xhtml2pdf styles and walks, for
        # nothing it prints.
        options = [option.strip() for option in get("data-options").split("|") if option.strip()]
    elif kind == "choice":
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


class FieldRow(Flowable):
    """One row of a grid: cells side by side at fixed shares of the width, middle-aligned, a rule below.

    The begeleidingsdocument has a grid per work process (moments with a date and a level field) and one per
    gedrag list: as HTML tables they were a quarter of its render time (xhtml2pdf lays out every cell as a
    table of paragraphs). A row of ready flowables is laid out once, without a table. Used as
    <pdf:fieldrow widths="18 30 52" background="#e6edf3" rule="0.4 #d5dbe0">cell, cell, cell</pdf:fieldrow>,
    where each cell is a block (a <p>) or a field.
    """

    PADDING = (2, 3)  # vertical, horizontal, as the grid cells had

    def __init__(self, cells, shares, background=None, rule_width=0.0, rule_color=None):
        super().__init__()
        self.cells = cells
        self.shares = shares if len(shares) == len(cells) else [1] * len(cells)
        self.background = background
        self.rule_width = rule_width
        self.rule_color = rule_color

    def wrap(self, avail_width, avail_height):
        pad_y, pad_x = self.PADDING
        total = sum(self.shares) or 1
        self.width = avail_width
        self.columns = [avail_width * share / total for share in self.shares]
        self.sizes = [
            cell.wrap(max(width - 2 * pad_x, 1), avail_height)
            for cell, width in zip(self.cells, self.columns, strict=True)
        ]
        self.height = max((h for _w, h in self.sizes), default=0) + 2 * pad_y
        return self.width, self.height

    def draw(self):
        canv = self.canv
        pad_y, pad_x = self.PADDING
        if self.background is not None:
            canv.saveState()
            canv.setFillColor(self.background)
            canv.rect(0, 0, self.width, self.height, stroke=0, fill=1)
            canv.restoreState()
        x = 0
        for cell, width, (_w, h) in zip(self.cells, self.columns, self.sizes, strict=True):
            cell.drawOn(canv, x + pad_x, (self.height - h) / 2)
            x += width
        if self.rule_width and self.rule_color is not None:
            canv.saveState()
            canv.setStrokeColor(self.rule_color)
            canv.setLineWidth(self.rule_width)
            canv.line(0, 0, self.width, 0)
            canv.restoreState()


class Label(Flowable):
    """One line of text without a paragraph: a grid's header or a short row label ("Moment 1")."""

    def __init__(self, text, font_name, font_size, color):
        super().__init__()
        self.text = text
        self.font_name = font_name
        self.font_size = font_size
        self.color = color

    def wrap(self, avail_width, avail_height):
        self.width = min(pdfmetrics.stringWidth(self.text, self.font_name, self.font_size), avail_width)
        self.height = self.font_size * 1.3
        return self.width, self.height

    def draw(self):
        self.canv.setFont(self.font_name, self.font_size)
        self.canv.setFillColor(self.color)
        self.canv.drawString(0, self.height - self.font_size, self.text)


class FieldRowTag(x_tags.pisaTag):
    """<pdf:fieldrow>: its labels="a|b" as the first cells, then what its children add to the story, as one FieldRow.

    Labels are drawn as single lines in the row's font (its CSS class applies): a paragraph per header cell or
    "Moment n" cost xhtml2pdf a layout each, for text that never wraps. Text that may wrap stays a child <p>.
    """

    def start(self, c):
        c.addPara()
        self.index = len(c.story)
        frag = c.frag
        font = tt2ps(frag.fontName, int(bool(frag.bold)), int(bool(frag.italic)))
        color = frag.textColor or HexColor("#000000")
        labels = self.node.getAttribute("labels")
        self.labels = [Label(text, font, frag.fontSize, color) for text in labels.split("|")] if labels else []

    def end(self, c):
        c.addPara()
        cells = self.labels + c.story[self.index :]
        del c.story[self.index :]
        get = self.node.getAttribute
        shares = [_size(share, 1) for share in (get("widths") or "").split()]
        background = HexColor(get("background")) if get("background") else None
        rule_width, _, rule_color = (get("rule") or "").partition(" ")
        c.addStory(
            FieldRow(
                cells,
                shares,
                background=background,
                rule_width=_size(rule_width, 0),
                rule_color=HexColor(rule_color) if rule_color else None,
            )
        )


def _install_field_tags():
    # xhtml2pdf finds the class for a tag as parser.pisaTag<NAME>; ours fall back to the stock behaviour for
    # controls without data-field, so nothing changes for other documents. Pinned: xhtml2pdf==0.2.28.
    x_parser.pisaTagINPUT = FieldInput
    x_parser.pisaTagTEXTAREA = FieldTextarea
    x_parser.pisaTagSELECT = FieldSelect
    x_parser.pisaTagPDFPAGINAVAN = PaginaVanTag
    x_parser.pisaTagPDFFIELDROW = FieldRowTag


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
