"""`flask --app app pdf-voorbeeld OUTDIR`: write sample PDFs to look at while working on the templates."""

from pathlib import Path

import click

FILES = (
    ("begeleidingsdocument-concept.pdf", "guidance", True),
    ("begeleidingsdocument.pdf", "guidance", False),
    ("praktijkverklaring-concept.pdf", "statement", True),
    ("praktijkverklaring.pdf", "statement", False),
)


def write_previews(outdir, guidance_data=None, statement_data=None, sign=True):
    """Render the four preview PDFs into outdir (the final two signed as finalize signs them); return the paths.

    A signed preview is not an issued statement: /verificatie answers that it is in no register.
    """
    from services.pdf import render_guidance, render_statement
    from services.pdf.sample import sample_guidance, sample_statement
    from services.signing import sign_pdf

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
        if sign and not concept:
            pdf = sign_pdf(pdf, certify=kind == "guidance")
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
    from services.clock import local

    statement = PracticeStatement.objects(status="final").order_by("finalized_at").first()
    if statement is None:
        return None
    return statement_data.build(
        statement,
        number=statement.number,
        verification_code=statement.verification_code,
        issued_on=local(statement.finalized_at).date(),  # the Dutch day it was made final
    )


@click.command("ondertekening-vernieuwen")
def rotate_signing_key_command():
    """Maak een nieuwe CA en ondertekeningssleutel (zelfgemaakte sleutel); oude certificaten blijven vertrouwd."""
    from services import signing

    if signing.configured_source():
        raise click.ClickException(
            "De sleutel komt uit de configuratie (SIGNING_PKCS12 of SIGNING_KEY_PEM): zet daar de nieuwe sleutel "
            "en start opnieuw. Het oude certificaat blijft vertrouwd; een oude CA die niet in de database staat, "
            "zet u in SIGNING_TRUST_PEM."
        )
    doc = signing.generate_key()
    click.echo(f"Nieuwe ondertekeningssleutel: {doc.subject} ({doc.fingerprint[:16]}...).")
    click.echo("Eerder ondertekende PDF's blijven controleerbaar: hun CA blijft vertrouwd.")
