"""PDF benchmarks: our statement and guidance PDFs, the same statement HTML in WeasyPrint, and a platypus floor.

Each *_ms function returns a median of CPU time in milliseconds (warm-up first); pairs are measured in turns.
statement_pdf_weasyprint_ms() returns None when WeasyPrint (or the pango libraries it needs) is not installed.
"""

from __future__ import annotations

import io
import itertools

from bench.harness import interleaved_ms, median_ms
from services.pdf import render_guidance, render_statement
from services.pdf.sample import sample_guidance, sample_statement
from services.pdf.statement import statement_html

STATEMENT_WP = 20


def statement_pdf_ms(repeat=9):
    """Our praktijkverklaring (final: number and QR code) with 20 werkprocessen and three logos."""
    return statement_timings(repeat)["ours"]


def statement_pdf_weasyprint_ms(repeat=9):
    """The same statement HTML (with its xhtml2pdf-only tags swapped for CSS) rendered by WeasyPrint."""
    return statement_timings(repeat)["weasyprint"]


def statement_pdf_reportlab_ms(repeat=9):
    """The floor: the same text, logos and QR code as a plain reportlab platypus document."""
    return statement_timings(repeat)["reportlab"]


_timings = {}
_renders = itertools.count()


def unique_statement():
    """The sample statement with a verification address of its own: every render makes its own QR code."""
    data = sample_statement(STATEMENT_WP)
    data["verification_url"] = f"{data['verification_url']}-{next(_renders):06d}"
    return data


def statement_timings(repeat=9):
    """Median CPU ms of the three statement renderers, measured in turns (ours, WeasyPrint, floor, ours, ...).

    Each render gets a new verification address, so none of them reuses a cached QR code. WeasyPrint and the
    floor get the HTML or text of that same statement (building the HTML is part of our render too). Measured
    once per process and repeat; the three functions above share it.
    """
    if repeat in _timings:
        return _timings[repeat]
    renderers = {
        "ours": lambda: render_statement(unique_statement(), concept=False),
        "reportlab": lambda: platypus_statement(unique_statement()),
    }
    try:
        import weasyprint
    except (ImportError, OSError):
        weasyprint = None
    if weasyprint is not None:
        renderers["weasyprint"] = lambda: weasyprint.HTML(string=weasyprint_html(unique_statement())).write_pdf(
            presentational_hints=True
        )
    result = interleaved_ms(renderers, repeat=repeat)
    result.setdefault("weasyprint", None)
    _timings[repeat] = result
    return result


def statement_signed_timings(repeat=9):
    """Our statement unsigned and signed as finalize signs it (PAdES B-B, the generated demo key), in turns.

    "signing" is the difference of the medians: what signing adds to making a statement final (target <= 50 ms).
    Signing reads the key from the database, so this runs in an app of its own (demo mode, no seed).
    """
    from app import create_app
    from services.signing import sign_pdf

    app = create_app({"SECRET_KEY": "bench", "SEED_DEMO": False})
    with app.app_context():
        result = interleaved_ms(
            {
                "ours": lambda: render_statement(unique_statement(), concept=False),
                "signed": lambda: sign_pdf(render_statement(unique_statement(), concept=False)),
            },
            repeat=repeat,
        )
        pdf = render_statement(unique_statement(), concept=False)
        result["signing"] = median_ms(lambda: sign_pdf(pdf), repeat=max(repeat, 15))
    return result


def weasyprint_html(data=None):
    """The statement HTML as WeasyPrint reads it: page numbers as CSS counters, the footer as a running element."""
    html = statement_html(data or sample_statement(STATEMENT_WP), concept=False)
    html = html.replace(
        "<pdf:paginavan></pdf:paginavan>", '<br>pagina <span class="pn"></span> van <span class="pc"></span>'
    )
    from services.pdf.base import FONT_DIR

    # The same embedded font as ours (reportlab's Bitstream Vera), not whatever the system has.
    faces = "".join(
        f"@font-face {{ font-family: plvera; src: url({(FONT_DIR / name).as_uri()}); font-weight: {weight}; }}"
        for name, weight in (("Vera.ttf", "normal"), ("VeraBd.ttf", "bold"))
    )
    extra = faces + (
        "@page { @bottom-center { content: element(footer); } }"
        " #footer { position: running(footer); }"
        " .pn::after { content: counter(page); } .pc::after { content: counter(pages); }"
    )
    return html.replace("</style>", extra + "</style>", 1)


def platypus_statement(data) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table

    from services.pdf.base import FONT_FAMILY, setup

    setup()
    font = "PLVera"
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=12.4)
    h1 = ParagraphStyle("h1", parent=body, fontName=font + "-Bold", fontSize=20, leading=24)
    h2 = ParagraphStyle("h2", parent=body, fontName=font + "-Bold", fontSize=12.5, leading=16, spaceBefore=10)
    wp = ParagraphStyle("wp", parent=body, leftIndent=16)
    assert FONT_FAMILY

    def logo(raw):
        return Image(io.BytesIO(raw), width=4 * cm, height=1.5 * cm) if raw else ""

    story = [
        Table(
            [[logo(data["institution"]["logo"]), logo(data["company"]["logo"]), logo(data["branch_logos"][0]["logo"])]]
        ),
        Paragraph("Praktijkverklaring", h1),
        Paragraph("onderdeel van de mbo-verklaring", body),
        Paragraph(
            f"Hierbij wordt verklaard dat <b>{data['participant']['full_name']}</b> bij {data['company']['name']} "
            f"gedurende {data['bpv_hours']} uur de volgende werkprocessen heeft laten zien:",
            body,
        ),
    ]
    for q in data["qualifications"]:
        story.append(Paragraph(f"{q['title']} (crebo {q['crebo']}, niveau {q['level']})", h2))
        for kt in q["core_tasks"]:
            story.append(Paragraph(f"<b>Kerntaak {kt['code']} {kt['title']}</b>", body))
            story.extend(Paragraph(f"<b>{w['code']}</b> {w['title']}", wp) for w in kt["work_processes"])
    story.append(Spacer(1, 12))
    story.append(
        Table(
            [
                [
                    Paragraph(f"Naam: {data['trainer_signatory']['name']}", body),
                    Paragraph(f"Naam: {data['school_signatory']['name']}", body),
                ]
            ]
        )
    )

    qr_png = _qr_png_bytes(data["verification_url"])

    def footer(canvas, _doc):
        canvas.setFont(font, 7.5)
        canvas.drawString(1.8 * cm, 1.5 * cm, f"Nummer: {data['number']}  {data['verification_url']}")
        canvas.drawImage(_image_reader(qr_png), A4[0] - 3.8 * cm, 0.7 * cm, 2 * cm, 2 * cm)

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=1.8 * cm, rightMargin=1.8 * cm, bottomMargin=3.4 * cm)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _qr_png_bytes(text):
    import qrcode

    out = io.BytesIO()
    qrcode.make(text).save(out)
    return out.getvalue()


def _image_reader(raw):
    from reportlab.lib.utils import ImageReader

    return ImageReader(io.BytesIO(raw))


def guidance_pdf_ms(n_wp, repeat=5):
    """Our fillable begeleidingsdocument with n_wp werkprocessen, all with gedrag (median CPU ms)."""
    data = sample_guidance(n_wp, behaviour_every=1)
    return median_ms(lambda: render_guidance(data, concept=False), repeat=repeat)


def guidance_timings(n_wp=40, repeat=5):
    """Ours and its floor (bench.guidance_floor: the same pages and fields in plain reportlab), in turns."""
    from bench.guidance_floor import render_floor

    data = sample_guidance(n_wp, behaviour_every=1)
    return interleaved_ms(
        {"ours": lambda: render_guidance(data, concept=False), "floor": lambda: render_floor(data)}, repeat=repeat
    )


def results():
    """Every key this module contributes to bench/out/results.json."""
    guidance = guidance_timings(40)
    signed = statement_signed_timings()
    return {
        "statement_pdf_ms": statement_pdf_ms(),
        "statement_pdf_signed_ms": signed["signed"],
        "statement_signing_ms": signed["signing"],
        "statement_pdf_weasyprint_ms": statement_pdf_weasyprint_ms(),
        "statement_pdf_reportlab_ms": statement_pdf_reportlab_ms(),
        "guidance_pdf_10wp_ms": guidance_pdf_ms(10),
        "guidance_pdf_40wp_ms": guidance["ours"],
        "guidance_pdf_floor_40wp_ms": guidance["floor"],
    }


if __name__ == "__main__":
    for key, value in results().items():
        print(f"{key:32} {value if value is None else round(value, 1)}")
