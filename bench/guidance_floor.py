"""The begeleidingsdocument's floor: the same pages, text and AcroForm fields as a plain reportlab platypus document.

What a programmer would write with reportlab alone (platypus flowables, reportlab's stock canvas.acroForm calls
with the same field arguments as ours, a header and footer drawn on every page), without HTML and CSS. Our
render (xhtml2pdf from a template) is measured against it: `python -m bench.guidance_floor` prints both.
"""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from services.pdf.base import format_date, logo_data, setup
from services.pdf.guidance import INSTRUCTIONS, LEVELS, MOMENTS, SIGNATORIES, work_process_keys

_BORDER = HexColor("#7a8793")
_FILL = HexColor("#f3f7fb")
_GRID = [
    ("BACKGROUND", (0, 0), (-1, 0), HexColor("#e6edf3")),
    ("LINEBELOW", (0, 0), (-1, 0), 0.6, HexColor("#9aa5ae")),
    ("LINEBELOW", (0, 1), (-1, -1), 0.4, HexColor("#d5dbe0")),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
]


class Field(Flowable):
    """One AcroForm field through reportlab's stock API (the same arguments as services.pdf.base.AcroField)."""

    def __init__(self, name, kind, width, height, options=(), tooltip=""):
        super().__init__()
        self.name, self.kind, self.width, self.height = name, kind, width, height
        self.options, self.tooltip = list(options), tooltip

    def draw(self):
        form = self.canv.acroForm
        common = {
            "name": self.name,
            "tooltip": self.tooltip,
            "x": 0,
            "y": 0,
            "relative": True,
            "borderColor": _BORDER,
            "fillColor": _FILL,
            "textColor": HexColor("#111111"),
            "borderWidth": 0.6,
        }
        if self.kind == "hidden":
            form.textfield(
                name=self.name, value=self.tooltip, x=0, y=0, width=1, height=1, relative=True, borderWidth=0
            )
        elif self.kind == "checkbox":
            form.checkbox(size=self.height, buttonStyle="check", fieldFlags="", **common)
        elif self.kind == "choice":
            form.choice(
                value=" ",
                options=[" ", *self.options],
                width=self.width,
                height=self.height,
                fontName="Helvetica",
                fontSize=9,
                fieldFlags="combo",
                **common,
            )
        else:
            form.textfield(
                width=self.width,
                height=self.height,
                fontName="Helvetica",
                fontSize=9,
                fieldFlags="multiline" if self.kind == "multiline" else "",
                maxlen=0,
                **common,
            )


def _styles():
    body = ParagraphStyle("body", fontName="PLVera", fontSize=9.5, leading=12.4, spaceAfter=4)
    return {
        "body": body,
        "h1": ParagraphStyle("h1", parent=body, fontName="PLVera-Bold", fontSize=20, leading=24),
        "h2": ParagraphStyle("h2", parent=body, fontName="PLVera-Bold", fontSize=12.5, leading=16, spaceBefore=10),
        "blad": ParagraphStyle("blad", parent=body, fontName="PLVera-Bold", fontSize=8, textColor="#0b3d62"),
        "label": ParagraphStyle("label", parent=body, fontSize=8, textColor="#555555", spaceAfter=1),
        "head": ParagraphStyle(
            "head", parent=body, fontName="PLVera-Bold", fontSize=10.5, textColor="white", backColor="#0b3d62"
        ),
        "small": ParagraphStyle("small", parent=body, fontSize=7.5),
    }


def _kv(rows, s):
    return Table([[Paragraph(k, s["label"]), Paragraph(v, s["body"])] for k, v in rows], colWidths=["28%", "72%"])


def build_story(data):
    """The three sheets as platypus flowables."""
    s = _styles()
    p = data["participant"]
    company = data["company"]
    trainer = data["trainer"]
    logo = logo_data(data["institution"].get("logo"))
    story = [
        Table(
            [
                [
                    [
                        Paragraph("Blad 1 - Gegevens", s["blad"]),
                        Field(
                            "praktijkloket_document",
                            "hidden",
                            1,
                            1,
                            tooltip=f"begeleidingsdocument:{data['document_id']}",
                        ),
                        Paragraph("Begeleidingsdocument", s["h1"]),
                    ],
                    Image(_data_uri_bytes(logo["src"]), logo["width"], logo["height"]) if logo else "",
                ]
            ],
            colWidths=["62%", "38%"],
        ),
        Paragraph("Onderwijsinstelling", s["h2"]),
        _kv([("Naam", f"{data['institution']['name']}, {data['institution'].get('city', '')}")], s),
        Paragraph("Deelnemer", s["h2"]),
        _kv([("Naam", p["full_name"]), ("Geboortedatum", format_date(p["birth_date"])), ("Groep/klas", p["group"])], s),
        Paragraph("Leerbedrijf", s["h2"]),
        _kv(
            [
                ("Naam", company["name"]),
                ("Leerbedrijf-ID", company["company_id"]),
                ("Adres", f"{company['address']}, {company['postcode']} {company['city']}"),
            ],
            s,
        ),
        Paragraph("Praktijkopleider", s["h2"]),
        _kv(
            [
                (k, trainer[f] or "-")
                for k, f in (("Naam", "name"), ("Functie", "function"), ("E-mail", "email"), ("Telefoon", "phone"))
            ],
            s,
        ),
        Paragraph("Kwalificaties", s["h2"]),
        Table(
            [["Crebo", "Kwalificatie", "Niveau", "Versie"]]
            + [
                [q["crebo"], Paragraph(q["title"], s["body"]), q["level"], q["version"]] for q in data["qualifications"]
            ],
            colWidths=["14%", "56%", "12%", "18%"],
            style=TableStyle(_GRID),
            repeatRows=1,
        ),
        Paragraph("Periode beroepspraktijkvorming", s["h2"]),
        Table(
            [
                [
                    "Startdatum",
                    Field("startdatum", "text", 100, 16, tooltip="Startdatum (dd-mm-jjjj)"),
                    "Einddatum",
                    Field("einddatum", "text", 100, 16, tooltip="Einddatum (dd-mm-jjjj)"),
                ]
            ]
        ),
        Paragraph("Voor de praktijkopleider", s["h2"]),
    ]
    story += [Paragraph(f"<b>{i}. {title}</b> {text}", s["body"]) for i, (title, text) in enumerate(INSTRUCTIONS, 1)]
    story += [PageBreak(), Paragraph("Blad 2 - Werkprocessen en voortgang", s["blad"])]
    keys = work_process_keys(data["qualifications"])
    behaviour = []
    for q in data["qualifications"]:
        story.append(Paragraph(f"{q['title']} (crebo {q['crebo']}, niveau {q['level']})", s["h2"]))
        for kt in q["core_tasks"]:
            for wp in kt["work_processes"]:
                key = keys[(q["crebo"], wp["code"])]
                if wp.get("show_behaviour") and wp.get("behaviour"):
                    behaviour.append((wp, key))
                rows = [["Moment", "Datum", "Beheersing"]] + [
                    [
                        f"Moment {m}",
                        Field(f"wp_{key}_moment{m}_datum", "text", 90, 15, tooltip=f"{wp['code']} moment {m}: datum"),
                        Field(f"wp_{key}_moment{m}_niveau", "choice", 120, 15, LEVELS, f"{wp['code']} moment {m}"),
                    ]
                    for m in MOMENTS
                ]
                story.append(
                    KeepTogether(
                        [
                            Paragraph(f"{wp['code']} {wp['title']}", s["head"]),
                            Paragraph(f"Kerntaak {kt['code']} {kt['title']}", s["label"]),
                            Paragraph("Omschrijving", s["label"]),
                            Paragraph(wp["description"], s["body"]),
                            Paragraph("Gewenst resultaat", s["label"]),
                            Paragraph(wp["result"], s["body"]),
                            Table(rows, colWidths=["18%", "30%", "52%"], style=TableStyle(_GRID)),
                            Paragraph("Opmerkingen", s["label"]),
                            Field(f"wp_{key}_opmerkingen", "multiline", 493, 46, tooltip=f"{wp['code']}: opmerkingen"),
                        ]
                    )
                )
    story += [PageBreak(), Paragraph("Blad 3 - Gedrag en ondertekening", s["blad"])]
    if behaviour:
        story += [Paragraph("Gedrag", s["h2"]), Paragraph("Vink aan welk gedrag de deelnemer laat zien.", s["body"])]
    for wp, key in behaviour:
        rows = [["Indicator", "Gezien"]] + [
            [
                Paragraph(line, s["body"]),
                Field(f"gedrag_{key}_{n}", "checkbox", 12, 12, tooltip=f"{wp['code']} gedrag {n}"),
            ]
            for n, line in enumerate(wp["behaviour"], 1)
        ]
        story.append(
            KeepTogether(
                [
                    Paragraph(f"{wp['code']} {wp['title']}", s["head"]),
                    Table(rows, colWidths=["88%", "12%"], style=TableStyle(_GRID)),
                ]
            )
        )
    sign = [[label for _role, label in SIGNATORIES]]
    for part, kind, width, height in (
        ("naam", "text", 150, 15),
        ("datum", "text", 90, 15),
        ("opmerkingen", "multiline", 150, 44),
    ):
        sign.append(
            [
                [Paragraph(part.capitalize(), s["label"]), Field(f"ondertekening_{role}_{part}", kind, width, height)]
                for role, _label in SIGNATORIES
            ]
        )
    sign.append([[Paragraph("Handtekening", s["label"]), Spacer(1, 40)] for _ in SIGNATORIES])
    story.append(KeepTogether([Paragraph("Ondertekening", s["h2"]), Table(sign, style=TableStyle(_GRID))]))
    return story


def _data_uri_bytes(src):
    import base64
    import io

    return io.BytesIO(base64.b64decode(src.split(",", 1)[1]))


def render_floor(data) -> bytes:
    """The floor PDF for a guidance snapshot (bytes)."""
    import io

    setup()
    s = _styles()
    header = f"Begeleidingsdocument - {data['participant']['full_name']}"
    footer = f"Document {data['document_id']} - gemaakt op {format_date(data['created_at'])}"

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont("PLVera", 9.5)
        canvas.drawString(1.8 * cm, A4[1] - 1.3 * cm, header)
        canvas.drawRightString(A4[0] - 1.8 * cm, A4[1] - 1.3 * cm, data["institution"]["name"])
        canvas.setFont("PLVera", 7.5)
        canvas.drawString(1.8 * cm, 1.0 * cm, footer)
        canvas.drawRightString(A4[0] - 1.8 * cm, 1.0 * cm, f"pagina {doc.page}")
        canvas.restoreState()

    assert s
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=1.8 * cm,
        rightMargin=1.8 * cm,
        topMargin=2.1 * cm,
        bottomMargin=1.9 * cm,
        title=header,
        lang="nl-NL",
    )
    try:
        doc.build(build_story(data), onFirstPage=on_page, onLaterPages=on_page)
    except LayoutError:  # pragma: no cover - a block taller than a page would be a bug in the floor
        raise
    return out.getvalue()


def main():
    import time

    from services.pdf import render_guidance
    from services.pdf.sample import sample_guidance

    data = sample_guidance(40, behaviour_every=1)
    for name, fn in (("floor", render_floor), ("ours", lambda d: render_guidance(d, concept=False))):
        fn(data)
        start = time.process_time()
        pdf = fn(data)
        print(f"{name:6} {(time.process_time() - start) * 1000:7.0f} ms CPU  {len(pdf):>8} bytes")


if __name__ == "__main__":
    main()
