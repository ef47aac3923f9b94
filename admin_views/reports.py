"""Rapportages: the report pages with Excel/CSV downloads, the lists the dashboard figures drill down to, the
participant's history panel, the AVG export and the `bewaartermijn` command. Thin: read input, call a service.

Endpoints other areas may link to:
  reports.index                         Rapportages (per school x onderwijsvorm for a year, the other reports)
  reports.statements                    praktijkverklaringen (?status=concept|final, school, vorm, crebo, werkproces,
                                        van, tot (dd-mm-jjjj), ouder_dan (days); &formaat=xlsx|csv downloads)
  reports.guidance                      begeleidingsdocumenten (same filters, without vorm)
  reports.participants                  deelnemers per school en status
  reports.requests                      erkenningsverzoeken en doorlooptijd (?van, tot, status)
  reports.avg_export(pid)               POST: the participant's AVG export (ZIP)
"""

import click
from flask import Response, abort, current_app, flash, request, stream_with_context, url_for
from flask_admin import expose
from flask_login import current_user

from admin_views import dashboard
from admin_views.base import SecureView
from admin_views.forms import download
from core.text import counted
from documents.audit import ACTIONS, OBJECT_TYPES, AuditEvent
from documents.companies import REQUEST_STATUSES
from documents.constants import EDUCATION_FORMS
from documents.guidance import GuidanceDocument
from documents.institutions import Institution
from documents.statements import PracticeStatement
from services import audit, privacy, registry, spreadsheet
from services import reports as svc
from services.clock import format_date, local_today
from services.permissions import can, require, scope, sees_all_institutions

CATEGORY = "Rapportages"
LIST_LIMIT = 500
HISTORY_LIMIT = 100


def _download(name, fmt, headers, rows, sheet_title):
    """The Excel or CSV response (services.spreadsheet writes both); every download is audited."""
    stamp = local_today().strftime("%Y%m%d")
    audit.record(
        "export",
        None,
        object_type="Report",
        label=f"Rapportage {name} ({fmt})",
        changes={"aantal": len(rows), **{k: v for k, v in request.args.items() if k != "formaat"}},
    )
    body, mimetype = spreadsheet.export_body(fmt, headers, rows, sheet_title=sheet_title)
    if fmt == "csv":
        body = stream_with_context(body)  # sent chunk by chunk while it is written
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.{fmt}"'}
    )


def _format():
    fmt = request.args.get("formaat", "")
    if fmt and fmt not in ("xlsx", "csv"):
        abort(404)
    return fmt


def _schools():
    return (
        list(scope(Institution.objects, current_user, field="pk").only("name").order_by("name"))
        if sees_all_institutions(current_user)
        else []
    )


class ReportsView(SecureView):
    capability = "view_reports"

    @expose("/")
    def index(self):
        # The current (Dutch) year by default: last year's table is all zeros for a school that just started.
        this_year = local_today().year
        try:
            year = int(request.args.get("jaar") or this_year)
        except ValueError:
            year = this_year
        year = min(max(year, 2000), this_year)
        fmt = _format()
        if fmt:
            headers, rows = svc.year_matrix_table(current_user, year)
            return _download(f"praktijkverklaringen-per-school-{year}", fmt, headers, rows, f"Definitief {year}")
        forms, rows, totals = svc.year_matrix(current_user, year)
        return self.render(
            "reports/index.html",
            year=year,
            years=list(range(this_year, 2014, -1)),
            forms=forms,
            rows=rows,
            totals=totals,
            sees_all=sees_all_institutions(current_user),
            last_year=this_year - 1,
        )

    def _document_list(self, model, name, title, template_key):
        f = svc.DocumentFilter.from_args(request.args, current_user)
        fmt = _format()
        if f.errors:
            for message in f.errors:
                flash(message, "danger")
            if f.van and f.tot and f.tot < f.van:
                f.van = f.tot = None
        if fmt:
            headers, rows = svc.document_table(model, current_user, f)
            return _download(name, fmt, headers, rows, title)
        rows = svc.document_rows(model, current_user, f, limit=LIST_LIMIT)
        # Counted only when the list is cut off: otherwise the rows are the total (one operation fewer).
        total = len(rows) if len(rows) < LIST_LIMIT else svc.document_query(model, current_user, f).count()
        return self.render(
            "reports/documents.html",
            f=f,
            rows=rows,
            total=total,
            title=title,
            kind=template_key,
            limit=LIST_LIMIT,
            schools=_schools(),
            forms=EDUCATION_FORMS,
            sees_all=sees_all_institutions(current_user),
            args=f.as_args(),
            participant_url=dashboard._participant_url,
        )

    @expose("/praktijkverklaringen")
    def statements(self):
        return self._document_list(PracticeStatement, "praktijkverklaringen", "Praktijkverklaringen", "statements")

    @expose("/begeleidingsdocumenten")
    def guidance(self):
        return self._document_list(GuidanceDocument, "begeleidingsdocumenten", "Begeleidingsdocumenten", "guidance")

    @expose("/deelnemers")
    def participants(self):
        fmt = _format()
        if fmt:
            headers, rows = svc.participant_table(current_user)
            return _download("deelnemers-per-school", fmt, headers, rows, "Deelnemers")
        rows = svc.participant_counts(current_user)
        return self.render(
            "reports/participants.html",
            rows=rows,
            totals={k: sum(r[k] for r in rows) for k in ("active", "archived", "total")},
            url=dashboard._url,
        )

    @expose("/verzoeken")
    def requests(self):
        fmt = _format()
        try:
            van = svc.parse_day(request.args.get("van"), "Van")
            tot = svc.parse_day(request.args.get("tot"), "Tot en met")
        except svc.ReportError as exc:
            flash(str(exc), "danger")
            van = tot = None
        status = request.args.get("status", "")
        if fmt:
            headers, rows = svc.request_table(current_user, van, tot, status)
            return _download("erkenningsverzoeken", fmt, headers, rows, "Verzoeken")
        rows = svc.request_rows(current_user, van, tot, status)
        return self.render(
            "reports/requests.html",
            rows=rows,
            summary=svc.request_summary(rows),
            status=status,
            statuses=REQUEST_STATUSES,
            van=van,
            tot=tot,
            args={k: v for k, v in request.args.items() if k != "formaat"},
        )

    # --- participant: history and AVG export ------------------------------------------------------------

    @expose("/deelnemer/<pid>/avg-export", methods=("POST",))
    def avg_export(self, pid):
        from services.participants import get_participant_for

        require(current_user, "edit_participants")
        participant = get_participant_for(current_user, pid)
        body = privacy.export_zip(current_user._get_current_object(), participant)
        return download(body, f"avg-export-{str(participant.pk)[-8:]}-{local_today():%Y%m%d}.zip", "application/zip")


def history_panel(participant, user):
    """Participant page, order 9: who did what, when, to this participant and its documents."""
    query = AuditEvent.objects(participant_id=participant.pk)
    if not sees_all_institutions(user):
        institution = getattr(user, "institution", None)
        query = query.filter(institution_id=institution.pk if institution else None)
    total = query.count()
    events = list(query.order_by("-at").limit(HISTORY_LIMIT))
    return {
        "order": 9,
        "template": "reports/history_panel.html",
        "events": events,
        "total": total,
        "limit": HISTORY_LIMIT,
        "actions": dict(ACTIONS),
        "may_export": can(user, "edit_participants"),
        "export_url": url_for("reports.avg_export", pid=str(participant.pk)),
        "object_types": dict(OBJECT_TYPES),
    }


@click.command("bewaartermijn")
@click.option("--dry-run", is_flag=True, help="Alleen tonen welke deelnemers geanonimiseerd zouden worden.")
@click.option("--jaren", type=int, default=None, help="Bewaartermijn in jaren (standaard RETENTION_YEARS).")
def retention_command(dry_run, jaren):
    """Anonimiseer gearchiveerde deelnemers zonder definitieve praktijkverklaring na de bewaartermijn."""
    years = current_app.config.get("RETENTION_YEARS", 7) if jaren is None else jaren
    candidates = privacy.apply_retention(years, dry_run=dry_run)
    verb = "zou worden geanonimiseerd" if dry_run else "geanonimiseerd"
    for participant in candidates:
        name = participant.full_name if dry_run else str(participant.pk)
        click.echo(f"{verb}: {name} (gearchiveerd op {format_date(participant.archived_at)}, id {participant.pk})")
    summary = (
        counted(
            "{n} {deelnemer zou|deelnemers zouden} worden" if dry_run else "{n} {deelnemer is|deelnemers zijn}",
            len(candidates),
        )
        + " geanonimiseerd "
        f"(bewaartermijn {years} jaar)."
    )
    if dry_run:
        summary += " Proefdraai: er is niets gewijzigd."
    click.echo(summary)


def register(admin, app):
    """Add this area's views, blueprints and home panels."""
    admin.add_view(ReportsView(name="Overzichten", category=CATEGORY, endpoint="reports", url="/rapportages"))
    dashboard.register(app)
    registry.PARTICIPANT_PANELS.append(history_panel)
    app.cli.add_command(retention_command)
