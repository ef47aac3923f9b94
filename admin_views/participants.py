"""Stap 1 Deelnemers: the deelnemersoverzicht as a Flask-Admin list (Actueel/Archief), the new/edit forms, the
participant page and the bulk import. Thin: read input, call services.participants / services.participant_import.

Endpoints other areas may link to:
  participants.index_view               the deelnemersoverzicht (?tab=archief; Flask-Admin's search, filters, sort)
  participants.index                    the same list by its old query parameters (tab, q, groep, school, sort,
                                        aantal, pagina): those are turned into the new ones by a redirect
  participants.details(pid)             the participant page (steps 2-4 add panels through the registry)
  participants.edit(pid)                edit the participant's data
  participants.new_intro                "+ Nieuwe deelnemer" (explanation, then the form)
  participant_import.index              "Bulk import"
"""

import hashlib
from urllib.parse import urlencode

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from jinja2 import pass_context
from markupsafe import Markup
from wtforms import HiddenField, StringField

from admin_views.base import SecureView
from admin_views.filters import aantal
from admin_views.forms import download, uploaded
from admin_views.lists import (
    CURSOR_ARG,
    ScopedChoiceFilter,
    ScopedListView,
    decode_cursor,
    encode_cursor,
    keyset_filter,
    link,
    scoped_action,
)
from core.text import counted, fold
from documents.institutions import Institution
from documents.participants import Participant
from services import audit, participant_overview, placements, registry, spreadsheet
from services import participant_import as importer
from services import participants as svc
from services.clock import format_date, local_today
from services.ids import parse_object_id, ref_id
from services.permissions import can, require, sees_all_institutions
from services.urls import local_url

CATEGORY = "Deelnemers"
ACTUEEL, ARCHIEF = "actueel", "archief"
# Rendering the delete confirmation asks every area what goes with each participant: a few queries per person.
MAX_DELETE = 250
# Exporting the ticked rows (or all that match) loads them by id; the list's own export has no such bound.
MAX_EXPORT_SELECTION = 10000
# A page opened by its number (no cursor) skips rows: at most this many, counted from the nearer end of the list.
MAX_SKIP_ROWS = 5000
# The old overview's sort keys (query parameter `sort`) and the list column each one sorts now.
OLD_SORTS = {"naam": "name", "geboortedatum": "birth_date", "groep": "group", "toegevoegd": "created_at"}


class ParticipantForm(FlaskForm):
    first_name = StringField("Voornaam")
    infix = StringField("Tussenvoegsel")
    last_name = StringField("Achternaam")
    birth_date = StringField("Geboortedatum")
    birth_place = StringField("Geboorteplaats")
    group = StringField("Groep")
    student_number = StringField("Leerlingnummer")
    email = StringField("E-mailadres")
    version = HiddenField()

    def values(self):
        """The typed values; services.participants checks and converts them (the date too)."""
        return {name: getattr(self, name).data for name, _label in svc.EDITABLE_FIELDS}


def _tab():
    """The tab of this request: the list, its export and its actions all read it from the query string."""
    return ARCHIEF if request.args.get("tab") == ARCHIEF else ACTUEEL


def _schools():
    """{school id: name}, read once per request (the school filter and the school column share it)."""
    if "participant_schools" not in g:
        g.participant_schools = {s.pk: s.name for s in Institution.objects.only("name").order_by("name")}
    return g.participant_schools


class GroupFilter(ScopedChoiceFilter):
    """Groep: the groups in the user's scope; matches accent- and case-blind, as the old filter did."""

    def request_options(self, view):
        return [(group, group) for group in svc.groups_for(current_user)]

    def apply(self, query, value):
        return query.filter(group_key=fold(value))


class SchoolFilter(ScopedChoiceFilter):
    """School, for SBB: one school's participants. For school staff the scope is their school already."""

    def request_options(self, view):
        return list(_schools().items()) if sees_all_institutions(current_user) else []

    def apply(self, query, value):
        if not sees_all_institutions(current_user):
            return query
        oid = parse_object_id(value)
        return query.filter(institution=oid) if oid else query.none()


def _name_cell(view, context, model, name):
    text = f"{model.last_name}, {model.first_name}" + (f" {model.infix}" if model.infix else "")
    return link(url_for("participants.details", pid=model.pk), text, css="participant-link")


def _remove_cell(view, context, model, name):
    return link(
        url_for("participants.delete_one", pid=model.pk),
        Markup('<i class="fa fa-trash" aria-hidden="true"></i>'),
        css="text-danger",
        title="Definitief verwijderen",
        label=f"{model.full_name} definitief verwijderen",
    )


class ParticipantsView(ScopedListView):
    """The deelnemersoverzicht (tabs Actueel and Archief) and the pages of one participant."""

    capability = "view_participants"
    list_template = "participants/list.html"
    search_hint = "Zoek op voor- of achternaam"
    can_view_details = False  # the name links to the participant page, which shows the steps as well
    can_export = True
    export_types = ("xlsx", "csv")
    page_size_options = (20, 50, 100, 250)
    column_list = ("name", "birth_date", "group", "created_at")  # the columns of a request: _list_columns
    column_labels = {
        "name": "Naam",
        "school": "School",
        "created_at": "Toegevoegd",
        "remove": "Verwijderen",
    }
    # Sorted on the denormalised fields the document keeps (folded names, folded group), then by name.
    column_sortable_list = (("name", "sort_name"), "birth_date", ("group", "group_key"), "created_at")
    column_default_sort = [("sort_name", False)]
    # Search goes through _search (every typed word starts a name word, accent- and case-blind); this shows the box.
    column_searchable_list = ("last_name",)
    column_filters = (GroupFilter("group", "Groep"), SchoolFilter("institution", "School"))
    column_formatters = {
        "name": _name_cell,
        "group": lambda v, c, m, n: m.group or "",
        "school": lambda v, c, m, n: _schools().get(ref_id(m._data.get("institution")), ""),
        "created_at": lambda v, c, m, n: format_date(m.created_at),
        "remove": _remove_cell,
    }

    # --- the list ----------------------------------------------------------------------------------------------

    def get_query(self):
        query = super().get_query().no_dereference()
        return query.archived() if _tab() == ARCHIEF else query.active()

    def _search(self, query, search_term):
        return query.filter(svc.search_filter(search_term)) if fold(search_term or "") else query

    def sort_keys(self, field, descending):
        """[(db field, descending)] of the list's order: the column, then the name, then _id so ties have an order.

        The ties follow the column's direction, so that one index (column, sort_name, _id) serves both directions.
        """
        keys = [(field, bool(descending))] if field and field != "sort_name" else []
        keys.append(("sort_name", bool(descending) if field else False))
        return [*keys, ("_id", keys[-1][1])]

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        field = self._sortable_columns.get(sort_column) if sort_column else None
        count, query = super().get_list(None, field, sort_desc, search, filters, execute=False, page_size=0)
        keys = self.sort_keys(field, sort_desc)
        query = query.order_by(*_order(keys))
        size = self.page_size if page_size is None else page_size
        page = max(page or 0, 0)  # a negative page would be a negative skip, which MongoDB refuses
        if not size:  # the export and the actions' "all that match": every row, in the list's order
            return (count, list(query)) if execute and not g.get("list_exporting") else (count, query)
        query, reverse = self._page_of(query, keys, page or 0, size, count)
        if not execute:
            return count, query
        rows = list(query)
        if reverse:
            rows.reverse()
        if page and count and page * size >= count:  # past the last page: ScopedListView.render leads there
            g.list_last_page = (count - 1) // size  # (a page refused as too deep is said, not redirected)
        self._remember_cursors(keys, page or 0, size, rows)
        return count, rows

    def _page_of(self, query, keys, page, size, count):
        """(query for this page, whether its rows come in reverse): by cursor when the link carried one, else skip.

        A page reached by "next" or "previous" starts after (ends before) a row of the page before: a range on the
        index, whatever the depth. A page jumped to by its number skips rows, from whichever end is nearer, and at
        most MAX_SKIP_ROWS of them.
        """
        g.participant_list_too_deep = False
        cursor = decode_cursor(request.args.get(CURSOR_ARG, ""), page, _fingerprint()) if page else None
        values = self._boundary_values(keys, cursor[1]) if cursor is not None else None
        if values is not None:
            forward = cursor[0]
            query = query.filter(__raw__=keyset_filter(keys, values, forward))
            if forward:
                return query.limit(size), False
            return query.order_by(*_order(keys, reverse=True)).limit(size), True
        offset = page * size
        if count is not None and offset >= count:
            return query.none(), False
        after = None if count is None else count - min(offset + size, count)  # rows below this page
        if after is not None and after < offset:  # nearer the end: the last pages walk the index backwards
            if after > MAX_SKIP_ROWS:
                g.participant_list_too_deep = True
                return query.none(), False
            return query.order_by(*_order(keys, reverse=True)).skip(after).limit(count - after - offset), True
        if offset > MAX_SKIP_ROWS:
            g.participant_list_too_deep = True
            return query.none(), False
        return query.skip(offset).limit(size), False

    def _boundary_values(self, keys, boundary_id):
        """The sort key values of the cursor's row, read by _id within this user's scope; None when it is gone."""
        row = ScopedListView.get_query(self).filter(pk=boundary_id).as_pymongo().first()
        return None if row is None else [row.get(k) for k, _d in keys]

    def _remember_cursors(self, keys, page, size, rows):
        """The cursors of the neighbouring pages, for the pager's "previous" and "next" links."""
        g.participant_list_cursors = {}
        if not rows:
            return
        fingerprint = _fingerprint()
        if page > 0:
            g.participant_list_cursors[page - 1] = encode_cursor(page - 1, False, rows[0].pk, fingerprint)
        if len(rows) == size:
            g.participant_list_cursors[page + 1] = encode_cursor(page + 1, True, rows[-1].pk, fingerprint)

    def pager_url_with_cursor(self, p):
        """A pager link; to the page before or after this one it carries the cursor, so that page needs no skip."""
        view_args = self._get_list_extra_args()
        url = self._get_list_url(view_args.clone(page=p or None))
        token = (g.get("participant_list_cursors") or {}).get(p)
        return f"{url}{'&' if '?' in url else '?'}{urlencode({CURSOR_ARG: token})}" if token and p else url

    def _get_list_url(self, view_args):
        # A cursor belongs to one page of one order: no other link (sort, page size, filter) takes it along.
        view_args.extra_args = {k: v for k, v in view_args.extra_args.items() if k != CURSOR_ARG}
        return super()._get_list_url(view_args)

    @property
    def _list_columns(self):
        """The columns for this user: the school for SBB, the step columns of the registry, delete for editors."""
        names = ["name", "birth_date", "group"]
        if sees_all_institutions(current_user):
            names.append("school")
        names += [f"overview.{key}" for key, _header, _provider in participant_overview.columns()]
        names.append("created_at")
        if can(current_user, "edit_participants"):
            names.append("remove")
        return [(name, self.get_column_name(name)) for name in names]

    @_list_columns.setter
    def _list_columns(self, _value):
        """Flask-Admin stores the columns once at start-up; ours are computed per request."""

    def get_column_name(self, field):
        if isinstance(field, str) and field.startswith("overview."):
            return participant_overview.headers().get(field.removeprefix("overview."), field)
        return super().get_column_name(field)

    @pass_context  # as Flask-Admin's own: the list template passes its context
    def get_list_value(self, context, model, name):
        if name.startswith("overview."):
            return (model.overview or {}).get(name.removeprefix("overview."), "")
        return super().get_list_value(context, model, name)

    def _get_filter_groups(self):
        groups = super()._get_filter_groups()
        if groups and not sees_all_institutions(current_user):
            groups.pop("School", None)
        return groups

    def get_empty_list_message(self):
        if g.get("participant_list_too_deep"):
            rows = f"{MAX_SKIP_ROWS:,}".replace(",", ".")  # Dutch thousands separator, in the number only
            return (
                f"Deze pagina ligt te ver in de lijst om direct te openen (meer dan {rows} rijen verder)"
                ". Blader met de pijlen, kies een andere sortering of verfijn de zoekopdracht of het filter."
            )
        if request.args.get("search") or any(k.startswith("flt") for k in request.args):
            return "Geen deelnemers gevonden met deze zoekopdracht of dit filter."
        if _tab() == ARCHIEF:
            return "Het archief is leeg."
        return 'Er zijn nog geen deelnemers. Voeg er een toe met "+ Nieuwe deelnemer" of via "Bulk import".'

    @expose("/")
    def index_view(self):
        target = self._url_for_old_args(".index_view")
        if target:
            return redirect(target)
        self._template_args.update(
            keyset_pager_url=self.pager_url_with_cursor,
            tab=_tab(),
            tab_url=_tab_url,
            sees_all=sees_all_institutions(current_user),
            may_add=can(current_user, "edit_participants") and current_user.institution is not None,
        )
        return super().index_view()

    @expose("/")
    def index(self):
        """The endpoint other areas link to with the old query parameters; the same list."""
        return self.index_view()

    @expose("/export/<fmt>")
    def old_export(self, fmt):
        """The old export address: the same export with the new parameters."""
        if fmt not in self.export_types:
            abort(404)
        return redirect(self._url_for_old_args(".export", export_type=fmt, always=True))

    def _url_for_old_args(self, endpoint, *, always=False, **values):
        """The new address for a request with the old overview's parameters, or None when it has none."""
        args = request.args
        old = {"q", "groep", "school", "aantal", "pagina"} & set(args) or args.get("sort") in OLD_SORTS
        if not old and not always:
            return None
        new = {k: v for k, v in args.items() if k not in ("q", "groep", "school", "aantal", "pagina", "sort", "desc")}
        if (args.get("q") or "").strip():
            new["search"] = args["q"].strip()
        wanted = [(GroupFilter, args.get("groep"))]
        if sees_all_institutions(current_user):
            wanted.append((SchoolFilter, args.get("school")))
        position = 0
        for kind, value in wanted:
            if value and value.strip():
                index = next(i for i, flt in enumerate(self._filters) if isinstance(flt, kind))
                new[f"flt{position}_{index}"] = value.strip()
                position += 1
        column = OLD_SORTS.get(args.get("sort"))
        descending = args.get("desc") == "1"
        if column and (column != "name" or descending):
            new["sort"] = [name for name, _label in self._list_columns].index(column)
        if descending:
            new["desc"] = 1
        if args.get("aantal", "").isdigit() and int(args["aantal"]) in self.page_size_options:
            new["page_size"] = int(args["aantal"])
        if args.get("pagina", "").isdigit() and int(args["pagina"]) > 1:
            new["page"] = int(args["pagina"]) - 1
        return self.get_url(endpoint, **values, **new)

    # --- export: the columns of the old export, typed, through the one spreadsheet writer ----------------------

    def get_export_columns(self):
        names = ["last_name", "infix", "first_name", "birth_date", "birth_place", "group", "student_number", "email"]
        columns = [(name, svc.FIELD_LABELS[name]) for name in names] + [("status", "Status")]
        if sees_all_institutions(current_user):
            columns.append(("school", "Onderwijsinstelling"))
        columns += [(f"overview.{key}", header) for key, header, _provider in participant_overview.columns()]
        return columns

    def _export_cell(self, model, name):
        if name.startswith("overview."):
            return (model.overview or {}).get(name.removeprefix("overview."), "")
        if name == "status":
            return "Archief" if model.archived_at else "Actueel"
        if name == "school":
            return _schools().get(ref_id(model._data.get("institution")), "")
        return super()._export_cell(model, name)

    # --- actions -----------------------------------------------------------------------------------------------

    def is_action_allowed(self, name):
        # A participant moves from the tab it is on: Naar archief on Actueel, Naar actueel on Archief.
        if (name == "archive" and _tab() != ACTUEEL) or (name == "restore" and _tab() != ARCHIEF):
            return False
        return super().is_action_allowed(name)

    @scoped_action(
        "archive",
        "Naar archief",
        "{n} {deelnemer|deelnemers} naar het archief verplaatsen?",
        capability="edit_participants",
    )
    def action_archive(self, ids):
        self._move(svc.archive_participants, ids, "{n} {deelnemer|deelnemers} naar het archief verplaatst.")

    @scoped_action(
        "restore",
        "Naar actueel",
        "{n} {deelnemer|deelnemers} terugzetten naar Actueel?",
        capability="edit_participants",
    )
    def action_restore(self, ids):
        self._move(svc.restore_participants, ids, "{n} {deelnemer|deelnemers} teruggezet naar Actueel.")

    def _move(self, move, ids, done_text):
        try:
            count = move(current_user._get_current_object(), ids)
        except svc.PartlyDoneError as exc:
            flash(exc.message, "error")
        else:
            flash(counted(done_text, count), "success")

    @scoped_action(
        "remove",
        "Verwijderen",
        "{n} {deelnemer|deelnemers} definitief verwijderen? U ziet eerst wat er met hen mee wordt verwijderd.",
        limit=MAX_DELETE,
        capability="edit_participants",
    )
    def action_remove(self, ids):
        return self._confirm_delete(self.objects(ids), local_url(request.form.get("url")))

    @scoped_action("export", "Exporteren (Excel)", None, limit=MAX_EXPORT_SELECTION)
    def action_export(self, ids):
        columns = self.get_export_columns()
        rows = [[self._export_cell(p, name) for name, _label in columns] for p in self.objects(ids)]
        body = spreadsheet.write_xlsx([label for _name, label in columns], rows, sheet_title="Deelnemers")
        audit_export(len(rows))
        return download(body, f"deelnemers-selectie-{local_today():%Y%m%d}.xlsx", spreadsheet.XLSX_MIMETYPE)

    # --- new / edit ----------------------------------------------------------------------------------------

    @expose("/nieuw")
    def new_intro(self):
        self._require_add()
        return self.render("participants/intro.html")

    @expose("/nieuw/gegevens", methods=("GET", "POST"))
    def new(self):
        self._require_add()
        form = ParticipantForm()
        errors, duplicate = {}, None
        if request.method == "POST" and form.validate_on_submit():
            try:
                participant = svc.create_participant(current_user, form.values())
            except svc.DuplicateParticipantError as exc:
                duplicate = exc.existing  # the warning box on the form says it, with a link
            except svc.ParticipantError as exc:
                errors = exc.errors
                flash(exc.message, "danger")
            else:
                flash(f"{participant.full_name} is toegevoegd. Ga verder met stap 2: het leerbedrijf.", "success")
                # As in the guide: saving leads on to "Leerbedrijfgegevens" (stap 2) when the user may do it.
                if "step2.start" in current_app.view_functions:
                    return redirect(url_for("step2.start", participant_id=str(participant.pk)))
                return redirect(url_for("participants.details", pid=participant.pk))
        return self._form_page(form, None, errors, duplicate)

    @expose("/<pid>/wijzigen", methods=("GET", "POST"))
    def edit(self, pid):
        participant = svc.get_participant_for(current_user, pid)
        self._require_edit()
        if request.method == "GET":
            form = ParticipantForm(
                data={
                    **{f: getattr(participant, f) or "" for f, _l in svc.EDITABLE_FIELDS},
                    "birth_date": format_date(participant.birth_date),
                    "version": participant.version,
                }
            )
        else:
            form = ParticipantForm()
        errors, duplicate = {}, None
        if request.method == "POST" and form.validate_on_submit():
            try:
                svc.update_participant(current_user, participant, form.values(), form.version.data)
            except svc.StaleParticipantError as exc:
                flash(exc.message, "danger")
                return redirect(url_for("participants.details", pid=participant.pk))
            except svc.DuplicateParticipantError as exc:
                duplicate = exc.existing
                flash(exc.message, "warning")
            except svc.ParticipantError as exc:
                errors = exc.errors
                flash(exc.message, "danger")
            else:
                flash("De gegevens zijn opgeslagen.", "success")
                return redirect(url_for("participants.details", pid=participant.pk))
        return self._form_page(form, participant, errors, duplicate)

    def _form_page(self, form, participant, errors, duplicate):
        """The participant form (new when `participant` is None), with the fields' messages and a duplicate."""
        return self.render(
            "participants/form.html",
            form=form,
            errors=errors,
            duplicate=duplicate,
            participant=participant,
            fields=svc.EDITABLE_FIELDS,
            required=svc.REQUIRED_FIELDS,
        )

    # --- participant page, archive, delete -----------------------------------------------------------------

    @expose("/<pid>/")
    def details(self, pid):
        participant = svc.get_participant_for(current_user, pid)
        panels, seen = [], set()
        # The panels of stap 2 and 3 both need the current placement: read once for the whole page.
        with placements.shared_reads():
            for provider in dict.fromkeys(registry.PARTICIPANT_PANELS):
                panel = provider(participant, current_user)
                if panel and (panel.get("order"), panel["template"]) not in seen:
                    seen.add((panel.get("order"), panel["template"]))
                    panels.append(panel)
        panels.sort(key=lambda p: p.get("order", 50))
        return self.render(
            "participants/details.html",
            participant=participant,
            panels=panels,
            may_edit=can(current_user, "edit_participants"),
            fields=svc.EDITABLE_FIELDS,
        )

    @expose("/<pid>/archiveren", methods=("POST",))
    def archive(self, pid):
        return self._move_one(pid, svc.archive_participants, "staat nu in het archief")

    @expose("/<pid>/terugzetten", methods=("POST",))
    def restore(self, pid):
        return self._move_one(pid, svc.restore_participants, "staat weer bij Actueel")

    def _move_one(self, pid, move, done_text):
        participant = svc.get_participant_for(current_user, pid)
        if move(current_user, [participant.pk]):
            flash(f"{participant.full_name} {done_text}.", "success")
        return redirect(url_for("participants.details", pid=participant.pk))

    @expose("/<pid>/verwijderen", methods=("GET",))
    def delete_one(self, pid):
        participant = svc.get_participant_for(current_user, pid)
        tab = ARCHIEF if participant.is_archived else ACTUEEL
        return self._confirm_delete([participant], url_for("participants.index_view", tab=tab))

    @expose("/verwijderen", methods=("POST",))
    def delete(self):
        self._require_edit()
        back = local_url(request.form.get("next")) or url_for("participants.index_view")
        if request.form.get("confirm") != "ja":
            flash("Bevestig eerst dat u de deelnemers definitief wilt verwijderen.", "warning")
            return redirect(back)
        try:
            names = svc.delete_participants(current_user, request.form.getlist("ids"))
        except svc.PartlyDoneError as exc:
            flash(exc.message, "danger")
        else:
            flash(
                f"{aantal(len(names), 'deelnemer', 'deelnemers')} definitief verwijderd: {', '.join(names)}.", "success"
            )
        return redirect(back)

    def _confirm_delete(self, chosen, back):
        """The confirmation page: each participant with what goes with it (guidance documents, statements)."""
        self._require_edit()
        items = [{"p": p, "dependents": svc.dependents(p)} for p in chosen]
        return self.render("participants/delete.html", items=items, back=back or url_for("participants.index_view"))

    def _require_edit(self):
        require(current_user, "edit_participants")

    def _require_add(self):
        self._require_edit()
        if current_user.institution is None:
            flash("Alleen een medewerker van een onderwijsinstelling kan deelnemers toevoegen.", "warning")
            abort(403)


def _order(keys, reverse=False):
    """order_by arguments for [(db field, descending)] (reverse: the opposite order, for walking back)."""
    return [("-" if desc != reverse else "+") + ("id" if name == "_id" else name) for name, desc in keys]


def _fingerprint():
    """What a cursor is only valid for: this list's tab, search, filters, sort and page size."""
    args = sorted((k, v) for k, v in request.args.items(multi=True) if k not in ("page", CURSOR_ARG))
    return hashlib.sha256(repr(args).encode()).hexdigest()[:16]


def _tab_url(tab):
    """This list on another tab, with its search, filters, sort and page size (from the first page)."""
    args = {k: v for k, v in request.args.items() if k not in ("page", "tab", CURSOR_ARG)}
    if tab == ARCHIEF:
        args["tab"] = ARCHIEF
    return url_for("participants.index_view", **args)


def audit_export(count):
    """Record an export of the selection in the audit log, as the list's own export does."""
    audit.record(
        "export", None, object_type="Participant", label="Deelnemersoverzicht selectie (xlsx)", changes={"rijen": count}
    )


class ParticipantImportView(SecureView):
    capability = "edit_participants"

    def is_accessible(self):
        # Imported participants belong to the user's own school: accounts without one (SBB) cannot import.
        return super().is_accessible() and current_user.institution is not None

    @expose("/", methods=("GET", "POST"))
    def index(self):
        error = None
        if request.method == "POST":
            upload = uploaded()
            if upload is None:
                error = "Kies eerst een Excelbestand (.xlsx) om te uploaden."
            else:
                try:
                    staged = importer.preview(current_user, upload, upload.filename)
                except (spreadsheet.SpreadsheetError, importer.ImportError_) as exc:
                    error = exc.message
                else:
                    return redirect(url_for("participant_import.preview", token=staged.token))
        batches = importer.batches_for(current_user)
        return self.render(
            "participants/import.html",
            error=error,
            batches=batches,
            may_undo=importer.may_undo,
            max_rows=importer.MAX_ROWS,
            max_mb=importer.MAX_BYTES // (1024 * 1024),
            has_school=current_user.institution is not None,
        )

    @expose("/sjabloon")
    def template(self):
        return download(importer.template_bytes(), "sjabloon-deelnemers.xlsx", spreadsheet.XLSX_MIMETYPE)

    @expose("/voorbeeld/<token>", methods=("GET", "POST"))
    def preview(self, token):
        staged = importer.load(current_user, token)
        if request.method == "POST":
            try:
                batch = importer.import_rows(current_user, token, request.form.getlist("rows"))
            except importer.ImportError_ as exc:
                flash(exc.message, "danger")
            else:
                flash(
                    f"{aantal(batch.count, 'deelnemer', 'deelnemers')} geïmporteerd uit {batch.file_name}. U kunt deze import tot "
                    "morgen deze tijd ongedaan maken via Bulk import.",
                    "success",
                )
                return redirect(url_for("participants.index_view"))
        counts = {
            s: sum(1 for r in staged.rows if r.get("status") == s)
            for s in (importer.STATUS_NEW, importer.STATUS_EXISTS, importer.STATUS_ERROR)
        }
        return self.render(
            "participants/preview.html",
            staged=staged,
            counts=counts,
            columns=importer.COLUMNS,
            show=spreadsheet.value_or_blank,
            statuses=importer,
        )

    @expose("/ongedaan/<batch_id>", methods=("POST",))
    def undo(self, batch_id):
        try:
            removed = importer.undo_batch(current_user, batch_id)
        except importer.ImportError_ as exc:
            flash(exc.message, "danger")
        else:
            flash(f"De import is ongedaan gemaakt: {aantal(removed, 'deelnemer', 'deelnemers')} verwijderd.", "success")
        return redirect(url_for("participant_import.index"))


def register(admin, app):
    """Add this area's views, blueprints and home panels."""
    admin.add_view(
        ParticipantsView(
            Participant, name="Deelnemersoverzicht", category=CATEGORY, endpoint="participants", url="/deelnemers"
        )
    )
    admin.add_view(
        ParticipantImportView(
            name="Bulk import", category=CATEGORY, endpoint="participant_import", url="/deelnemers/import"
        )
    )
