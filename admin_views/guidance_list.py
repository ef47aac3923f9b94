"""Begeleidingsdocumenten as a list: filter, search, and act on many at once (Afronden, PDF downloaden).

Composing and reading one document stays in the stap 3 pages (admin_views/guidance.py); rows link there.
"""

from flask import Response, g, url_for
from flask_admin.contrib.mongoengine import filters
from flask_login import current_user
from mongoengine import Q

from admin_views.lists import (
    CompanyFilter,
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
from documents.constants import GUIDANCE_STATUSES, label
from documents.guidance import GuidanceDocument
from services import guidance as svc
from services.clock import format_date
from services.ids import ref_id
from services.participants import search_filter
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


class GuidanceListView(ScopedListView):
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
    column_export_list = ("participant", "status", "document_id", "company", "trainer", "qualifications", "created_at")

    def get_query(self):
        heavy = [name for name in ("pdf",) if name in self.model._fields]
        query = super().get_query()
        return query.exclude(*heavy) if heavy else query

    def _search(self, query, search_term):
        from documents.participants import Participant

        if not any(ch.isalnum() for ch in fold(search_term or "")):  # punctuation only: no name to look for
            # (search_filter would then match every participant in scope, all of them in one $in list)
            return query
        people = scope(Participant.objects, current_user).filter(search_filter(search_term or "")).scalar("id")
        return query.filter(Q(participant__in=list(people)))

    # --- cells ---------------------------------------------------------------------------------------------------

    def row_context(self, rows):
        return {
            "rows": {str(r.pk) for r in rows},
            "names": participant_names(ref_id(r._data.get("participant")) for r in rows),
            "titles": qualification_titles(s.crebo for r in rows for s in r.selections),
        }

    def _name(self, model):
        names = self.context_for(model)["names"]
        return names.get(ref_id(model._data.get("participant"))) or (model.snapshot or {}).get("participant", {}).get(
            "full_name", "(onbekend)"
        )

    def _qualifications_text(self, model):
        titles = self.context_for(model)["titles"]
        return "; ".join(f"{s.crebo} {titles.get(s.crebo, '')}".strip() for s in model.selections)

    @staticmethod
    def _snapshot_name(model, part):
        return ((model.snapshot or {}).get(part) or {}).get("name", "")

    column_formatters = {
        "participant": lambda v, c, m, n: link(
            url_for("participants.details", pid=ref_id(m._data.get("participant"))), v._name(m)
        ),
        "document_id": lambda v, c, m, n: link(url_for("guidance.summary", guidance_id=m.pk), m.document_id),
        "company": lambda v, c, m, n: v._snapshot_name(m, "company"),
        "trainer": lambda v, c, m, n: v._snapshot_name(m, "trainer"),
        "qualifications": lambda v, c, m, n: v._qualifications_text(m),
        "werkprocessen": lambda v, c, m, n: m.werkproces_count,
    }
    column_formatters_export = {
        "participant": lambda v, c, m, n: v._name(m),
        "status": lambda v, c, m, n: label(GUIDANCE_STATUSES, m.status),
        "document_id": lambda v, c, m, n: m.document_id,
        "company": lambda v, c, m, n: v._snapshot_name(m, "company"),
        "trainer": lambda v, c, m, n: v._snapshot_name(m, "trainer"),
        "qualifications": lambda v, c, m, n: v._qualifications_text(m),
        "created_at": lambda v, c, m, n: m.created_at,
    }

    def _export_data(self):
        count, data = super()._export_data()
        data = list(data)
        g.list_row_context = self.row_context(data)
        return count, data

    def _label(self, doc):
        return f"{self._name(doc)}: {doc.document_id} van {format_date(doc.created_at)}"

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
        docs = [d for d in scope(GuidanceDocument.objects, current_user).filter(pk__in=ids)]
        order = {i: n for n, i in enumerate(ids)}
        docs.sort(key=lambda d: order.get(str(d.pk), 0))
        g.list_row_context = self.row_context(docs)
        files, outcome = [], Outcome()
        for doc in docs:
            try:
                files.append((svc.pdf_filename(doc), svc.pdf(doc)))
            except svc.GuidanceError as exc:
                outcome.refused.append((self._label(doc), reasons_of(exc)))
        if not files:
            return self.show_outcome(
                "PDF downloaden", outcome, done_heading="Gedownload", refused_heading="Geen PDF gemaakt"
            )
        if len(docs) == 1:
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
                "Content-Disposition": 'attachment; filename="begeleidingsdocumenten.zip"',
                "Cache-Control": "no-store",
            },
        )


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
