"""Toegang aanvragen: the public request page and the SBB review screen (Verzoeken > Toegangsaanvragen)."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_admin import expose
from flask_admin.contrib.mongoengine import filters
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape

from admin_views.base import SecureModelView
from admin_views.security import limiter
from documents.access import ACCESS_STATUSES, STATUS_SUBMITTED, AccessRequest
from documents.constants import INSTITUTION_KINDS
from services import access, registry
from services.clock import format_datetime
from services.permissions import can

VERZOEKEN = "Verzoeken"
SUBMIT_LIMIT = "10 per hour"

bp = Blueprint("access", __name__)


class RequestForm(FlaskForm):
    """Only for the CSRF token: the rules are in AccessRequest.clean(), the messages come from there."""


@bp.route("/toegang-aanvragen", methods=["GET", "POST"])
@limiter.limit(SUBMIT_LIMIT, methods=["POST"])
def request_access():
    form = RequestForm()
    errors = {}
    values = {field: request.form.get(field, "") for field in access.FIELDS}
    if request.method == "POST" and form.validate_on_submit():
        # A field people do not see: a bot that fills it gets the thank-you page and nothing is stored.
        if request.form.get("website"):
            return redirect(url_for("access.thanks"))
        try:
            access.submit_request(request.form, ip_address=request.remote_addr)
        except access.AccessError as exc:
            errors = exc.errors or {"__all__": str(exc)}
        else:
            return redirect(url_for("access.thanks"))
    status = 422 if errors else 200
    return render_template("access/request.html", values=values, errors=errors, kinds=INSTITUTION_KINDS), status


@bp.route("/toegang-aanvragen/bedankt")
def thanks():
    return render_template("access/thanks.html")


def _status_badge(view, context, model, name):
    css = {"submitted": "warning", "approved": "success", "rejected": "secondary"}.get(model.status, "light")
    return Markup('<span class="badge badge-{}">{}</span>').format(css, model.status_label)


def _email_with_account(view, context, model, name):
    accounts = g.get("access_existing_accounts") or {}
    html = escape(model.email or "")
    if model.status == STATUS_SUBMITTED and model.email in accounts:
        html += Markup(
            ' <span class="badge badge-info" title="Er bestaat al een account met dit e-mailadres">'
            "account bestaat al</span>"
        )
    return html


def _moment(view, context, model, name):
    # The shared type formatters match `date` before `datetime`, which drops the time; a request needs it.
    return format_datetime(getattr(model, name))


class AccessRequestView(SecureModelView):
    """SBB sees all requests; only roles that may manage accounts approve or reject them."""

    capability = "handle_requests"
    edit_capability = "manage_accounts"
    allow_create = False
    allow_edit = False
    allow_delete = False
    can_view_details = True
    details_template = "access/details.html"
    column_list = ("created_at", "status", "name", "email", "school_name", "kind", "brin", "handled_at")
    column_details_list = (
        "created_at",
        "status",
        "name",
        "email",
        "function",
        "school_name",
        "kind",
        "brin",
        "message",
        "handled_by_email",
        "handled_at",
        "rejection_reason",
        "created_user",
        "institution",
        "ip_address",
    )
    column_choices = {"kind": INSTITUTION_KINDS}
    column_formatters = {
        "status": _status_badge,
        "email": _email_with_account,
        "created_at": _moment,
        "handled_at": _moment,
    }
    column_formatters_detail = {
        "status": _status_badge,
        "created_at": _moment,
        "handled_at": _moment,
        "message": lambda v, c, m, n: Markup("<div style='white-space:pre-wrap'>%s</div>") % escape(m.message or ""),
        "kind": lambda v, c, m, n: m.kind_label,
    }
    column_searchable_list = ("name", "email", "school_name", "brin")
    # The status filter comes first: the home panel links to ?flt0_0=submitted.
    column_filters = (
        filters.FilterEqual("status", "Status", options=ACCESS_STATUSES),
        filters.FilterEqual("kind", "Soort school", options=INSTITUTION_KINDS),
        filters.DateTimeBetweenFilter("created_at", "Ingediend in periode"),
    )
    column_default_sort = ("created_at", True)
    list_template = "access/list.html"

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        rows = list(rows)
        # One query for the whole page: which addresses already have an account.
        g.access_existing_accounts = access.existing_accounts(r.email for r in rows)
        return count, rows

    def may_decide_now(self):
        return access.may_decide(current_user)

    def review(self, model):
        """What the reviewer needs next to the request: existing account, existing school, may I decide."""
        account = access.existing_accounts([model.email]).get(model.email)
        school = access.existing_institutions([model.brin]).get(model.brin)
        return {
            "account": account,
            "school": school,
            "kind_differs": bool(school and school.kind != model.kind),
            "may_decide": access.may_decide(current_user) and model.status == STATUS_SUBMITTED,
            "kinds": dict(INSTITUTION_KINDS),
        }

    def _details(self, model):
        return redirect(self.get_url(".details_view", id=str(model.pk)))

    @expose("/goedkeuren/<id>", methods=["POST"])
    def approve_view(self, id):
        model = access.request_to_decide(current_user, id)
        try:
            user = access.approve_request(model, current_user._get_current_object())
        except access.AccessError as exc:
            flash(str(exc), "danger")
        else:
            flash(
                f"De aanvraag is goedgekeurd. Het account voor {user.email} bij {user.institution.name} is "
                "aangemaakt en er is een e-mail verstuurd om een wachtwoord te kiezen.",
                "success",
            )
        return self._details(model)

    @expose("/afwijzen/<id>", methods=["POST"])
    def reject_view(self, id):
        model = access.request_to_decide(current_user, id)
        try:
            mailed = access.reject_request(model, current_user._get_current_object(), request.form.get("reason"))
        except access.AccessError as exc:
            flash(str(exc), "danger")
        else:
            if mailed:
                flash(f"De aanvraag is afgewezen. {model.email} heeft een e-mail met de reden gekregen.", "success")
            else:
                flash(
                    f"De aanvraag is afgewezen, maar de e-mail aan {model.email} kon niet worden verstuurd. "
                    "Laat de aanvrager de reden op een andere manier weten.",
                    "warning",
                )
        return self._details(model)


def open_requests_panel(user):
    """Home page for SBB-beheerders: how many requests wait, linking to that filtered list."""
    if not (can(user, "handle_requests") and can(user, "manage_accounts")):
        return None
    return {
        "template": "access/home_panel.html",
        "open_access_requests": access.open_count(),
        "open_access_requests_url": url_for("access_requests.index_view", flt0_0=STATUS_SUBMITTED),
    }


def register(admin, app):
    """Add this area's views, blueprints and home panels."""
    app.register_blueprint(bp)
    admin.add_view(
        AccessRequestView(
            AccessRequest,
            name="Toegangsaanvragen",
            category=VERZOEKEN,
            endpoint="access_requests",
            url="/verzoeken/toegangsaanvragen",
        )
    )
    registry.HOME_PANELS.append(open_requests_panel)
