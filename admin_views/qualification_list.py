"""Kwalificaties as a read-only list: search on crebo and title, filters on niveau, dossier and validity.

The details page shows the kerntaken with their werkprocessen (embedded in the kwalificatie).
"""

import re
from datetime import date

from flask_admin.contrib.mongoengine import filters
from markupsafe import Markup, escape
from mongoengine import Q

from admin_views.lists import ScopedChoiceFilter, ScopedListView
from documents.qualifications import Qualification, QualificationDossier
from services.text import fold

LEVELS = tuple((str(n), f"Niveau {n}") for n in range(1, 5))
VALIDITY = (
    ("open", "Open voor instroom"),
    ("closed", "Instroom gesloten"),
    ("earlier", "Voorgaande versie"),
)


class DossierFilter(ScopedChoiceFilter):
    """Kwalificatiedossier: every dossier crebo with the title of its newest version."""

    def request_options(self, view):
        titles = {}
        for dossier in QualificationDossier.objects.only("crebo", "title", "superseded").order_by("superseded"):
            titles.setdefault(dossier.crebo, dossier.title)
        return sorted(((crebo, f"{crebo} {title}") for crebo, title in titles.items()), key=lambda o: o[1].lower())

    def apply(self, query, value):
        return query.filter(dossier_crebo=str(value))


class ValidityFilter(filters.BaseMongoEngineFilter):
    """Geldigheid: open for intake, intake closed (newest versions), or an earlier version."""

    def __init__(self, column, name):
        super().__init__(column, name, options=VALIDITY)

    def validate(self, value):
        return value in dict(VALIDITY)

    def operation(self):
        return "is"

    def apply(self, query, value):
        today = date.today()
        if value == "earlier":
            return query.filter(superseded=True)
        if value == "closed":
            return query.filter(superseded=False, end_intake__lte=today)
        return query.filter(Q(superseded=False) & (Q(end_intake=None) | Q(end_intake__gt=today)))


def _core_tasks(view, context, model, name):
    """Kerntaken with their werkprocessen, as nested lists."""
    items = []
    for task in model.core_tasks:
        processes = "".join(f"<li>{escape(wp.code)} {escape(wp.title)}</li>" for wp in task.work_processes)
        items.append(f"<li><strong>{escape(task.code)} {escape(task.title)}</strong><ul>{processes}</ul></li>")
    return Markup(f"<ul class='pl-3 mb-0' id='core-tasks'>{''.join(items)}</ul>")


class QualificationListView(ScopedListView):
    capability = "view_registry"
    scope_field = None  # the qualification structure is the same for every school
    search_hint = "Crebo of woorden uit de titel"
    column_list = ("crebo", "title", "level", "dossier_title", "version", "valid_from", "end_intake", "superseded")
    column_labels = {
        "level": "Niveau",
        "dossier_title": "Kwalificatiedossier",
        "superseded": "Voorgaande versie",
        "core_tasks": "Kerntaken en werkprocessen",
    }
    column_sortable_list = ("crebo", ("title", "title_key"), "level", "valid_from", "end_intake")
    column_default_sort = [("title_key", False), ("crebo", False)]
    column_searchable_list = ("crebo", "title")
    column_filters = (
        filters.IntEqualFilter("level", "Niveau", options=LEVELS),
        DossierFilter("dossier_crebo", "Kwalificatiedossier"),
        ValidityFilter("end_intake", "Geldigheid"),
    )
    column_details_list = (
        "crebo",
        "title",
        "level",
        "dossier_crebo",
        "dossier_title",
        "version",
        "valid_from",
        "end_intake",
        "end_training",
        "superseded",
        "work_process_count",
        "core_tasks",
    )
    column_formatters_detail = {"core_tasks": _core_tasks}
    can_export = True
    export_types = ("xlsx", "csv")
    column_export_list = (
        "crebo",
        "title",
        "level",
        "dossier_crebo",
        "dossier_title",
        "version",
        "valid_from",
        "end_intake",
        "end_training",
        "superseded",
    )

    def get_query(self):
        return super().get_query().exclude("core_tasks")

    def get_one(self, id):
        # The details page needs the embedded structure the list leaves out.
        from services.qualifications import get_qualification

        return get_qualification(id)

    def _search(self, query, search_term):
        words = [w for w in re.split(r"[^0-9a-z]+", fold(search_term)) if w]
        condition = Q()
        for word in words[:6]:
            if word.isdigit():
                condition &= Q(crebo__startswith=word)
            else:
                condition &= Q(title_words=re.compile("^" + re.escape(word)))
        return query.filter(condition)


def register(admin, app):
    """Add the list of kwalificaties to the Kwalificaties menu."""
    admin.add_view(
        QualificationListView(
            Qualification,
            name="Lijst",
            category="Kwalificaties",
            endpoint="qualification_list",
            url="/lijsten/kwalificaties",
        )
    )
