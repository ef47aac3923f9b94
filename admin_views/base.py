"""Base classes every screen builds on: access by capability, Dutch defaults, CSRF-carrying forms."""

from datetime import date, datetime

from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.mongoengine import ModelView
from flask_admin.model import typefmt
from flask_login import current_user
from flask_wtf import FlaskForm
from mongoengine.errors import NotUniqueError
from mongoengine.errors import ValidationError as MongoValidationError

from services import audit, spreadsheet
from services.clock import format_date, format_datetime, local_today
from services.errors import DomainError, validation_messages
from services.permissions import can
from services.text import fold


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

    def _get_list_extra_args(self):
        # A negative page would become a negative skip, which MongoDB refuses (mongomock does not): the first page.
        view_args = super()._get_list_extra_args()
        view_args.page = max(view_args.page or 0, 0)
        return view_args

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

    def get_column_name(self, field):
        """Dutch headers from the documents' verbose_name (Flask-Admin lists would prettify the English name)."""
        if self.column_labels and field in self.column_labels:
            return self.column_labels[field]
        model_field = self.model._fields.get(field) if isinstance(field, str) else None
        if model_field is not None and getattr(model_field, "verbose_name", None):
            return model_field.verbose_name
        return super().get_column_name(field)

    def handle_view_exception(self, exc):
        """Say in Dutch what to fix instead of passing the database's English error text on."""
        if isinstance(exc, NotUniqueError):
            flash(
                "Dit kan niet worden opgeslagen: er bestaat al een item met dezelfde unieke gegevens "
                "(bijvoorbeeld hetzelfde e-mailadres, dezelfde BRIN-code of hetzelfde leerbedrijf-ID).",
                "error",
            )
            return True
        if isinstance(exc, MongoValidationError):
            flash("Dit kan niet worden opgeslagen: " + " ".join(validation_messages(exc)), "error")
            return True
        if isinstance(exc, DomainError):
            flash(exc.message, "error")
            return True
        return super().handle_view_exception(exc)

    # --- export: through services.spreadsheet (typed Excel cells, CSV for Dutch Excel, no formulas) ------------

    def _export_cell(self, model, name):
        if name in (self.column_formatters_export or {}):
            return self.get_export_value(model, name)
        value = model
        for part in name.split("."):
            value = getattr(value, part, None) if value is not None else None
        choices = dict(self.column_choices or {}).get(name)
        if choices:
            return dict(choices).get(value, value or "")
        if value is None:
            return ""
        if isinstance(value, bool):
            return "Ja" if value else "Nee"
        if isinstance(value, (date, datetime, int, float)):
            return value  # stored UTC: write_csv and write_xlsx show Dutch time themselves
        return str(value)

    @expose("/export/<export_type>/")
    def export(self, export_type):
        if not self.can_export or export_type not in self.export_types:
            abort(403)
        count, data = self._export_data()
        if hasattr(data, "no_cache"):
            data = data.no_cache()  # rows are written as they come: no list of every document in memory
        columns = self.get_export_columns()
        headers = [label for _name, label in columns]
        rows = ([self._export_cell(model, name) for name, _label in columns] for model in data)
        title = self.name or "Export"
        audit.record(
            "export",
            None,
            object_type=self.model.__name__,
            label=f"{title} ({export_type})",
            changes={"rijen": min(count, self.export_max_rows) if self.export_max_rows else count},
        )
        body, mimetype = spreadsheet.export_body(export_type, headers, rows, sheet_title=title)
        if export_type == "csv":
            body = stream_with_context(body)  # streamed to the client while it is written
        filename = f"{fold(title).replace(' ', '-')}-{local_today():%Y%m%d}.{'csv' if export_type == 'csv' else 'xlsx'}"
        return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    def on_model_change(self, form, model, is_created):
        self._refuse_if_read_only()

    def on_model_delete(self, model):
        self._refuse_if_read_only()
