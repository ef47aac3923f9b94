"""Praktijkverklaringen as a list: filter, search, and act on many at once (Definitief maken, PDF, Verwijderen).

Making, changing and reading one statement stays in the stap 4 pages (admin_views/statements.py); rows link there.
"""

from datetime import date

from flask import g, url_for
from flask_admin.contrib.mongoengine import filters
from flask_login import current_user
from mongoengine import Q

from admin_views.lists import (
    CurrentCompanyFilter,
    Outcome,
    ParticipantDocumentListView,
    QualificationFilter,
    ScopedChoiceFilter,
    ScopedListView,
    link,
    scoped_action,
)
from documents.constants import EDUCATION_FORMS, STATEMENT_STATUSES, label
from documents.finality import FINAL
from documents.statements import PracticeStatement
from services import statements as svc
from services.clock import format_date, local, local_today, utc_of_local
from services.ids import ref_id
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


class StatementListView(ParticipantDocumentListView):
    zip_name = "praktijkverklaringen.zip"
    heavy_fields = ("pdf_inline", "company_logo_inline")
    capability = "view_participants"
    search_hint = "Naam deelnemer of nummer"
    column_list = ("participant", "status", "number", "education_form", "company", "qualifications", "date")
    column_labels = {
        "participant": "Deelnemer",
        "status": "Status",
        "number": "Nummer",
        "company": "Leerbedrijf",
        "qualifications": "Kwalificatie(s)",
        "date": "Datum",
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

    def get_query(self):
        if g.get("list_exporting"):  # an export reads only what its columns show (of the snapshot: the company)
            return ScopedListView.get_query(self).only(*EXPORT_FIELDS)
        return super().get_query()

    def _file_name(self, statement):
        person = self.participant_name(statement).replace(" ", "-")
        # The name may hold any letter, "/" or "..": core.filenames makes it safe for the header and the ZIP.
        if statement.status == FINAL:
            return f"praktijkverklaring-{statement.number}-{person}.pdf"
        return f"praktijkverklaring-concept-{person}.pdf"

    def search_also(self, term):
        return Q(number__icontains=term)

    # --- cells ---------------------------------------------------------------------------------------------------

    def row_context(self, rows):
        without_own = [self.participant_id(r) for r in rows if not (r.snapshot or {}).get("company")]
        companies = current_company_names(without_own) if without_own else {}
        return {**super().row_context(rows), "companies": companies}

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

    def _date(view, context, model, name):
        return format_date(model.finalized_at or model.created_at)

    column_formatters = {
        "participant": lambda v, c, m, n: v.participant_cell(m),
        "number": _number,
        "company": lambda v, c, m, n: v._company_text(m),
        "qualifications": lambda v, c, m, n: v.qualifications_text(m),
        "date": _date,
        "education_form": lambda v, c, m, n: label(EDUCATION_FORMS, m.education_form),
    }
    column_formatters_export = {
        "participant": lambda v, c, m, n: v.participant_name(m),
        "status": lambda v, c, m, n: label(STATEMENT_STATUSES, m.status),
        "number": lambda v, c, m, n: m.number or "",
        "education_form": lambda v, c, m, n: label(EDUCATION_FORMS, m.education_form),
        "company": lambda v, c, m, n: v._company_text(m),
        "qualifications": lambda v, c, m, n: v.qualifications_text(m),
        "date": lambda v, c, m, n: m.finalized_at or m.created_at,
    }

    def _label(self, statement):
        name = self.participant_name(statement)
        if statement.status == FINAL:
            return f"{name}: {statement.number}"
        return f"{name}: concept van {format_date(statement.created_at)}"

    # --- actions -------------------------------------------------------------------------------------------------

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
        return self.download(
            ids, lambda one: (self._file_name(one), svc.final_pdf(one) if one.status == FINAL else svc.concept_pdf(one))
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
