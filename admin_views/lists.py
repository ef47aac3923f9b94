"""ScopedListView: read-mostly Flask-Admin lists over our documents, scoped per school, with actions on a whole filter.

An action gets the ids either of the ticked rows or, when the user chose "Selecteer alle N die aan het filter
voldoen", of every row the list's own query matches. In both cases the ids are resolved on the server through the
scoped query (`get_query`), so an id of another school that is posted by hand is never acted on. "Alle N" carries
a signed fingerprint of the rows matched when the user chose them: the action runs only on those very rows.
"""

import hashlib
import io
import itertools
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field

from bson import ObjectId
from bson.errors import InvalidId
from flask import Response, abort, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.mongoengine.filters import BaseMongoEngineFilter
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup
from mongoengine import Q
from werkzeug.exceptions import HTTPException

from admin_views.base import SecureModelView
from admin_views.forms import problems_of
from core.filenames import attachment, safe_filename
from core.text import counted, fold
from documents.companies import Company, Placement
from documents.finality import CONCEPT, FinalDocumentError
from services.errors import DomainError
from services.ids import ref_id
from services.participants import search_filter
from services.permissions import can, scope
from services.qualifications import qualification_titles

# Cheap actions may run on this many rows at once; actions that render PDFs set their own, lower limit.
MAX_ACTION_ROWS = 1000
_declared = itertools.count()


def scoped_action(name, text, confirmation=None, *, limit=MAX_ACTION_ROWS, capability=None):
    """Declare a list action; `{n}` in the confirmation becomes the number of rows it will apply to."""

    def wrap(func):
        func = action(name, text, confirmation)(func)
        func._action_limit = limit
        func._action_capability = capability
        func._action_seq = next(_declared)  # the menu lists actions in the order they are declared
        return func

    return wrap


def reasons_of(exc):
    """The Dutch reasons a service gave for refusing (StatementError carries a list, the others one message)."""
    if isinstance(exc, HTTPException):
        return ["U hebt geen toegang tot dit document."]
    return problems_of(exc)


UNEXPECTED = "Er ging iets mis; er is voor dit item niets gewijzigd. Probeer het later opnieuw."

# The domain errors of the services: each says in Dutch why one object was refused; anything else is a real fault.
REFUSALS = (ValueError, FinalDocumentError, HTTPException, DomainError)


@dataclass
class Outcome:
    """What an action did per object: the ones done (with a note, e.g. the number) and the refused with reasons."""

    done: list = field(default_factory=list)  # (label, note)
    refused: list = field(default_factory=list)  # (label, [reasons])

    def run(self, objects, call, label, note=lambda result: ""):
        """Call the service once per object; a refusal is recorded and the next object goes ahead."""
        for obj in objects:
            try:
                result = call(obj)
            except REFUSALS as exc:
                self.refused.append((label(obj), reasons_of(exc)))
            except Exception:
                # The service keeps each object all-or-nothing; the others done before stay done, so say so per object
                # instead of answering the whole request with an error page.
                current_app.logger.exception("list action failed for %s", getattr(obj, "pk", obj))
                self.refused.append((label(obj), [UNEXPECTED]))
            else:
                self.done.append((label(obj), note(result)))
        return self


def zip_bytes(files):
    """One ZIP of (file name, bytes); the bytes are stored as they are (PDFs do not compress further)."""
    buffer = io.BytesIO()
    used = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for raw_name, data in files:
            # A name with "/" or ".." would unpack outside the folder; one with accents garbles in old unzippers.
            name = safe_filename(raw_name)
            base, dot, ext = name.rpartition(".")
            unique, n = name, 1
            while unique in used:
                n += 1
                unique = f"{base}-{n}{dot}{ext}"
            used.add(unique)
            archive.writestr(unique, data)
    return buffer.getvalue()


def link(url, text, *, css=None, title=None, label=None):
    """An escaped link for a list cell (optionally with a class, a tooltip and an accessible name)."""
    extra = Markup("").join(
        Markup(' {}="{}"').format(attr, value)
        for attr, value in (("class", css), ("title", title), ("aria-label", label))
        if value
    )
    return Markup('<a href="{}"{}>{}</a>').format(url, extra, text)


def participant_names(participant_ids):
    """{participant id: full name} in one query."""
    from documents.participants import Participant

    ids = [i for i in dict.fromkeys(participant_ids) if i is not None]
    return {p.pk: p.full_name for p in Participant.objects(pk__in=ids).only("first_name", "infix", "last_name")}


@contextmanager
def flashes_unchanged():
    """Drop the messages flashed inside (Flask-Admin flashes an invalid filter value each time it builds the
    query; the list page said so already, and the script's JSON request or an action must not say it again)."""
    before = list(session.get("_flashes", []))
    try:
        yield
    finally:
        if session.get("_flashes", []) != before:
            session["_flashes"] = before


EXPORT_CHUNK_ROWS = 1000  # documents an export holds at once (with their shared look-ups)


class ScopedListView(SecureModelView):
    """A list of one school's documents (SBB roles see every school's), in Dutch, with actions on a whole filter."""

    list_template = "lists/list.html"
    result_template = "lists/result.html"
    scope_field = "institution"
    search_hint = "Zoeken"
    allow_create = False
    allow_edit = False
    allow_delete = False
    can_view_details = True
    can_set_page_size = True
    page_size = 20
    page_size_options = (20, 50, 100)

    # Filters the list opens with from the menu, by column ({"status": "open"}); the user can remove them.
    menu_filters = {}

    # --- scope -------------------------------------------------------------------------------------------------

    def get_query(self):
        query = super().get_query()
        return scope(query, current_user, self.scope_field) if self.scope_field else query

    def get_count_query(self):
        return self.get_query()

    def search_placeholder(self):
        return self.search_hint

    @classmethod
    def filter_args(cls, **wanted):
        """Query arguments that set filters by column name (Flask-Admin names them flt<n>_<position in the list>).

        Our lists declare their filters as objects, one per column, so a filter's position is its index.
        """
        args, n = {}, 0
        for index, flt in enumerate(cls.column_filters or ()):
            value = wanted.get(flt.column)
            if value:
                args[f"flt{n}_{index}"] = value
                n += 1
        return args

    def get_url(self, endpoint, **kwargs):
        # The menu asks for the bare list by its full endpoint name (the list's own links use ".index_view").
        if self.menu_filters and endpoint == f"{self.endpoint}.index_view" and not kwargs:
            kwargs = self.filter_args(**self.menu_filters)
        return super().get_url(endpoint, **kwargs)

    def _get_filter_groups(self):
        """The filters' choices, with the scoped ones read for this user now."""
        groups = super()._get_filter_groups()
        for items in (groups or {}).values():
            for item in items:
                flt = self._filters[item["index"]]
                if isinstance(flt, ScopedChoiceFilter):
                    item["options"] = [(str(v), str(text)) for v, text in flt.request_options(self)]
        return groups

    def get_empty_list_message(self):
        return "Er is niets gevonden. Pas het filter of de zoekterm aan."

    # --- rows ----------------------------------------------------------------------------------------------------

    def get_list(self, page, *args, **kwargs):
        count, data = super().get_list(page, *args, **kwargs)
        if kwargs.get("execute", True) is False or g.get("list_exporting"):
            return count, data
        data = list(data)
        if not data and page and count:  # past the last page: an old link, or the last rows were just acted on
            g.list_last_page = (count - 1) // (kwargs.get("page_size") or self.page_size)
        g.list_row_context = self.row_context(data)
        return count, data

    def render(self, template, **kwargs):
        # Past the last page: lead to the last one before anything is rendered, so the messages of the action that
        # emptied this page are still waiting for the page the user lands on.
        last = g.pop("list_last_page", None) if template == self.list_template else None
        if last is None:
            return super().render(template, **kwargs)
        with flashes_unchanged():
            view_args = self._get_list_extra_args()
        return redirect(self._get_list_url(view_args.clone(page=last or None)))

    def _export_data(self):
        """The export's documents a chunk at a time, each chunk with its look-ups: constant memory at any size."""
        g.list_exporting = True
        try:
            count, query = super()._export_data()
        finally:
            g.list_exporting = False
        return count, self._in_chunks(query)

    def _in_chunks(self, query):
        chunk = []
        for document in query.no_cache() if hasattr(query, "no_cache") else query:
            chunk.append(document)
            if len(chunk) == EXPORT_CHUNK_ROWS:
                g.list_row_context = self.row_context(chunk)
                yield from chunk
                chunk = []
        if chunk:
            g.list_row_context = self.row_context(chunk)
            yield from chunk

    def row_context(self, rows):
        """Look-ups a page of rows shares (names, titles), made once per page; override."""
        return {}

    def context_for(self, model):
        """The page's look-ups, or those of this one document (the details view loads no page)."""
        context = g.get("list_row_context")
        if context is None or str(model.pk) not in context.get("rows", ()):
            context = self.row_context([model])
        return context

    # --- actions -----------------------------------------------------------------------------------------------

    def init_actions(self):
        super().init_actions()
        self._actions.sort(key=lambda item: getattr(self._actions_data[item[0]][0], "_action_seq", -1))

    def is_action_allowed(self, name):
        if name == "delete":  # Flask-Admin's own delete; our lists delete through the services only
            return False
        data = self._actions_data.get(name)
        if data is None:
            return False
        capability = getattr(data[0], "_action_capability", None)
        return capability is None or can(current_user, capability)

    def action_confirmations(self):
        """The confirmation texts with `{n}` left for the page's script to fill in."""
        return self.get_actions_list()[1]

    def _list_query(self):
        """The list's own scoped, filtered and searched query, rebuilt from the query string of this request."""
        with flashes_unchanged():
            view_args = self._get_list_extra_args()
        sort = self._get_column_by_idx(view_args.sort)
        _count, query = self.get_list(
            0,
            sort[0] if sort else None,
            view_args.sort_desc,
            view_args.search,
            view_args.filters,
            execute=False,
            page_size=0,
        )
        return query

    def matching_ids(self):
        """Every id the list's filter and search match, in the list's order."""
        return [str(pk) for pk in self._list_query().scalar("id")]

    def _selection_serializer(self):
        return URLSafeSerializer(current_app.secret_key, salt="list-select-all")

    @staticmethod
    def _fingerprint(ids):
        return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()

    @expose("/selectie/")
    def selection_view(self):
        """'Selecteer alle N': how many rows the filter matches now, and a signed fingerprint of exactly those rows.

        The action posts the token back instead of ids; it runs only when the filter still matches the very same
        rows, so a row that was added, removed or changed into or out of the filter in between is never acted on.
        """
        ids = self.matching_ids()
        token = self._selection_serializer().dumps([self.endpoint, len(ids), self._fingerprint(ids)])
        response = jsonify(count=len(ids), token=token)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _selected_all(self):
        """The ids of "every row the filter matches" when they are the rows the user chose; else a Dutch refusal."""
        ids = self.matching_ids()
        try:
            endpoint, count, fingerprint = self._selection_serializer().loads(request.form.get("alle_token", ""))
        except (BadSignature, ValueError, TypeError):
            return None, "De keuze 'alle items die aan het filter voldoen' is niet meer geldig. Kies opnieuw."
        if endpoint != self.endpoint:
            return None, "De keuze 'alle items die aan het filter voldoen' hoort bij een andere lijst. Kies opnieuw."
        if fingerprint != self._fingerprint(ids):
            now = f"nu {len(ids)}, toen {count}" if len(ids) != count else f"nog steeds {count}, maar niet dezelfde"
            return None, (
                f"De items die aan het filter voldoen zijn veranderd sinds u ze koos ({now}). "
                "Controleer de lijst en kies de actie opnieuw."
            )
        return ids, None

    def _ticked_ids(self):
        """The ticked rows, kept only when they are in this user's scope (a guessed id is dropped)."""
        wanted = []
        for raw in request.form.getlist("rowid"):
            try:
                oid = ObjectId(raw)
            except (InvalidId, TypeError):
                continue
            wanted.append(oid)
        wanted = list(dict.fromkeys(wanted))  # an id posted twice would be acted on (mailed, audited) twice
        if not wanted:
            return []
        found = {str(pk) for pk in self.get_query().filter(pk__in=wanted).scalar("id")}
        return [str(pk) for pk in wanted if str(pk) in found]

    def handle_action(self, return_view=None):
        """Run an action on the ticked rows or on everything the filter matches (ids resolved here)."""
        return_url = get_redirect_target() or self.get_url(".index_view")
        form = self.action_form()
        if not self.validate_form(form):
            flash("De actie kon niet worden uitgevoerd. Laad de pagina opnieuw en probeer het nog eens.", "error")
            return redirect(return_url)
        name = form.action.data
        handler = self._actions_data.get(name)
        if handler is None or not self.is_action_allowed(name):
            abort(403)
        if request.form.get("alle") == "1":
            ids, refusal = self._selected_all()
            if refusal:
                flash(refusal, "error")
                return redirect(return_url)
        else:
            ids = self._ticked_ids()
        if not ids:
            flash("Kies eerst ten minste één item in de lijst.", "error")
            return redirect(return_url)
        limit = getattr(handler[0], "_action_limit", MAX_ACTION_ROWS)
        if len(ids) > limit:
            flash(
                f"'{handler[1]}' kan op hoogstens {limit} items tegelijk; u koos er {len(ids)}. "
                "Verfijn het filter of kies minder items.",
                "error",
            )
            return redirect(return_url)
        response = handler[0](ids)
        return response if response is not None else redirect(return_url)

    # --- helpers for the actions -----------------------------------------------------------------------------

    def objects(self, ids):
        """The documents of these ids, through the scope again, in the given order."""
        found = {str(obj.pk): obj for obj in self.get_query().filter(pk__in=[ObjectId(i) for i in ids])}
        return [found[i] for i in ids if i in found]

    def show_outcome(self, title, outcome, *, done_heading, refused_heading, note_heading=""):
        """A result page: per object what was done, or every reason it was refused."""
        return self.render(
            self.result_template,
            title=title,
            outcome=outcome,
            done_heading=done_heading,
            refused_heading=refused_heading,
            note_heading=note_heading,
            return_url=get_redirect_target() or self.get_url(".index_view"),
        )

    def report(self, title, outcome, *, done_text, done_heading, refused_heading):
        """All done: one Dutch message with the count, back to the list. Any refused: the result page with reasons.

        (Reasons go on a page, not in flashed messages: those live in the session cookie, which a few hundred
        reasons would overflow.)
        """
        if not outcome.refused:
            flash(counted(done_text, len(outcome.done)), "success")
            return None
        return self.show_outcome(title, outcome, done_heading=done_heading, refused_heading=refused_heading)


class ParticipantDocumentListView(ScopedListView):
    """A list of documents about one participant each (begeleidingsdocumenten, praktijkverklaringen).

    What both share: the search on the participant's name (accent- and case-blind, the service's word search),
    the participant and kwalificatie cells read from one look-up per page, and PDF downloaden (one PDF, or a ZIP).
    """

    zip_name = "documenten.zip"
    empty_selections_shown = False  # a kwalificatie without werkprocessen chosen: listed or not
    # Bytes kept inline (by documents made before StoredFiles): no list, export or action but PDF downloaden needs them.
    heavy_fields = ()

    def get_query(self):
        return super().get_query().exclude(*self.heavy_fields)

    def full_objects(self, ids):
        """The documents of these ids with every field, through the scope, in the given order."""
        found = {str(d.pk): d for d in ScopedListView.get_query(self).filter(pk__in=[ObjectId(i) for i in ids])}
        return [found[i] for i in ids if i in found]

    def search_also(self, term):
        """A Q for what the search box matches besides participant names (e.g. a number); None for nothing."""
        return None

    def _search(self, query, search_term):
        from documents.participants import Participant

        term = (search_term or "").strip()
        also = self.search_also(term)
        if not any(ch.isalnum() for ch in fold(term)):  # punctuation only: no name, else every participant matched
            return query.filter(also) if also is not None else query
        people = Q(
            participant__in=list(scope(Participant.objects, current_user).filter(search_filter(term)).scalar("id"))
        )
        return query.filter(people | also if also is not None else people)

    def row_context(self, rows):
        return {
            "rows": {str(r.pk) for r in rows},
            "names": participant_names(self.participant_id(r) for r in rows),
            "titles": qualification_titles(s.crebo for r in rows for s in r.selections),
        }

    @staticmethod
    def participant_id(model):
        return ref_id(model._data.get("participant"))

    def participant_name(self, model):
        """The participant's name now; a participant removed since: the name the document was made with."""
        made_with = ((model.snapshot or {}).get("participant") or {}).get("full_name")
        return self.context_for(model)["names"].get(self.participant_id(model)) or made_with or "(onbekend)"

    def participant_cell(self, model):
        return link(url_for("participants.details", pid=self.participant_id(model)), self.participant_name(model))

    def qualifications_text(self, model):
        titles = self.context_for(model)["titles"]
        return "; ".join(
            f"{s.crebo} {titles.get(s.crebo, '')}".strip()
            for s in model.selections
            if s.codes or self.empty_selections_shown
        )

    def download(self, ids, pdf_file):
        """One document: its PDF; several: one ZIP with a note of what was left out; none made: the reasons."""
        documents = self.full_objects(ids)
        g.list_row_context = self.row_context(documents)
        files = []
        outcome = Outcome().run(documents, lambda d: files.append(pdf_file(d)), self._label)
        if not files:
            return self.show_outcome(
                "PDF downloaden", outcome, done_heading="Gedownload", refused_heading="Geen PDF gemaakt"
            )
        if len(documents) == 1:
            name, data, mimetype = *files[0], "application/pdf"
        else:
            if outcome.refused:
                lines = "".join(f"{item}: {' '.join(reasons)}\r\n" for item, reasons in outcome.refused)
                files.append(("niet-opgenomen.txt", f"Niet opgenomen:\r\n{lines}".encode()))
            name, data, mimetype = self.zip_name, zip_bytes(files), "application/zip"
        headers = {"Content-Disposition": attachment(name), "Cache-Control": "no-store"}
        return Response(data, mimetype=mimetype, headers=headers)


# --- drop-down filters whose choices depend on the user's scope ------------------------------------------------


class ScopedChoiceFilter(BaseMongoEngineFilter):
    """A drop-down filter whose choices are read per request (from what this user may see), not at start-up."""

    def __init__(self, column, name):
        super().__init__(column, name, options=None)

    def request_options(self, view):
        """(value, Dutch label) pairs for this user; override."""
        return []

    def operation(self):
        return "is"


class CompanyFilter(ScopedChoiceFilter):
    """Leerbedrijf: the companies of the placements in scope; matches documents made with that company."""

    def request_options(self, view):
        placements = scope(Placement.objects, current_user)
        company_ids = [c for c in placements._collection.distinct("company", placements._query) if c is not None]
        companies = Company.objects(pk__in=company_ids)
        return [
            (str(c.pk), f"{c.name} ({c.company_id})") for c in companies.only("name", "company_id").order_by("name")
        ]

    def _company(self, value):
        try:
            return Company.objects(pk=ObjectId(value)).only("company_id").first()
        except (InvalidId, TypeError):
            return None

    def apply(self, query, value):
        company = self._company(value)
        if company is None:
            return query.none()
        placements = list(Placement.objects(company=company.pk).scalar("id"))
        return query.filter(
            Q(placement__in=placements) | Q(__raw__={"snapshot.company.company_id": company.company_id})
        )


class CurrentCompanyFilter(CompanyFilter):
    """Leerbedrijf for statements: a concept has no placement of its own yet; then the participant's current one."""

    def apply(self, query, value):
        company = self._company(value)
        if company is None:
            return query.none()
        placements = list(Placement.objects(company=company.pk).scalar("id"))
        candidates = Placement.objects(company=company.pk).distinct("participant")
        candidate_ids = [ref_id(p) for p in candidates]
        current = {}
        for row in (
            Placement.objects(participant__in=candidate_ids)
            .only("participant", "company", "created_at", "seq")
            .order_by("participant", "-created_at", "-seq")
            .as_pymongo()
        ):
            current.setdefault(row["participant"], row.get("company"))
        placed_now = [pid for pid, cid in current.items() if cid == company.pk]
        return query.filter(
            Q(placement__in=placements)
            | Q(__raw__={"snapshot.company.company_id": company.company_id})
            | Q(placement=None, participant__in=placed_now, status=CONCEPT)
        )


class QualificationFilter(ScopedChoiceFilter):
    """Kwalificatie: the crebos chosen in the documents in scope."""

    def request_options(self, view):
        crebos = sorted(c for c in scope(view.model.objects, current_user).distinct("selections.crebo") if c)
        titles = qualification_titles(crebos)
        return [(c, f"{c} {titles.get(c, '')}".strip()) for c in crebos]

    def apply(self, query, value):
        return query.filter(selections__crebo=str(value))


# --- keyset paging: deep pages start "after the last row of the previous page" instead of skipping rows -----------

CURSOR_ARG = "cursor"


def keyset_filter(keys, values, forward=True):
    """A raw filter for the rows after (forward) or before the row with these values, in the order of `keys`.

    `keys` is [(db field, descending)] ending with ("_id", ...) so that the order is total. MongoDB sorts a null or
    missing value before every other one, and a range operator never matches null (type bracketing), so null is
    reached through equality: after null comes "not null", before a value comes "less or null".
    """
    branches = []
    for i, ((name, descending), value) in enumerate(zip(keys, values, strict=True)):
        same = {n: v for (n, _d), v in zip(keys[:i], values[:i], strict=True)}
        if forward != descending:  # the rows wanted have greater values
            branches.append({**same, name: {"$ne": None} if value is None else {"$gt": value}})
        elif value is not None:  # smaller values, and null (nothing sorts before a null)
            branches.append({**same, name: {"$lt": value}})
            branches.append({**same, name: None})
    return {"$or": branches} if branches else {"_id": {"$in": []}}


def _cursor_serializer():
    return URLSafeSerializer(current_app.secret_key, salt="list-keyset-cursor")


def encode_cursor(page, forward, boundary_id, fingerprint):
    """An opaque, signed token: page `page` starts after (forward) or ends before the row with this _id.

    Only the id travels: the row's key values (names, birth dates) would otherwise stand in URLs, logs and history.
    """
    return _cursor_serializer().dumps([page, forward, str(boundary_id), fingerprint])


def decode_cursor(token, page, fingerprint):
    """(forward, boundary _id) when the token leads to this page of this very list (same sort, filter, page size),
    else None: a cursor of another list, a stale or a forged one falls back to skipping."""
    try:
        to_page, forward, boundary, made_for = _cursor_serializer().loads(token)
        boundary = ObjectId(boundary)
    except (BadSignature, InvalidId, ValueError, TypeError):
        return None
    if to_page != page or made_for != fingerprint or not isinstance(forward, bool):
        return None
    return forward, boundary
