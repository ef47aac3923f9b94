"""Screens of the qualification structure: XML import for SBB admins, the CLI, and the old browse URLs.

Browsing is the Kwalificaties list (admin_views/qualification_list.py); /kwalificaties/ only redirects there.
"""

import json
import sys

import click
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from admin_views.base import SecureView
from admin_views.forms import uploaded
from admin_views.qualification_list import CURRENT, QualificationListView, details_url, list_url
from services import qualification_import as importer
from services.errors import NotFound
from services.permissions import can

CATEGORY = "Kwalificaties"
OLD_PAGE_SIZE = 25  # rows per page of the former browse pages
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # SBB's complete export is far larger than the app's default limit


class OldQualificationPages(SecureView):
    """The former browse pages: bookmarks and links to /kwalificaties/ lead to the list and its details."""

    capability = "view_registry"

    def is_visible(self):
        return False

    @expose("/")
    def index(self):
        # The old page hid earlier versions unless "alle=1": the same on the list is the filter Geldende versie.
        search = request.args.get("q", "").strip()[:100]
        validity = None if request.args.get("alle") == "1" else CURRENT
        return redirect(list_url(search=search or None, validity=validity, page=self._list_page()))

    @staticmethod
    def _list_page():
        """The list page (0-based, 20 rows) that shows the first row of the old page (1-based, 25 rows)."""
        try:
            old = int(request.args.get("page", 1))
        except ValueError:
            return None
        return (min(max(old, 1), 100_000) - 1) * OLD_PAGE_SIZE // QualificationListView.page_size or None

    @expose("/<qualification_id>/")
    def details(self, qualification_id):
        return redirect(details_url(qualification_id))


class QualificationImportView(SecureView):
    capability = "manage_registry"

    @expose("/", methods=("GET", "POST"))
    def index(self):
        error = None
        if request.method == "POST":
            upload = uploaded()
            if upload is None:
                error = "Kies een XML-bestand om te importeren."
            else:
                try:
                    pending = importer.stage_upload(upload.read(), upload.filename, current_user._get_current_object())
                except importer.QualificationImportError as exc:
                    error = exc.message
                else:
                    return redirect(url_for(".confirm", upload_id=str(pending.pk)))
        return self.render("qualifications/import.html", error=error), (400 if error else 200)

    @expose("/<upload_id>/", methods=("GET", "POST"))
    def confirm(self, upload_id):
        user = current_user._get_current_object()
        pending = importer.pending_upload(upload_id, user)
        if pending is None:
            raise NotFound()
        if request.method == "POST":
            if request.form.get("action") == "annuleren":
                importer.discard_upload(upload_id, user)
                flash("De import is geannuleerd; er is niets opgeslagen.", "info")
                return redirect(url_for(".index"))
            try:
                result = importer.confirm_upload(upload_id, user)
            except importer.QualificationImportError as exc:
                flash(exc.message, "error")
                return redirect(url_for(".index"))
            flash(f"Import voltooid: {result.message()}", "success")
            return redirect(list_url())
        return self.render("qualifications/confirm.html", pending=pending)


@click.command("import-kwalificaties")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True))
@click.option("--dry-run", is_flag=True, help="Alleen lezen en tonen; niets opslaan.")
@click.option("--json", "as_json", is_flag=True, help="Toon de gelezen structuur als JSON (alleen JSON op stdout).")
def import_command(files, dry_run, as_json):
    """Importeer kwalificatiedossiers uit XML-exportbestanden van SBB."""
    try:
        dossiers = importer.parse_files(files)
        result = None if dry_run else importer.import_dossiers(dossiers)
    except importer.QualificationImportError as exc:
        click.echo(f"Fout: {exc}", err=True)
        click.echo("Er is niets geïmporteerd.", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(importer.to_json(dossiers), ensure_ascii=False, indent=2))
    else:
        for dossier in dossiers:
            for qualification in dossier["qualifications"]:
                click.echo(importer.summary_line(qualification))
    if dry_run:
        click.echo("Proefrun: er is niets opgeslagen.", err=True)
    else:
        click.echo(result.message(), err=True)


def _allow_large_upload():
    """Let SBB admins post the complete export to the import page (CSRF reads the body before any view runs)."""
    if (
        request.method == "POST"
        and request.path.startswith("/kwalificaties-importeren/")
        and current_user.is_authenticated
        and can(current_user, "manage_registry")
    ):
        request.max_content_length = MAX_UPLOAD_BYTES


def register(admin, app):
    """Add this area's views, blueprints and home panels."""
    app.before_request_funcs.setdefault(None, []).insert(0, _allow_large_upload)
    admin.add_view(OldQualificationPages(name="Kwalificaties", endpoint="qualifications", url="/kwalificaties"))
    admin.add_view(
        QualificationImportView(
            name="Kwalificaties importeren",
            category=CATEGORY,
            endpoint="qualification_import",
            url="/kwalificaties-importeren",
        )
    )
    app.cli.add_command(import_command)
