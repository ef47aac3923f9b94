"""Leerbedrijven: search and details for everyone, the SBB registry, the advisors' queue and stap 2 of a participant."""

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.mongoengine import filters
from flask_admin.contrib.mongoengine.filters import BaseMongoEngineFilter
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from markupsafe import Markup, escape

from admin_views.base import SecureView
from admin_views.beheer import AuditedModelView
from admin_views.filters import noun
from admin_views.lists import Outcome, ScopedChoiceFilter, ScopedListView, link, scoped_action
from documents.companies import (
    OPEN_REQUEST_STATUSES,
    REQUEST_KINDS,
    REQUEST_STATUSES,
    REVIEW_STATUSES,
    AccreditationRequest,
    Company,
    Placement,
    Trainer,
)
from documents.constants import OPEN_REVIEW_STATUSES
from documents.institutions import Institution
from documents.qualifications import Qualification
from services import accreditation_requests as requests_service
from services import companies as company_service
from services import placements as placement_service
from services import registry
from services.clock import local_today
from services.ids import parse_object_id, ref_id
from services.participants import search_filter
from services.permissions import can, require
from services.qualifications import qualification_titles
from services.spreadsheet import DateError, parse_date
from services.urls import local_url

LEERBEDRIJVEN = "Leerbedrijven"
VERZOEKEN = "Verzoeken"


def _user():
    return current_user._get_current_object()


def _parse_date(value, label):
    """Read an optional date field with the one date parser; its Dutch message names the field."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return parse_date(value)
    except DateError as exc:
        raise ValueError(f"{label}: {exc}.") from None


def _crebo_examples():
    """Two crebos open for intake in the loaded structure: an example the form then accepts."""
    return [q.crebo for q in Qualification.objects.current().only("crebo").order_by("crebo").limit(2)]


def participant_url(participant_id):
    """The participant page of the participants area (falls back to stap 2 when that page is not there)."""
    from flask import current_app

    if "participants.details" in current_app.view_functions:
        return url_for("participants.details", pid=str(participant_id))
    return url_for("step2.company", participant_id=str(participant_id))


def _page():
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def _search(q, city):
    """Run a company search; a Dutch message instead of results when the input cannot be searched."""
    try:
        return company_service.search_companies(q, city, page=_page(), page_size=request.args.get("per_page", 20)), None
    except company_service.SearchError as exc:
        return company_service.SearchResult(), str(exc)
    except ValueError:
        return company_service.SearchResult(), "Controleer de zoekopdracht."


def _titles_for(companies):
    crebos = {a.crebo for c in companies for a in c.accreditations}
    return qualification_titles(crebos)


# ---------------------------------------------------------------------------------------------------------------
# Search and details (everyone)


class CompanySearchView(SecureView):
    capability = "view_registry"

    @expose("/")
    def index(self):
        q = request.args.get("q", "")
        city = request.args.get("plaats", "")
        result, error = _search(q, city)
        return self.render(
            "companies/search.html",
            q=q,
            city=city,
            result=result,
            error=error,
            titles=_titles_for(result.items),
            today=local_today(),
        )

    @expose("/<company_id>")
    def details(self, company_id):
        company = company_service.get_company(company_id)
        return self.render(
            "companies/details.html",
            company=company,
            titles=qualification_titles(a.crebo for a in company.accreditations),
            trainers=company_service.registered_trainers(company),
            today=local_today(),
            may_manage=can(current_user, "manage_registry"),
        )

    @expose("/<company_id>/logo")
    def logo(self, company_id):
        company = company_service.get_company(company_id)
        if not company.logo:
            abort(404)
        return Response(
            company.logo, mimetype=company.logo_type or "image/png", headers={"Cache-Control": "private, max-age=300"}
        )

    @expose("/<company_id>/praktijkopleider", methods=("POST",))
    def add_trainer(self, company_id):
        require(current_user, "manage_registry")
        company = company_service.get_company(company_id)
        try:
            trainer = company_service.add_registered_trainer(_user(), company, request.form)
            flash(f"Praktijkopleider {trainer.full_name} is geregistreerd.", "success")
        except ValueError as exc:
            flash(str(exc), "error")
        return redirect(url_for(".details", company_id=company_id))


# ---------------------------------------------------------------------------------------------------------------
# The SBB registry (list, search, create, edit)


def _accreditation_formatter(view, context, model, name):
    titles = getattr(view, "_titles", {})
    items = [
        f"{escape(a.crebo)} {escape(titles.get(a.crebo, ''))} ({escape(str(a).split(' ', 1)[1])})"
        for a in model.accreditations
    ]
    return Markup("<br>".join(items))


class CompanyRegistryView(AuditedModelView):
    capability = "manage_registry"
    edit_capability = "manage_registry"
    can_view_details = True
    column_list = ("company_id", "name", "city", "postcode", "accreditations")
    column_sortable_list = (("name", "search_name"), "company_id", ("city", "search_city"))
    column_default_sort = "search_name"
    # Searching goes through the indexed search of services.companies (see _search), not a column scan.
    column_searchable_list = ("name",)
    column_formatters = {"accreditations": _accreditation_formatter}
    column_details_exclude_list = ("logo", "logo_type", "search_name", "search_words", "search_city")
    form_excluded_columns = (
        "logo",
        "logo_type",
        "search_name",
        "search_words",
        "search_city",
        "created_at",
        "changed_at",
    )
    can_export = True
    export_types = ("csv", "xlsx")
    column_export_list = ("company_id", "name", "address", "postcode", "city", "phone", "email", "website")

    def search_placeholder(self):
        return "Naam of leerbedrijf-ID"

    def _search(self, query, search_term):
        try:
            raw = company_service.build_query(search_term, "")
        except company_service.SearchError as exc:
            flash(str(exc), "error")
            return query.none()
        return query.filter(__raw__=raw) if raw else query

    def get_list(self, *args, **kwargs):
        count, data = super().get_list(*args, **kwargs)
        data = list(data)
        self._titles = _titles_for(data)
        return count, data

    def after_model_change(self, form, model, is_created):
        audit_changes = getattr(model, "_audit_changes", None)
        from services import audit

        audit.record("create" if is_created else "update", model, changes=audit_changes, institution=None)

    def after_model_delete(self, model):
        from services import audit

        audit.record("delete", model, institution=None)


# ---------------------------------------------------------------------------------------------------------------
# Excel import of companies with accreditations (SBB admins)


class CompanyImportView(SecureView):
    capability = "manage_registry"

    @expose("/", methods=("GET", "POST"))
    def index(self):
        from services import company_import, spreadsheet

        if request.method == "POST":
            upload = request.files.get("file")
            if not upload or not upload.filename:
                flash("Kies een Excel-bestand (.xlsx) om te uploaden.", "error")
                return redirect(url_for(".index"))
            try:
                rows = company_import.read(upload)
            except spreadsheet.SpreadsheetError as exc:
                flash(exc.message, "error")
                return redirect(url_for(".index"))
            staged = spreadsheet.stage(company_import.KIND, _user(), upload.filename, rows)
            return self.render(
                "companies/import_preview.html",
                rows=rows,
                token=staged.token,
                columns=company_import.COLUMNS,
                errors=sum(1 for r in rows if r.errors),
                value=spreadsheet.value_or_blank,
            )
        return self.render("companies/import.html")

    @expose("/sjabloon")
    def template(self):
        from services import company_import, spreadsheet

        return Response(
            company_import.template_bytes(),
            mimetype=spreadsheet.XLSX_MIMETYPE,
            headers={"Content-Disposition": "attachment; filename=sjabloon-leerbedrijven.xlsx"},
        )

    @expose("/bevestigen", methods=("POST",))
    def confirm(self):
        from services import company_import, spreadsheet

        staged = spreadsheet.load_staged(company_import.KIND, _user(), request.form.get("token"))
        if staged is None:
            flash("Deze upload is verlopen of al verwerkt. Upload het bestand opnieuw.", "error")
            return redirect(url_for(".index"))
        try:
            new, updated = company_import.import_rows(_user(), staged.rows)
        except ValueError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".index"))
        spreadsheet.discard_staged(staged)
        flash(f"Import gelukt: {new} nieuwe en {updated} bijgewerkte leerbedrijven.", "success")
        return redirect(url_for("company_registry.index_view"))


# ---------------------------------------------------------------------------------------------------------------
# The advisors' queue: two lists (accreditation requests, trainers added by schools) and one page per item


class RequestQueueView(SecureView):
    """The pages of one request or one trainer (forms with dates and notes); the old list URL leads to the lists."""

    capability = "handle_requests"

    def is_visible(self):
        return False

    @expose("/")
    def index(self):
        status = request.args.get("status", "open")
        if request.args.get("tab") == "opleiders":
            return redirect(trainer_list_url(status=status))
        return redirect(request_list_url(status=status, kind=request.args.get("soort")))

    @expose("/verzoek/<request_id>", methods=("GET", "POST"))
    def request_details(self, request_id):
        req = requests_service.get_request_for(_user(), request_id)
        if request.method == "POST":
            action = request.form.get("action")
            try:
                if action == "grant":
                    start = _parse_date(request.form.get("start"), "Erkend vanaf") or local_today()
                    end = _parse_date(request.form.get("end"), "Erkend tot en met")
                    company = requests_service.grant_request(
                        _user(),
                        req,
                        start=start,
                        end=end,
                        note=request.form.get("note"),
                        company_id=request.form.get("company_id"),
                    )
                    flash(f"Erkenning toegekend aan {company.name}; de aanvrager krijgt een e-mail.", "success")
                elif action == "note":
                    requests_service.add_request_note(_user(), req, request.form.get("note"))
                    flash("De notitie is opgeslagen.", "success")
                else:
                    requests_service.change_request_status(
                        _user(), req, request.form.get("status"), request.form.get("note")
                    )
                    flash(f"De status is nu '{req.status_label}'; de aanvrager krijgt een e-mail.", "success")
                return redirect(url_for(".request_details", request_id=request_id))
            except ValueError as exc:
                flash(str(exc), "error")
        titles = qualification_titles(req.crebos)
        trainers = list(Trainer.objects(request=req)) + (
            list(Trainer.objects(company=req.company, source="school", participant=req.participant))
            if req.company and req.participant
            else []
        )
        return self.render(
            "companies/request_details.html",
            req=req,
            titles=titles,
            trainers=trainers,
            today=local_today(),
            form=request.form,
            back_url=request_list_url(),
        )

    @expose("/opleider/<trainer_id>", methods=("GET", "POST"))
    def trainer_details(self, trainer_id):
        trainer = requests_service.school_trainer(trainer_id)
        if request.method == "POST":
            try:
                requests_service.review_trainer(_user(), trainer, request.form.get("status"), request.form.get("note"))
                flash(f"Beoordeling opgeslagen: {trainer.review_label}.", "success")
                return redirect(url_for(".trainer_details", trainer_id=trainer_id))
            except ValueError as exc:
                flash(str(exc), "error")
        return self.render(
            "companies/trainer_details.html",
            trainer=trainer,
            review_statuses=REVIEW_STATUSES,
            back_url=trainer_list_url(),
        )


OPEN = "open"


class OpenStatusFilter(BaseMongoEngineFilter):
    """Status as a drop-down with 'Open' (new or in behandeling) first, as the advisers work the queue."""

    def __init__(self, column, name, statuses, open_statuses):
        options = ((OPEN, "Open (nieuw of in behandeling)"), *statuses)
        super().__init__(column, name, options=options)
        self.statuses = dict(statuses)
        self.open_statuses = tuple(open_statuses)

    def validate(self, value):
        return value == OPEN or value in self.statuses

    def apply(self, query, value):
        if value == OPEN:
            return query.filter(**{f"{self.column}__in": self.open_statuses})
        return query.filter(**{self.column: value})

    def operation(self):
        return "is"


class InstitutionFilter(ScopedChoiceFilter):
    """Onderwijsinstelling: the schools that have items in this list."""

    def request_options(self, view):
        ids = [i for i in view.get_query().distinct("institution") if i is not None]
        ids = [ref_id(i) for i in ids]
        return [(str(i.pk), i.name) for i in Institution.objects(pk__in=ids).only("name").order_by("name")]

    def apply(self, query, value):
        oid = parse_object_id(value)
        return query.filter(institution=oid) if oid is not None else query.none()


def _names(model_class, ids):
    ids = [i for i in dict.fromkeys(ids) if i is not None]
    return {o.pk: o.name for o in model_class.objects(pk__in=ids).only("name")} if ids else {}


class QueueListView(ScopedListView):
    """What both queue lists share: SBB roles only, school names per page, Afwijzen with a required reason."""

    capability = "handle_requests"
    list_template = "companies/queue_list.html"
    reject_template = "companies/queue_reject.html"
    column_default_sort = ("created_at", True)
    menu_filters = {"status": OPEN}  # the menu opens a queue on what is still to be done

    def row_context(self, rows):
        refs = [ref_id(r._data.get(name)) for r in rows for name in ("institution", "advisor") if name in r._fields]
        from documents.users import User

        return {
            "rows": {str(r.pk) for r in rows},
            "schools": _names(Institution, refs),
            "people": _names(User, refs),
        }

    def _search(self, query, search_term):
        """Every typed word starts a word of the item (accent- and case-blind, as the deelnemers search)."""
        return query.filter(search_filter(search_term))

    def queue_urls(self):
        """The tabs above both lists: each list filtered on its open items."""
        return {"requests": request_list_url(), "trainers": trainer_list_url()}

    def _school(self, model):
        return self.context_for(model)["schools"].get(ref_id(model._data.get("institution")), "")

    def reject_with_reason(self, ids, call, *, title, noun):
        """Afwijzen: ask the reason on a page of its own first; refuse without one; then one service call per item."""
        items = self.objects(ids)
        reason = (request.form.get("reden") or "").strip()
        if not reason:
            if "reden" in request.form:
                flash("Vul de reden van de afwijzing in; de aanvrager krijgt die te lezen.", "error")
            return self.render(
                self.reject_template,
                items=[(str(i.pk), self._label(i)) for i in items],
                title=title,
                noun=noun,
                return_url=get_redirect_target() or self.get_url(".index_view"),
            )
        user = _user()
        g.list_row_context = self.row_context(items)
        outcome = Outcome().run(items, lambda item: call(user, item, reason), self._label)
        return self.report(
            title,
            outcome,
            done_text="{n} {" + "|".join(noun) + "} afgewezen.",
            done_heading="Afgewezen",
            refused_heading="Niet afgewezen",
        )


class RequestListView(QueueListView):
    """Erkenningsverzoeken of schools: filter, search, and In behandeling / Toekennen / Afwijzen on many at once."""

    search_hint = "Leerbedrijf, deelnemer, crebo of e-mail"
    column_list = (
        "created_at",
        "kind",
        "company_name",
        "crebos",
        "institution",
        "requested_by_email",
        "status",
        "advisor",
    )
    column_choices = {"status": REQUEST_STATUSES, "kind": REQUEST_KINDS}
    column_sortable_list = ("created_at", "status", "kind", "company_name")
    column_searchable_list = ("company_name",)  # the search itself is _search
    column_filters = (
        OpenStatusFilter("status", "Status", REQUEST_STATUSES, OPEN_REQUEST_STATUSES),
        filters.FilterEqual("kind", "Soort", options=REQUEST_KINDS),
        InstitutionFilter("institution", "Onderwijsinstelling"),
    )
    column_details_list = (
        "kind",
        "status",
        "company_name",
        "crebos",
        "participant_name",
        "motivation",
        "institution",
        "requested_by_email",
        "advisor",
        "created_at",
        "changed_at",
        "decided_at",
        "notes",
    )
    can_export = True
    export_types = ("xlsx", "csv")

    def _label(self, req):
        return str(req)

    column_formatters = {
        "company_name": lambda v, c, m, n: link(
            url_for("request_queue.request_details", request_id=m.pk), m.company_name or "(onbekend)"
        ),
        "crebos": lambda v, c, m, n: ", ".join(m.crebos),
        "institution": lambda v, c, m, n: v._school(m),
        "advisor": lambda v, c, m, n: v.context_for(m)["people"].get(ref_id(m._data.get("advisor")), ""),
        "notes": lambda v, c, m, n: Markup("<br>").join(str(note) for note in m.notes),
    }
    column_formatters_export = {
        "created_at": lambda v, c, m, n: m.created_at,
        "kind": lambda v, c, m, n: m.kind_label,
        "company_name": lambda v, c, m, n: m.company_name or "",
        "crebos": lambda v, c, m, n: ", ".join(m.crebos),
        "institution": lambda v, c, m, n: v._school(m),
        "requested_by_email": lambda v, c, m, n: m.requested_by_email or "",
        "status": lambda v, c, m, n: m.status_label,
        "advisor": lambda v, c, m, n: v.context_for(m)["people"].get(ref_id(m._data.get("advisor")), ""),
    }

    @scoped_action(
        "in_progress",
        "In behandeling",
        "{n} {verzoek|verzoeken} in behandeling nemen? De aanvragers krijgen een e-mail.",
    )
    def action_in_progress(self, ids):
        user = _user()
        outcome = Outcome().run(
            self.objects(ids), lambda r: requests_service.change_request_status(user, r, "in_progress"), self._label
        )
        return self.report(
            "In behandeling",
            outcome,
            done_text="{n} {verzoek|verzoeken} in behandeling genomen.",
            done_heading="In behandeling genomen",
            refused_heading="Niet gewijzigd",
        )

    @scoped_action(
        "grant",
        "Toekennen",
        "{n} {verzoek|verzoeken} toekennen, erkend vanaf vandaag? De aanvragers krijgen een "
        "e-mail. (Een andere begindatum of een leerbedrijf-ID: open het verzoek.)",
    )
    def action_grant(self, ids):
        user = _user()
        outcome = Outcome().run(
            self.objects(ids),
            lambda r: requests_service.grant_request(user, r),
            self._label,
            note=lambda company: f"{company.name} ({company.company_id})",
        )
        return self.report(
            "Toekennen",
            outcome,
            done_text="{n} {verzoek|verzoeken} toegekend.",
            done_heading="Toegekend",
            refused_heading="Niet toegekend",
        )

    @scoped_action("reject", "Afwijzen", None)
    def action_reject(self, ids):
        return self.reject_with_reason(
            ids,
            lambda user, r, reason: requests_service.change_request_status(user, r, "rejected", reason),
            title="Verzoeken afwijzen",
            noun=("verzoek", "verzoeken"),
        )


class TrainerReviewListView(QueueListView):
    """Praktijkopleiders that schools added: SBB follows each up (in behandeling, goedgekeurd, afgewezen)."""

    search_hint = "Naam, leerbedrijf of deelnemer"
    menu_filters = {"review_status": OPEN}
    column_list = ("created_at", "last_name", "company_name", "participant_name", "institution", "review_status")
    column_labels = {
        "created_at": "Toegevoegd op",
        "last_name": "Praktijkopleider",
        "review_status": "Status",
    }
    column_choices = {"review_status": REVIEW_STATUSES}
    column_sortable_list = ("created_at", "review_status", ("last_name", "sort_name"), "company_name")
    column_searchable_list = ("last_name",)  # the search itself is _search
    column_filters = (
        OpenStatusFilter("review_status", "Status", REVIEW_STATUSES, OPEN_REVIEW_STATUSES),
        InstitutionFilter("institution", "Onderwijsinstelling"),
    )
    column_details_list = (
        "last_name",
        "function",
        "email",
        "phone",
        "company_name",
        "participant_name",
        "institution",
        "added_by_email",
        "review_status",
        "reviewed_by",
        "created_at",
        "notes",
    )

    def get_query(self):
        return super().get_query().filter(source="school")

    def _label(self, trainer):
        return f"{trainer.full_name} ({trainer.company_name or 'leerbedrijf onbekend'})"

    column_formatters = {
        "last_name": lambda v, c, m, n: link(url_for("request_queue.trainer_details", trainer_id=m.pk), m.full_name),
        "institution": lambda v, c, m, n: v._school(m),
        "notes": lambda v, c, m, n: Markup("<br>").join(str(note) for note in m.notes),
    }

    def _review(self, ids, status, title, done_text, done_heading):
        user = _user()
        outcome = Outcome().run(
            self.objects(ids), lambda t: requests_service.review_trainer(user, t, status), self._label
        )
        return self.report(
            title, outcome, done_text=done_text, done_heading=done_heading, refused_heading="Niet gewijzigd"
        )

    @scoped_action("in_progress", "In behandeling", "{n} {praktijkopleider|praktijkopleiders} in behandeling nemen?")
    def action_in_progress(self, ids):
        return self._review(
            ids,
            "in_progress",
            "In behandeling",
            "{n} {praktijkopleider|praktijkopleiders} in behandeling genomen.",
            "In behandeling genomen",
        )

    @scoped_action(
        "approve",
        "Goedkeuren",
        "{n} {praktijkopleider|praktijkopleiders} goedkeuren? Ze worden geregistreerd bij hun "
        "leerbedrijf en zijn voor iedere deelnemer te kiezen.",
    )
    def action_approve(self, ids):
        return self._review(
            ids, "approved", "Goedkeuren", "{n} {praktijkopleider|praktijkopleiders} goedgekeurd.", "Goedgekeurd"
        )

    @scoped_action("reject", "Afwijzen", None)
    def action_reject(self, ids):
        return self.reject_with_reason(
            ids,
            lambda user, t, reason: requests_service.review_trainer(user, t, "rejected", reason),
            title="Praktijkopleiders afwijzen",
            noun=("praktijkopleider", "praktijkopleiders"),
        )


def request_list_url(status=OPEN, kind=None):
    """The requests list filtered on status ('open' by default, 'alle' for every one) and kind."""
    status = status if status == OPEN or status in dict(REQUEST_STATUSES) else None
    kind = kind if kind in dict(REQUEST_KINDS) else None
    return url_for("request_list.index_view", **RequestListView.filter_args(status=status, kind=kind))


def trainer_list_url(status=OPEN):
    """The list of trainers added by schools, filtered on review status ('open' by default)."""
    status = status if status == OPEN or status in dict(REVIEW_STATUSES) else None
    return url_for("trainer_review_list.index_view", **TrainerReviewListView.filter_args(review_status=status))


# ---------------------------------------------------------------------------------------------------------------
# Stap 2 for one participant


class Step2View(SecureView):
    capability = "edit_participants"

    def is_visible(self):
        return False

    def _context(self, participant, **extra):
        return dict(participant=participant, participant_url=participant_url(participant.pk), **extra)

    @expose("/")
    def index(self):
        from flask import current_app

        if "participants.index" in current_app.view_functions:
            return redirect(url_for("participants.index"))
        abort(404)

    @expose("/<participant_id>/")
    def start(self, participant_id):
        return redirect(url_for(".company", participant_id=participant_id))

    @expose("/<participant_id>/leerbedrijf")
    def company(self, participant_id):
        participant = placement_service.participant_for(_user(), participant_id)
        q = request.args.get("q", "")
        city = request.args.get("plaats", "")
        result, error = _search(q, city)
        current = placement_service.current_placement(participant)
        return self.render(
            "companies/step2_company.html",
            **self._context(
                participant,
                q=q,
                city=city,
                result=result,
                error=error,
                titles=_titles_for(result.items),
                current=current,
                today=local_today(),
            ),
        )

    @expose("/<participant_id>/voordragen", methods=("GET", "POST"))
    def propose(self, participant_id):
        participant = placement_service.participant_for(_user(), participant_id)
        require(current_user, "make_requests")
        if request.method == "POST":
            try:
                req = requests_service.propose_company(
                    _user(), participant, request.form, request.form.get("crebos"), request.form.get("motivation")
                )
                flash(f"{req.company_name} is voorgedragen voor erkenning. Kies nu de praktijkopleider.", "success")
                return redirect(url_for(".trainer", participant_id=participant_id, verzoek=str(req.pk)))
            except ValueError as exc:
                flash(str(exc), "error")
        return self.render(
            "companies/step2_propose.html",
            **self._context(participant, form=request.form, crebo_examples=_crebo_examples()),
        )

    @expose("/<participant_id>/erkenning-uitbreiden", methods=("GET", "POST"))
    def extend(self, participant_id):
        """Erkenning uitbreiden, prefilled: ?company=<id>&crebo=<crebo>[&crebo=...]&next=<local url> (stap 3 links here)."""
        participant = placement_service.participant_for(_user(), participant_id)
        require(current_user, "make_requests")
        source = request.form if request.method == "POST" else request.args
        company = company_service.get_company(source.get("company"))
        back = local_url(source.get("next")) or participant_url(participant.pk)
        crebos = source.getlist("crebo") if request.method == "GET" else source.get("crebos", "")
        if request.method == "POST":
            try:
                req = requests_service.request_extension(
                    _user(), company, crebos, participant=participant, motivation=request.form.get("motivation")
                )
                flash(
                    f"Het verzoek om de erkenning van {company.name} uit te breiden ({', '.join(req.crebos)}) "
                    "is naar SBB gestuurd. U krijgt bericht per e-mail.",
                    "success",
                )
                return redirect(back)
            except ValueError as exc:
                flash(str(exc), "error")
        else:
            crebos = ", ".join(crebos)
        return self.render(
            "companies/step2_extend.html",
            **self._context(
                participant,
                company=company,
                crebos=crebos,
                back=back,
                motivation=request.form.get("motivation", ""),
                titles=qualification_titles(a.crebo for a in company.accreditations),
                today=local_today(),
            ),
        )

    def _target(self, participant, source):
        company = request_obj = None
        if source.get("company"):
            company = company_service.get_company(source.get("company"))
        elif source.get("verzoek"):
            request_obj = placement_service.request_for_participant(participant, source.get("verzoek"))
            if request_obj.company is not None:
                company, request_obj = request_obj.company, None
        return company, request_obj

    @expose("/<participant_id>/praktijkopleider", methods=("GET", "POST"))
    def trainer(self, participant_id):
        participant = placement_service.participant_for(_user(), participant_id)
        source = request.form if request.method == "POST" else request.args
        company, request_obj = self._target(participant, source)
        if company is None and request_obj is None:
            flash("Kies eerst een leerbedrijf.", "error")
            return redirect(url_for(".company", participant_id=participant_id))
        if request.method == "POST":
            choice = request.form.get("trainer", "")
            try:
                start = _parse_date(request.form.get("start"), "Begindatum")
                end = _parse_date(request.form.get("end"), "Einddatum")
                if choice == "new":
                    placement_service.place_with_new_trainer(
                        _user(), participant, request.form, company=company, request=request_obj, start=start, end=end
                    )
                elif choice:
                    placement_service.create_placement(
                        _user(),
                        participant,
                        company=company,
                        request=request_obj,
                        trainer=placement_service.get_trainer_or_404(choice),
                        start=start,
                        end=end,
                    )
                else:
                    raise ValueError("Kies een praktijkopleider of voeg er een toe.")
                return redirect(url_for(".done", participant_id=participant_id))
            except ValueError as exc:
                flash(str(exc), "error")
        trainers = company_service.trainers_for(company=company, request=request_obj, participant=participant)
        return self.render(
            "companies/step2_trainer.html",
            **self._context(
                participant, company=company, request_obj=request_obj, trainers=trainers, form=request.form
            ),
        )

    @expose("/<participant_id>/klaar")
    def done(self, participant_id):
        participant = placement_service.participant_for(_user(), participant_id)
        placement = placement_service.current_placement(participant)
        if placement is None:
            return redirect(url_for(".company", participant_id=participant_id))
        return self.render(
            "companies/step2_done.html",
            **self._context(participant, placement=placement, next_links=_next_step_links(participant)),
        )


def _next_step_links(participant):
    """Links to step 3 and 4 when those areas have pages; the participant page until then."""
    from flask import current_app

    fallback = participant_url(participant.pk)
    links = {}
    for key, candidates in (
        ("guidance", ("guidance.new", "guidance.start")),
        ("statement", ("statements.new", "statements.start")),
    ):
        links[key] = fallback
        for endpoint in candidates:
            if endpoint in current_app.view_functions:
                try:
                    links[key] = url_for(endpoint, participant_id=str(participant.pk))
                except Exception:  # noqa: BLE001 - another area's endpoint with other arguments
                    continue
                break
    return links


# ---------------------------------------------------------------------------------------------------------------
# Extension points: the participant page panel, the overview column, what goes with a deleted participant


def participant_panel(participant, user):
    placement = placement_service.current_placement(participant)
    req = requests_service.open_request_for(participant)
    history = placement_service.placement_history(participant)[1:6]
    own_trainer = (
        placement.trainer if placement and placement.trainer and placement.trainer.source == "school" else None
    )
    return {
        "order": 2,
        "template": "companies/_participant_panel.html",
        "placement": placement,
        "placement_request": req,
        "placement_history": history,
        "own_trainer": own_trainer,
        "may_edit_step2": can(user, "edit_participants"),
        "step2_url": url_for("step2.company", participant_id=str(participant.pk)),
    }


def overview_column(participant_ids):
    return placement_service.current_company_names(participant_ids)


def participant_dependents(participant):
    placements = Placement.objects(participant=participant).count()
    trainers = Trainer.objects(participant=participant, source="school").count()
    items = []
    if placements:
        items.append((noun(placements, "koppeling aan een leerbedrijf", "koppelingen aan een leerbedrijf"), placements))
    if trainers:
        items.append(
            (
                noun(
                    trainers,
                    "door de school toegevoegde praktijkopleider",
                    "door de school toegevoegde praktijkopleiders",
                ),
                trainers,
            )
        )
    return items


def register(admin, app):
    """Add this area's views, blueprints and home panels."""
    admin.add_view(CompanySearchView(name="Zoeken", category=LEERBEDRIJVEN, endpoint="companies", url="/leerbedrijven"))
    admin.add_view(
        CompanyRegistryView(
            Company,
            name="Register (SBB)",
            category=LEERBEDRIJVEN,
            endpoint="company_registry",
            url="/leerbedrijven-register",
        )
    )
    admin.add_view(
        CompanyImportView(
            name="Import (SBB)", category=LEERBEDRIJVEN, endpoint="company_import", url="/leerbedrijven-import"
        )
    )
    admin.add_view(
        RequestListView(
            AccreditationRequest,
            name="Erkenningsverzoeken",
            category=VERZOEKEN,
            endpoint="request_list",
            url="/lijsten/verzoeken",
        )
    )
    admin.add_view(
        TrainerReviewListView(
            Trainer,
            name="Praktijkopleiders van scholen",
            category=VERZOEKEN,
            endpoint="trainer_review_list",
            url="/lijsten/praktijkopleiders",
        )
    )
    admin.add_view(
        RequestQueueView(
            name="Leerbedrijven en praktijkopleiders",
            category=VERZOEKEN,
            endpoint="request_queue",
            url="/verzoeken/leerbedrijven",
        )
    )
    admin.add_view(Step2View(name="Stap 2", endpoint="step2", url="/stap2"))
    registry.PARTICIPANT_PANELS.append(participant_panel)
    registry.PARTICIPANT_OVERVIEW_COLUMNS.append(("leerbedrijf", "Leerbedrijf", overview_column))
    registry.PARTICIPANT_DEPENDENTS.append(participant_dependents)
