"""Kwalificaties as a read-only list: search on crebo and title, filters on niveau, dossier and validity.

This is the one way to browse the qualification structure: the details page shows the facts, the other versions
and the kerntaken with their werkprocessen (embedded in the kwalificatie); the old /kwalificaties/ pages redirect here.
"""

import re

from flask import request, url_for
from flask_admin import expose
from flask_admin.contrib.mongoengine import filters
from flask_login import current_user
from mongoengine import Q

from admin_views.lists import ScopedChoiceFilter, ScopedListView
from documents.qualifications import Qualification, QualificationDossier
from services.clock import local_today
from services.errors import NotFound
from services.permissions import can
from services.qualifications import get_qualification, versions_of
from services.text import fold

ENDPOINT = "qualification_list"

LEVELS = tuple((str(n), f"Niveau {n}") for n in range(1, 5))
CURRENT = "current"
VALIDITY = (
    (CURRENT, "Geldende versie"),
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
    """Geldigheid: the newest version (open or closed for intake), open for intake, intake closed, or an earlier one."""

    def __init__(self, column, name):
        super().__init__(column, name, options=VALIDITY)

    def validate(self, value):
        return value in dict(VALIDITY)

    def operation(self):
        return "is"

    def apply(self, query, value):
        today = local_today()
        if value == "earlier":
            return query.filter(superseded=True)
        if value == CURRENT:
            return query.filter(superseded=False)
        if value == "closed":
            return query.filter(superseded=False, end_intake__lte=today)
        return query.filter(Q(superseded=False) & (Q(end_intake=None) | Q(end_intake__gt=today)))


class QualificationListView(ScopedListView):
    capability = "view_registry"
    scope_field = None  # the qualification structure is the same for every school
    search_hint = "Crebo of woorden uit de titel"
    menu_filters = {"end_intake": CURRENT}  # Geldigheid: the menu opens on the versions in force
    column_list = ("crebo", "title", "level", "dossier_title", "version", "valid_from", "end_intake", "superseded")
    column_sortable_list = ("crebo", ("title", "title_key"), "level", "valid_from", "end_intake")
    column_default_sort = [("title_key", False), ("crebo", False)]
    column_searchable_list = ("crebo", "title")
    column_filters = (
        filters.IntEqualFilter("level", "Niveau", options=LEVELS),
        DossierFilter("dossier_crebo", "Kwalificatiedossier"),
        ValidityFilter("end_intake", "Geldigheid"),
    )
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
        return get_qualification(id)

    @expose("/details/")
    def details_view(self):
        """The kwalificatie with its versions, kerntaken and werkprocessen (omschrijving, resultaat, gedrag)."""
        qualification = self.get_one(request.args.get("id", ""))
        if qualification is None:
            raise NotFound("Deze kwalificatie bestaat niet (meer).")
        return self.render(
            "qualifications/details.html",
            qualification=qualification,
            versions=versions_of(qualification.crebo),
            today=local_today(),
            return_url=self.get_url(".index_view"),
        )

    def header_links(self):
        """Links beside the list's menu bar (templates/lists/list.html): the XML import for SBB admins."""
        if not can(current_user, "manage_registry"):
            return []
        return [("import-link", url_for("qualification_import.index"), "fa-upload", "XML-bestand van SBB importeren")]

    def _search(self, query, search_term):
        words = [w for w in re.split(r"[^0-9a-z]+", fold(search_term)) if w]
        condition = Q()
        for word in words[:6]:
            if word.isdigit():
                condition &= Q(crebo__startswith=word)
            else:
                condition &= Q(title_words=re.compile("^" + re.escape(word)))
        return query.filter(condition)


def list_url(search=None, validity=None, page=None):
    """The list searched on `search`, filtered on a Geldigheid option, at a page (0-based)."""
    args = {k: v for k, v in (("search", search), ("page", page)) if v}
    return url_for(f"{ENDPOINT}.index_view", **args, **QualificationListView.filter_args(end_intake=validity))


def details_url(qualification_id):
    return url_for(f"{ENDPOINT}.details_view", id=str(qualification_id))


def register(admin, app):
    """Add the list of kwalificaties to the Kwalificaties menu."""
    admin.add_view(
        QualificationListView(
            Qualification,
            name="Kwalificaties zoeken",
            category="Kwalificaties",
            endpoint=ENDPOINT,
            url="/lijsten/kwalificaties",
        )
    )
