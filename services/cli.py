"""Command-line commands (`flask --app app ...`) of the foundation; areas add theirs in register()."""

import click

from services.pdf.cli import pdf_preview_command


@click.command("seed-demo")
def seed_demo_command():
    """Maak de demogegevens aan (scholen, accounts, voorwaarden en wat de stappen toevoegen)."""
    from services.demo import seed_demo

    schools, users = seed_demo()
    click.echo(f"Demogegevens aanwezig: {len(schools)} onderwijsinstellingen, {len(users)} accounts.")


def register_commands(app):
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(pdf_preview_command)
