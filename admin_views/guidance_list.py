"""Begeleidingsdocumenten as a list: filter, search, and act on many at once (Afronden, PDF downloaden).

Composing and reading one document stays in the stap 3 pages (admin_views/guidance.py); rows link there.
"""

from flask import g, url_for
from flask_admin.contrib.mongoengine import filters
from flask_login import current_user

from admin_views.lists import (
    CompanyFilter,
    Outcome,
    ParticipantDocumentListView,
    QualificationFilter,
    ScopedChoiceFilter,
    link,
    scoped_action,
)
from documents.constants import GUIDANCE_STATUSES, label
from documents.guidance import GuidanceDocument
from services import guidance as svc
from services.clock import format_date
from services.permissions import scope

# Rendering a concept PDF takes up to a second: these bounds keep one request inside the server timeout.
MAX_FINALIZE = 50
MAX_PDFS = 30


class TrainerFilter(ScopedChoiceFilter):
    """Praktijkopleider: the trainers the documents in scope were made with."""

    def request_options(self, view):
        docs = scope(GuidanceDocument.objects, current_user)
        names = docs._collection.distinct("snapshot.trainer.name", docs._query)
        return [(n, n) for n in sorted({n for n in names if n}, key=str.lower)]

    def apply(self, query, value):
        return query.filter(__raw__={"snapshot.trainer.name": str(value)})


class GuidanceListView(ParticipantDocumentListView):
    zip_name = "begeleidingsdocumenten.zip"
    empty_selections_shown = True
    capability = "view_participants"
    search_hint = "Naam deelnemer"
    column_list = ("participant", "status", "document_id", "company", "trainer", "qualifications", "created_at")
    column_labels = {
        "participant": "Deelnemer",
        "status": "Status",
        "document_id": "Document",
        "company": "Leerbedrijf",
        "trainer": "Praktijkopleider",
        "qualifications": "Kwalificatie(s)",
        "created_at": "Datum",
        "created_by_name": "Gemaakt door",
        "finalized_at": "Afgerond op",
        "finalized_by_name": "Afgerond door",
        "werkprocessen": "Werkprocessen",
    }
    column_choices = {"status": GUIDANCE_STATUSES}
    column_sortable_list = ("status", "created_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("created_by_name",)  # the search itself is _search (participant names)
    column_filters = (
        filters.FilterEqual("status", "Status", options=GUIDANCE_STATUSES),
        QualificationFilter("selections", "Kwalificatie"),
        CompanyFilter("placement", "Leerbedrijf"),
        TrainerFilter("snapshot", "Praktijkopleider"),
        filters.DateTimeBetweenFilter("created_at", "Datum"),
    )
    column_details_list = (
        "participant",
        "status",
        "document_id",
        "company",
        "trainer",
        "qualifications",
        "werkprocessen",
        "created_by_name",
        "created_at",
        "finalized_at",
        "finalized_by_name",
    )
    can_export = True
    export_types = ("xlsx", "csv")

    # --- cells ---------------------------------------------------------------------------------------------------

    @staticmethod
    def _snapshot_name(model, part):
        return ((model.snapshot or {}).get(part) or {}).get("name", "")

    column_formatters = {
        "participant": lambda v, c, m, n: v.participant_cell(m),
        "document_id": lambda v, c, m, n: link(url_for("guidance.summary", guidance_id=m.pk), m.document_id),
        "company": lambda v, c, m, n: v._snapshot_name(m, "company"),
        "trainer": lambda v, c, m, n: v._snapshot_name(m, "trainer"),
        "qualifications": lambda v, c, m, n: v.qualifications_text(m),
        "werkprocessen": lambda v, c, m, n: m.werkproces_count,
    }
    column_formatters_export = {
        "participant": lambda v, c, m, n: v.participant_name(m),
        "status": lambda v, c, m, n: label(GUIDANCE_STATUSES, m.status),
        "document_id": lambda v, c, m, n: m.document_id,
        "company": lambda v, c, m, n: v._snapshot_name(m, "company"),
        "trainer": lambda v, c, m, n: v._snapshot_name(m, "trainer"),
        "qualifications": lambda v, c, m, n: v.qualifications_text(m),
        "created_at": lambda v, c, m, n: m.created_at,
    }

    def _label(self, doc):
        return f"{self.participant_name(doc)}: {doc.document_id} van {format_date(doc.created_at)}"

    # --- actions -------------------------------------------------------------------------------------------------

    @scoped_action(
        "finalize",
        "Afronden",
        "{n} {begeleidingsdocument|begeleidingsdocumenten} afronden? Een afgerond document kan niet meer worden gewijzigd.",
        limit=MAX_FINALIZE,
        capability="edit_participants",
    )
    def action_finalize(self, ids):
        docs = self.objects(ids)
        user = current_user._get_current_object()
        g.list_row_context = self.row_context(docs)
        outcome = Outcome().run(docs, lambda d: svc.finalize(d, user), self._label)
        return self.show_outcome("Afronden", outcome, done_heading="Afgerond", refused_heading="Niet afgerond")

    @scoped_action("download_pdf", "PDF downloaden", None, limit=MAX_PDFS)
    def action_download_pdf(self, ids):
        return self.download(ids, lambda doc: (svc.pdf_filename(doc), svc.pdf(doc)))


def register(admin, app):
    """Add the list of begeleidingsdocumenten to the menu."""
    admin.add_view(
        GuidanceListView(
            GuidanceDocument,
            name="Begeleidingsdocumenten",
            endpoint="guidance_list",
            url="/lijsten/begeleidingsdocumenten",
        )
    )
