"""Beheer > API-sleutels: school staff make and revoke keys of their own school; SBB admins pick the school."""

from datetime import date, timedelta

from flask import make_response, request
from flask_admin import expose
from flask_login import current_user

from admin_views.beheer import BEHEER, institution_name
from admin_views.lists import Outcome, ScopedListView, scoped_action
from core.clock import local_today
from documents.api_keys import ApiKey
from documents.constants import API_KEY_SCOPES
from documents.institutions import Institution
from services import api_keys as svc
from services.errors import RuleBroken
from services.permissions import sees_all_institutions

DEFAULT_VALID_DAYS = 365


class ApiKeyView(ScopedListView):
    capability = "manage_api_keys"
    edit_capability = "manage_api_keys"
    allow_create = True
    list_template = "api/key_list.html"
    search_hint = "Naam van de sleutel"
    column_list = ("name", "institution", "scope", "prefix", "expires_on", "last_used_at", "revoked_at")
    column_formatters = {"institution": institution_name}
    column_choices = {"scope": API_KEY_SCOPES}
    column_searchable_list = ("name",)
    column_sortable_list = ("name", "expires_on", "last_used_at")
    column_default_sort = ("created_at", True)
    column_details_list = (
        "name",
        "institution",
        "scope",
        "prefix",
        "expires_on",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    column_formatters_detail = {"institution": institution_name}

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """Make a key; the answer page shows it once (it is not stored, and never travels in a cookie)."""
        if not self.can_create:
            return self.inaccessible_callback("create_view")
        schools = list(Institution.objects.only("name").order_by("name")) if sees_all_institutions(current_user) else []
        form = request.form
        error = None
        if request.method == "POST":
            try:
                key, plain = svc.create_key(
                    current_user,
                    name=form.get("name", ""),
                    scope_code=form.get("scope", ""),
                    expires_on=_parse_date(form.get("expires_on", "")),
                    institution_id=form.get("institution"),
                )
            except RuleBroken as exc:
                error = exc.message
            else:
                page = make_response(
                    self.render(
                        "api/key_created.html",
                        key=key,
                        plain=plain,
                        scope_label=dict(API_KEY_SCOPES)[key.scope],
                        list_url=self.get_url(".index_view"),
                    )
                )
                page.headers["Cache-Control"] = "no-store"  # the key must not stay in a browser or proxy cache
                return page
        default_expiry = (local_today() + timedelta(days=DEFAULT_VALID_DAYS)).isoformat()
        return self.render(
            "api/key_new.html",
            form=form,
            error=error,
            schools=schools,
            scopes=API_KEY_SCOPES,
            default_expiry=default_expiry,
            list_url=self.get_url(".index_view"),
        )

    @scoped_action(
        "revoke",
        "Intrekken",
        "{n} {sleutel|sleutels} intrekken? Een ingetrokken sleutel werkt nooit meer.",
        capability="manage_api_keys",
    )
    def action_revoke(self, ids):
        outcome = Outcome().run(self.objects(ids), lambda key: svc.revoke_key(current_user, key), label=str)
        return self.report(
            "API-sleutels intrekken",
            outcome,
            done_text="{n} {sleutel|sleutels} ingetrokken.",
            done_heading="Ingetrokken",
            refused_heading="Niet ingetrokken",
        )


def _parse_date(value):
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise RuleBroken("Vul een geldige vervaldatum in (dd-mm-jjjj).") from None


def register(admin, app):
    admin.add_view(
        ApiKeyView(ApiKey, name="API-sleutels", category=BEHEER, endpoint="api_keys", url="/beheer/api-sleutels")
    )
