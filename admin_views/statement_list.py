"""Praktijkverklaringen as a list: filter, search, and act on many at once (Definitief maken, PDF, Verwijderen).

Making, changing and reading one statement stays in the stap 4 pages (admin_views/statements.py); rows link there.
"""

from datetime import date

from flask import Response, g, url_for
from flask_admin.contrib.mongoengine import filters
from flask_login import current_user
from mongoengine import Q

from admin_views.lists import (
    CurrentCompanyFilter,
    Outcome,
    QualificationFilter,
    ScopedChoiceFilter,
    ScopedListView,
    link,
    participant_names,
    qualification_titles,
    reasons_of,
    scoped_action,
    zip_bytes,
)
from core.filenames import attachment
from core.text import fold
from documents.constants import EDUCATION_FORMS, STATEMENT_STATUSES, label
from documents.finality import FINAL
from documents.participants import Participant
from documents.statements import PracticeStatement
from services import statements as svc
from services.clock import format_date, local, local_today, utc_of_local
from services.ids import ref_id
from services.participants import search_filter
from services.permissions import scope
from services.placements import current_company_names

# Rendering a PDF takes about a third of a second: these bounds keep one request well inside the server timeout.
MAX_FINALIZE = 50
MAX_PDFS = 50
# Years a filter value may name: a date outside these is a typing error (and year 0 or 10000 cannot be a date).
FIRST_YEAR, LAST_YEAR = 1900, 2200


class YearFilter(ScopedChoiceFilter):
    """Jaar: the year it was made final (a concept: the year it was started)."""

    def request_options(self, view):
        this_year = local_today().year
        first = scope(PracticeStatement.objects, current_user).only("created_at").order_by("created_at").first()
        start = local(first.created_at).year if first is not None and first.created_at else this_year
        return [(str(y), str(y)) for y in range(this_year, start - 1, -1)]

    def validate(self, value):
        value = str(value)
        return value.isdigit() and len(value) == 4 and FIRST_YEAR <= int(value) <= LAST_YEAR

    def apply(self, query, value):
        if not self.validate(value):  # the actions and the export apply the filter too: nothing matches
            return query.none()
        # A Dutch year: 1 January 00:30 in Amsterdam is still 31 December in UTC.
        start, end = utc_of_local(date(int(value), 1, 1)), utc_of_local(date(int(value) + 1, 1, 1))
        return query.filter(
            Q(finalized_at__gte=start, finalized_at__lt=end)
            | Q(finalized_at=None, created_at__gte=start, created_at__lt=end)
        )


def _file_name(statement, names):
    person = (names.get(ref_id(statement._data.get("participant"))) or "deelnemer").replace(" ", "-")
    # The name may hold any letter, "/" or "..": core.filenames makes it safe for the header and the ZIP.
    if statement.status == FINAL:
        return f"praktijkverklaring-{statement.number}-{person}.pdf"
    return f"praktijkverklaring-concept-{person}.pdf"


EXPORT_FIELDS = (
    "institution",
    "participant",
    "status",
    "number",
    "education_form",
    "snapshot.company",
    "selections",
    "finalized_at",
    "created_at",
)


class StatementListView(ScopedListView):
    capability = "view_participants"
    search_hint = "Naam deelnemer of nummer"
    column_list = ("participant", "status", "number", "education_form", "company", "qualifications", "date")
    column_labels = {
        "participant": "Deelnemer",
        "status": "Status",
        "number": "Nummer",
        "education_form": "Onderwijsvorm",
        "company": "Leerbedrijf",
        "qualifications": "Kwalificatie(s)",
        "date": "Datum",
        "bpv_hours": "BPV-uren",
        "created_by_name": "Gemaakt door",
        "created_at": "Aangemaakt op",
        "finalized_at": "Definitief op",
        "finalized_by_name": "Definitief gemaakt door",
        "verification_code": "Verificatiecode",
        "pdf_sha256": "SHA-256 van de PDF",
    }
    column_choices = {"status": STATEMENT_STATUSES, "education_form": EDUCATION_FORMS}
    column_sortable_list = ("status", "number", "education_form", ("date", "created_at"))
    column_default_sort = ("created_at", True)
    # Search goes through _search (participant names, accent- and case-blind; the number); this enables the box.
    column_searchable_list = ("number",)
    column_filters = (
        filters.FilterEqual("status", "Status", options=STATEMENT_STATUSES),
        YearFilter("finalized_at", "Jaar"),
        filters.FilterEqual("education_form", "Onderwijsvorm", options=EDUCATION_FORMS),
        CurrentCompanyFilter("placement", "Leerbedrijf"),
        QualificationFilter("selections", "Kwalificatie"),
    )
    column_details_list = (
        "participant",
        "status",
        "number",
        "education_form",
        "bpv_hours",
        "company",
        "qualifications",
        "created_by_name",
        "created_at",
        "finalized_at",
        "finalized_by_name",
        "verification_code",
        "pdf_sha256",
    )
    can_export = True
    export_types = ("xlsx", "csv")
    column_export_list = ("participant", "status", "number", "education_form", "company", "qualifications", "date")

    def get_query(self):
        # Neither the PDF nor the logo bytes are needed to list or act; each action loads what it needs.
        # Bytes live in StoredFiles now; this leaves out the inline copies of statements made before that.
        if g.get("list_exporting"):  # an export reads only what its columns show (of the snapshot: the company)
            return super().get_query().only(*EXPORT_FIELDS)
        return super().get_query().exclude("pdf_inline", "company_logo_inline")

    def _search(self, query, search_term):
        term = (search_term or "").strip()
        if not any(ch.isalnum() for ch in fold(term)):  # punctuation only: no name, else every participant matched
            return query.filter(number__icontains=term)
        people = scope(Participant.objects, current_user).filter(search_filter(term)).scalar("id")
        return query.filter(Q(participant__in=list(people)) | Q(number__icontains=term))

    # --- cells ---------------------------------------------------------------------------------------------------

    def row_context(self, rows):
        pids = [ref_id(r._data.get("participant")) for r in rows]
        without_own = [pid for r, pid in zip(rows, pids, strict=True) if not (r.snapshot or {}).get("company")]
        return {
            "rows": {str(r.pk) for r in rows},
            "names": participant_names(pids),
            "companies": current_company_names(without_own) if without_own else {},
            "titles": qualification_titles(s.crebo for r in rows for s in r.selections),
        }

    def _participant(view, context, model, name):
        names = view.context_for(model)["names"]
        pid = ref_id(model._data.get("participant"))
        return link(url_for("participants.details", pid=pid), names.get(pid, "(onbekend)"))

    def _number(view, context, model, name):
        if model.status == FINAL:
            return link(url_for("statements.done", sid=model.pk), model.number)
        return link(url_for("statements.summary", sid=model.pk), "concept: verder invullen")

    def _company_text(view, model):
        made_with = ((model.snapshot or {}).get("company") or {}).get("name")
        if made_with:
            return made_with
        companies = view.context_for(model)["companies"]
        pid = ref_id(model._data.get("participant"))
        return companies.get(pid, companies.get(str(pid), "")) or ""

    def _qualifications_text(view, model):
        titles = view.context_for(model)["titles"]
        return "; ".join(f"{s.crebo} {titles.get(s.crebo, '')}".strip() for s in model.selections if s.codes)

    def _date(view, context, model, name):
        return format_date(model.finalized_at or model.created_at)

    column_formatters = {
        "participant": _participant,
        "number": _number,
        "company": lambda v, c, m, n: v._company_text(m),
        "qualifications": lambda v, c, m, n: v._qualifications_text(m),
        "date": _date,
        "education_form": lambda v, c, m, n: label(EDUCATION_FORMS, m.education_form),
    }
    column_formatters_export = {
        "participant": lambda v, c, m, n: v.context_for(m)["names"].get(ref_id(m._data.get("participant")), ""),
        "status": lambda v, c, m, n: label(STATEMENT_STATUSES, m.status),
        "number": lambda v, c, m, n: m.number or "",
        "education_form": lambda v, c, m, n: label(EDUCATION_FORMS, m.education_form),
        "company": lambda v, c, m, n: v._company_text(m),
        "qualifications": lambda v, c, m, n: v._qualifications_text(m),
        "date": lambda v, c, m, n: m.finalized_at or m.created_at,
    }

    def _export_data(self):
        count, data = super()._export_data()
        data = list(data)
        g.list_row_context = self.row_context(data)
        return count, data

    def _label(self, statement):
        name = self.context_for(statement)["names"].get(ref_id(statement._data.get("participant")), "(onbekend)")
        if statement.status == FINAL:
            return f"{name}: {statement.number}"
        return f"{name}: concept van {format_date(statement.created_at)}"

    # --- actions -------------------------------------------------------------------------------------------------

    def _full(self, ids):
        """The statements with every field (the list query leaves the PDF out), still through the scope."""
        wanted = {str(s.pk) for s in self.objects(ids)}
        found = {str(s.pk): s for s in scope(PracticeStatement.objects, current_user).filter(pk__in=list(wanted))}
        return [found[i] for i in ids if i in found]

    @scoped_action(
        "finalize",
        "Definitief maken",
        "{n} {praktijkverklaring|praktijkverklaringen} definitief maken? Daarna kan er niets meer worden gewijzigd.",
        limit=MAX_FINALIZE,
        capability="edit_participants",
    )
    def action_finalize(self, ids):
        statements = self.objects(ids)
        user = current_user._get_current_object()
        g.list_row_context = self.row_context(statements)
        outcome = Outcome().run(
            statements, lambda s: svc.finalize(s, user), self._label, note=lambda final: final.number
        )
        return self.show_outcome(
            "Definitief maken",
            outcome,
            done_heading="Definitief gemaakt",
            refused_heading="Niet definitief gemaakt",
            note_heading="Nummer",
        )

    @scoped_action("download_pdf", "PDF downloaden", None, limit=MAX_PDFS)
    def action_download_pdf(self, ids):
        statements = self._full(ids)
        g.list_row_context = context = self.row_context(statements)
        files, outcome = [], Outcome()
        for statement in statements:
            try:
                data = svc.final_pdf(statement) if statement.status == FINAL else svc.concept_pdf(statement)
            except svc.StatementError as exc:
                outcome.refused.append((self._label(statement), reasons_of(exc)))
                continue
            files.append((_file_name(statement, context["names"]), data))
            outcome.done.append((self._label(statement), ""))
        if not files:
            return self.show_outcome(
                "PDF downloaden", outcome, done_heading="Gedownload", refused_heading="Geen PDF gemaakt"
            )
        if len(statements) == 1:
            return Response(
                files[0][1],
                mimetype="application/pdf",
                headers={"Content-Disposition": attachment(files[0][0]), "Cache-Control": "no-store"},
            )
        if outcome.refused:
            lines = [f"{item}: {' '.join(reasons)}" for item, reasons in outcome.refused]
            files.append(("niet-opgenomen.txt", ("Niet opgenomen:\r\n" + "\r\n".join(lines) + "\r\n").encode()))
        return Response(
            zip_bytes(files),
            mimetype="application/zip",
            headers={
                "Content-Disposition": 'attachment; filename="praktijkverklaringen.zip"',
                "Cache-Control": "no-store",
            },
        )

    @scoped_action(
        "remove",
        "Verwijderen",
        "{n} {praktijkverklaring|praktijkverklaringen} verwijderen? Alleen wie een verklaring maakte, kan hem verwijderen.",
        capability="edit_participants",
    )
    def action_remove(self, ids):
        statements = self.objects(ids)
        user = current_user._get_current_object()
        g.list_row_context = self.row_context(statements)
        outcome = Outcome().run(statements, lambda s: svc.delete_statement(s, user), self._label)
        return self.report(
            "Verwijderen",
            outcome,
            done_text="{n} {praktijkverklaring|praktijkverklaringen} verwijderd.",
            done_heading="Verwijderd",
            refused_heading="Niet verwijderd",
        )


def register(admin, app):
    """Add the list of praktijkverklaringen to the menu."""
    admin.add_view(
        StatementListView(
            PracticeStatement,
            name="Praktijkverklaringen",
            endpoint="statement_list",
            url="/lijsten/praktijkverklaringen",
        )
    )
