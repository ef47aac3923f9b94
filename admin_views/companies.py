"""Leerbedrijven: search and details for everyone, the SBB registry, the advisors' queue and stap 2 of a participant."""

from datetime import date, datetime

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup, escape

from admin_views.base import SecureView
from admin_views.beheer import AuditedModelView
from documents.companies import (
    REQUEST_KINDS,
    REQUEST_STATUSES,
    REVIEW_STATUSES,
    AccreditationRequest,
    Company,
    Placement,
    Trainer,
)
from services import accreditation_requests as requests_service
from services import companies as company_service
from services import placements as placement_service
from services import registry
from services.permissions import can, require
from services.qualifications import qualification_titles
from services.urls import local_url

LEERBEDRIJVEN = "Leerbedrijven"
VERZOEKEN = "Verzoeken"
QUEUE_PAGE_SIZE = 25


def _user():
    return current_user._get_current_object()


def _parse_date(value, label):
    value = (value or "").strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{label}: vul een datum in als dd-mm-jjjj.")


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
        return self.render("companies/search.html", q=q, city=city, result=result, error=error,
                           titles=_titles_for(result.items), today=date.today())

    @expose("/<company_id>")
    def details(self, company_id):
        company = company_service.get_company(company_id)
        return self.render("companies/details.html", company=company,
                           titles=qualification_titles(a.crebo for a in company.accreditations),
                           trainers=company_service.registered_trainers(company), today=date.today(),
                           may_manage=can(current_user, "manage_registry"))

    @expose("/<company_id>/logo")
    def logo(self, company_id):
        company = company_service.get_company(company_id)
        if not company.logo:
            abort(404)
        return Response(company.logo, mimetype=company.logo_type or "image/png",
                        headers={"Cache-Control": "private, max-age=300"})

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
    items = [f"{escape(a.crebo)} {escape(titles.get(a.crebo, ''))} ({escape(str(a).split(' ', 1)[1])})"
             for a in model.accreditations]
    return Markup("<br>".join(items))


class CompanyRegistryView(AuditedModelView):
    capability = "manage_registry"
    edit_capability = "manage_registry"
    can_view_details = True
    column_list = ("company_id", "name", "city", "postcode", "accreditations")
    column_labels = {"company_id": "Leerbedrijf-ID", "accreditations": "Erkenningen"}
    column_sortable_list = (("name", "search_name"), "company_id", ("city", "search_city"))
    column_default_sort = "search_name"
    # Searching goes through the indexed search of services.companies (see _search), not a column scan.
    column_searchable_list = ("name",)
    column_formatters = {"accreditations": _accreditation_formatter}
    column_details_exclude_list = ("logo", "logo_type", "search_name", "search_words", "search_city")
    form_excluded_columns = ("logo", "logo_type", "search_name", "search_words", "search_city", "created_at",
                             "changed_at")
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
            return self.render("companies/import_preview.html", rows=rows, token=staged.token,
                               columns=company_import.COLUMNS, errors=sum(1 for r in rows if r.errors),
                               value=spreadsheet.value_or_blank)
        return self.render("companies/import.html")

    @expose("/sjabloon")
    def template(self):
        from services import company_import, spreadsheet

        return Response(company_import.template_bytes(), mimetype=spreadsheet.XLSX_MIMETYPE,
                        headers={"Content-Disposition": "attachment; filename=sjabloon-leerbedrijven.xlsx"})

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
# The advisors' queue


class RequestQueueView(SecureView):
    capability = "handle_requests"

    @expose("/")
    def index(self):
        tab = request.args.get("tab", "verzoeken")
        status = request.args.get("status", "open")
        kind = request.args.get("soort", "")
        page = _page()
        if tab == "opleiders":
            query = Trainer.objects(source="school")
            if status == "open":
                query = query.filter(review_status__in=("open", "in_progress"))
            elif status in dict(REVIEW_STATUSES):
                query = query.filter(review_status=status)
            query = query.order_by("-created_at")
        else:
            query = AccreditationRequest.objects
            if status == "open":
                query = query.filter(status__in=requests_service.OPEN_REQUEST_STATUSES)
            elif status in dict(REQUEST_STATUSES):
                query = query.filter(status=status)
            if kind in dict(REQUEST_KINDS):
                query = query.filter(kind=kind)
            query = query.order_by("-created_at")
        total = query.count()
        items = list(query.skip((page - 1) * QUEUE_PAGE_SIZE).limit(QUEUE_PAGE_SIZE).select_related(max_depth=1))
        pages = max(1, -(-total // QUEUE_PAGE_SIZE))
        return self.render("companies/queue.html", tab=tab, status=status, kind=kind, items=items, total=total,
                           page=page, pages=pages, request_statuses=REQUEST_STATUSES, review_statuses=REVIEW_STATUSES,
                           request_kinds=REQUEST_KINDS)

    @expose("/verzoek/<request_id>", methods=("GET", "POST"))
    def request_details(self, request_id):
        req = requests_service.get_request_for(_user(), request_id)
        if request.method == "POST":
            action = request.form.get("action")
            try:
                if action == "grant":
                    start = _parse_date(request.form.get("start"), "Erkend vanaf") or date.today()
                    end = _parse_date(request.form.get("end"), "Erkend tot en met")
                    company = requests_service.grant_request(_user(), req, start=start, end=end,
                                                             note=request.form.get("note"),
                                                             company_id=request.form.get("company_id"))
                    flash(f"Erkenning toegekend aan {company.name}; de aanvrager krijgt een e-mail.", "success")
                elif action == "note":
                    requests_service.add_request_note(_user(), req, request.form.get("note"))
                    flash("De notitie is opgeslagen.", "success")
                else:
                    requests_service.change_request_status(_user(), req, request.form.get("status"),
                                                           request.form.get("note"))
                    flash(f"De status is nu '{req.status_label}'; de aanvrager krijgt een e-mail.", "success")
                return redirect(url_for(".request_details", request_id=request_id))
            except ValueError as exc:
                flash(str(exc), "error")
        titles = qualification_titles(req.crebos)
        trainers = list(Trainer.objects(request=req)) + (list(Trainer.objects(company=req.company, source="school",
                                                                               participant=req.participant))
                                                          if req.company and req.participant else [])
        return self.render("companies/request_details.html", req=req, titles=titles, trainers=trainers,
                           today=date.today(), form=request.form)

    @expose("/opleider/<trainer_id>", methods=("GET", "POST"))
    def trainer_details(self, trainer_id):
        trainer = placement_service.get_trainer_or_404(trainer_id)
        if trainer.source != "school":
            abort(404)
        if request.method == "POST":
            try:
                requests_service.review_trainer(_user(), trainer, request.form.get("status"), request.form.get("note"))
                flash(f"Beoordeling opgeslagen: {trainer.review_label}.", "success")
                return redirect(url_for(".trainer_details", trainer_id=trainer_id))
            except ValueError as exc:
                flash(str(exc), "error")
        return self.render("companies/trainer_details.html", trainer=trainer, review_statuses=REVIEW_STATUSES)


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
        return self.render("companies/step2_company.html",
                           **self._context(participant, q=q, city=city, result=result, error=error,
                                           titles=_titles_for(result.items), current=current, today=date.today()))

    @expose("/<participant_id>/voordragen", methods=("GET", "POST"))
    def propose(self, participant_id):
        participant = placement_service.participant_for(_user(), participant_id)
        require(current_user, "make_requests")
        if request.method == "POST":
            try:
                req = requests_service.propose_company(_user(), participant, request.form, request.form.get("crebos"),
                                                       request.form.get("motivation"))
                flash(f"{req.company_name} is voorgedragen voor erkenning. Kies nu de praktijkopleider.", "success")
                return redirect(url_for(".trainer", participant_id=participant_id, verzoek=str(req.pk)))
            except ValueError as exc:
                flash(str(exc), "error")
        return self.render("companies/step2_propose.html", **self._context(participant, form=request.form))

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
                req = requests_service.request_extension(_user(), company, crebos, participant=participant,
                                                         motivation=request.form.get("motivation"))
                flash(f"Het verzoek om de erkenning van {company.name} uit te breiden ({', '.join(req.crebos)}) "
                      "is naar SBB gestuurd. U krijgt bericht per e-mail.", "success")
                return redirect(back)
            except ValueError as exc:
                flash(str(exc), "error")
        else:
            crebos = ", ".join(crebos)
        return self.render("companies/step2_extend.html",
                           **self._context(participant, company=company, crebos=crebos, back=back,
                                           motivation=request.form.get("motivation", ""),
                                           titles=qualification_titles(
                                               a.crebo for a in company.accreditations), today=date.today()))

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
                    placement_service.place_with_new_trainer(_user(), participant, request.form, company=company,
                                                             request=request_obj, start=start, end=end)
                elif choice:
                    placement_service.create_placement(
                        _user(), participant, company=company, request=request_obj,
                        trainer=placement_service.get_trainer_or_404(choice), start=start, end=end)
                else:
                    raise ValueError("Kies een praktijkopleider of voeg er een toe.")
                return redirect(url_for(".done", participant_id=participant_id))
            except ValueError as exc:
                flash(str(exc), "error")
        trainers = company_service.trainers_for(company=company, request=request_obj, participant=participant)
        return self.render("companies/step2_trainer.html",
                           **self._context(participant, company=company, request_obj=request_obj, trainers=trainers,
                                           form=request.form))

    @expose("/<participant_id>/klaar")
    def done(self, participant_id):
        participant = placement_service.participant_for(_user(), participant_id)
        placement = placement_service.current_placement(participant)
        if placement is None:
            return redirect(url_for(".company", participant_id=participant_id))
        return self.render("companies/step2_done.html",
                           **self._context(participant, placement=placement, next_links=_next_step_links(participant)))


def _next_step_links(participant):
    """Links to step 3 and 4 when those areas have pages; the participant page until then."""
    from flask import current_app

    fallback = participant_url(participant.pk)
    links = {}
    for key, candidates in (("guidance", ("guidance.new", "guidance.start")),
                            ("statement", ("statements.new", "statements.start"))):
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
    own_trainer = placement.trainer if placement and placement.trainer and placement.trainer.source == "school" else None
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
        items.append(("Koppelingen aan een leerbedrijf", placements))
    if trainers:
        items.append(("Door de school toegevoegde praktijkopleiders", trainers))
    return items


def register(admin, app):
    """Add this area's views, blueprints and home panels."""
    admin.add_view(CompanySearchView(name="Zoeken", category=LEERBEDRIJVEN, endpoint="companies",
                                     url="/leerbedrijven"))
    admin.add_view(CompanyRegistryView(Company, name="Register (SBB)", category=LEERBEDRIJVEN,
                                       endpoint="company_registry", url="/leerbedrijven-register"))
    admin.add_view(CompanyImportView(name="Import (SBB)", category=LEERBEDRIJVEN, endpoint="company_import",
                                     url="/leerbedrijven-import"))
    admin.add_view(RequestQueueView(name="Leerbedrijven en praktijkopleiders", category=VERZOEKEN,
                                    endpoint="request_queue", url="/verzoeken/leerbedrijven"))
    admin.add_view(Step2View(name="Stap 2", endpoint="step2", url="/stap2"))
    registry.PARTICIPANT_PANELS.append(participant_panel)
    registry.PARTICIPANT_OVERVIEW_COLUMNS.append(("leerbedrijf", "Leerbedrijf", overview_column))
    registry.PARTICIPANT_DEPENDENTS.append(participant_dependents)
