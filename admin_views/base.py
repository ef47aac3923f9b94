"""Base classes every screen builds on: access by capability, Dutch defaults, CSRF-carrying forms."""

from datetime import date, datetime

from flask import abort, redirect, request, url_for
from flask_admin import BaseView
from flask_admin.contrib.mongoengine import ModelView
from flask_admin.model import typefmt
from flask_login import current_user
from flask_wtf import FlaskForm

from services.clock import format_date, format_datetime
from services.permissions import can


class AdminForm(FlaskForm):
    """Flask-Admin forms as Flask-WTF forms: the CSRF token of CSRFProtect travels with them."""


# Flask-Admin takes the first formatter whose type matches: datetime (a subclass of date) must come first.
DUTCH_FORMATTERS = {
    datetime: lambda view, value, name=None: format_datetime(value),
    date: lambda view, value, name=None: format_date(value),
    bool: lambda view, value, name=None: "Ja" if value else "Nee",
    type(None): typefmt.empty_formatter,
    **{k: v for k, v in typefmt.BASE_FORMATTERS.items() if k not in (datetime, date, bool, type(None))},
}


class AccessMixin:
    """Shown and usable only for roles with `capability`; anonymous users go to the login page."""

    capability = "view_participants"

    def is_accessible(self):
        return current_user.is_authenticated and can(current_user, self.capability)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)


class SecureView(AccessMixin, BaseView):
    """A page of our own inside the admin layout (step pages, wizards, reports)."""


class SecureModelView(AccessMixin, ModelView):
    """A Flask-Admin list/form screen in Dutch; editing needs `edit_capability`."""

    edit_capability = "manage_registry"
    form_base_class = AdminForm
    column_type_formatters = DUTCH_FORMATTERS
    column_type_formatters_detail = DUTCH_FORMATTERS
    column_type_formatters_export = {
        datetime: lambda view, value, name=None: format_datetime(value),
        date: lambda view, value, name=None: format_date(value),
        bool: lambda view, value, name=None: "Ja" if value else "Nee",
        **{k: v for k, v in typefmt.EXPORT_FORMATTERS.items() if k not in (datetime, date, bool)},
    }
    can_set_page_size = True
    page_size = 20
    details_modal = False

    def _may_edit(self):
        return current_user.is_authenticated and can(current_user, self.edit_capability)

    # What the screen offers at all; the role must also carry `edit_capability`.
    allow_create = True
    allow_edit = True
    allow_delete = True

    @property
    def can_create(self):
        return self.allow_create and self._may_edit()

    @property
    def can_edit(self):
        return self.allow_edit and self._may_edit()

    @property
    def can_delete(self):
        return self.allow_delete and self._may_edit()

    def search_placeholder(self):
        return "Zoeken"

    def _refuse_if_read_only(self):
        if not self._may_edit():
            abort(403)

    def on_model_change(self, form, model, is_created):
        self._refuse_if_read_only()

    def on_model_delete(self, model):
        self._refuse_if_read_only()
