"""Command-line commands (`flask --app app ...`) of the foundation; areas add theirs in register()."""

import click

from services.pdf.cli import pdf_preview_command


@click.command("seed-demo")
def seed_demo_command():
    """Maak de demogegevens aan (scholen, accounts, voorwaarden en wat de stappen toevoegen)."""
    from services.demo import seed_demo

    schools, users = seed_demo()
    click.echo(f"Demogegevens aanwezig: {len(schools)} onderwijsinstellingen, {len(users)} accounts.")


@click.command("herbereken")
def recompute_command():
    """Bereken de zoekvelden en de identiteit van deelnemers opnieuw (na een upgrade)."""
    from services.maintenance import recompute_derived_fields

    result = recompute_derived_fields()
    for name, count in result.updated.items():
        click.echo(f"{name}: {count} bijgewerkt.")
    for name, pk, message in result.invalid:
        click.echo(f"Overgeslagen: {name} {pk}: {message}")
    for doc in result.duplicates:
        click.echo(
            f"Dubbel: deelnemer {doc.pk} ({doc.full_name}, {doc.birth_date:%d-%m-%Y}) bestaat al bij deze school; "
            "voeg de twee samen en draai dit commando opnieuw."
        )
    if result.invalid or result.duplicates:
        raise SystemExit(1)


def register_commands(app):
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(recompute_command)
    app.cli.add_command(pdf_preview_command)
