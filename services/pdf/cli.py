"""`flask --app app pdf-voorbeeld OUTDIR`: write sample PDFs to look at while working on the templates."""

from pathlib import Path

import click

FILES = (
    ("begeleidingsdocument-concept.pdf", "guidance", True),
    ("begeleidingsdocument.pdf", "guidance", False),
    ("praktijkverklaring-concept.pdf", "statement", True),
    ("praktijkverklaring.pdf", "statement", False),
)


def write_previews(outdir, guidance_data=None, statement_data=None):
    """Render the four preview PDFs into outdir; return the written paths."""
    from services.pdf import render_guidance, render_statement
    from services.pdf.sample import sample_guidance, sample_statement

    guidance_data = guidance_data or sample_guidance(10)
    statement_data = statement_data or sample_statement(20)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, kind, concept in FILES:
        if kind == "guidance":
            pdf = render_guidance(guidance_data, concept=concept)
        else:
            pdf = render_statement(statement_data, concept=concept)
        path = outdir / filename
        path.write_bytes(pdf)
        written.append(path)
    return written


@click.command("pdf-voorbeeld")
@click.argument("outdir", type=click.Path(file_okay=False))
def pdf_preview_command(outdir):
    """Schrijf voorbeeld-PDF's (begeleidingsdocument en praktijkverklaring, concept en definitief) naar OUTDIR."""
    for path in write_previews(outdir, guidance_data=demo_guidance_data(), statement_data=demo_statement_data()):
        click.echo(f"Geschreven: {path}")


def demo_guidance_data():
    """A demo participant's final begeleidingsdocument (two kwalificaties), else the sample."""
    from services.demo_guidance import preview_document

    return preview_document()


def demo_statement_data():
    """The render input of a final demo statement (number and QR code included), else None (the sample)."""
    from documents.statements import PracticeStatement
    from services import statement_data

    statement = PracticeStatement.objects(status="final").order_by("finalized_at").first()
    if statement is None:
        return None
    return statement_data.build(
        statement,
        number=statement.number,
        verification_code=statement.verification_code,
        issued_on=statement.finalized_at.date(),
    )
