"""Beheer: schools, users, Algemene Voorwaarden and the audit log (SBB admins; the log also for schools)."""

from flask import flash, g
from flask_admin.actions import action
from flask_admin.contrib.mongoengine import filters
from flask_login import current_user
from markupsafe import Markup, escape
from mongoengine.errors import ValidationError as MongoValidationError
from wtforms import FileField, TextAreaField
from wtforms.validators import DataRequired

from admin_views.base import SecureModelView
from admin_views.filters import aantal
from core.text import counted
from documents.audit import ACTIONS, OBJECT_TYPES, AuditEvent
from documents.constants import INSTITUTION_KINDS, ROLES
from documents.files import StoredFile
from documents.institutions import Institution
from documents.users import Terms, User
from services import accounts, audit
from services.ids import ref_id
from services.images import MAX_LOGO_BYTES, ImageError, attach_logo
from services.permissions import sees_all_institutions

BEHEER = "Beheer"


def _audit_value(value):
    return f"(bestand, {len(value)} bytes)" if isinstance(value, bytes) else str(value if value is not None else "")


class AuditedModelView(SecureModelView):
    """Generic create/update/delete screens that leave an audit event for every change."""

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model._audit_changes = (
            {} if is_created else {f: _audit_value(getattr(model, f, None)) for f in model._get_changed_fields()}
        )

    def after_model_change(self, form, model, is_created):
        audit.record("create" if is_created else "update", model, changes=getattr(model, "_audit_changes", None))

    def after_model_delete(self, model):
        audit.record("delete", model)


class InstitutionView(AuditedModelView):
    capability = "manage_accounts"
    edit_capability = "manage_accounts"
    column_list = ("name", "brin", "kind", "city")
    column_searchable_list = ("name", "brin", "city")
    column_choices = {"kind": INSTITUTION_KINDS}
    column_filters = (filters.FilterEqual("kind", "Soort", options=INSTITUTION_KINDS),)
    column_default_sort = "name"
    allow_delete = False  # participants, users and statements keep pointing at their school
    form_excluded_columns = ("created_at", "logo_file", "logo_size", "logo_sha256", "logo_inline", "logo_type")
    form_extra_fields = {"logo_upload": FileField("Logo (JPG of PNG, hoogstens 2 MB)")}
    column_details_exclude_list = ("logo_file", "logo_size", "logo_sha256", "logo_inline", "logo_type")
    column_export_list = ("name", "brin", "kind", "address", "postcode", "city")

    def on_model_change(self, form, model, is_created):
        upload = form.logo_upload.data
        if upload and getattr(upload, "filename", ""):
            try:
                # Read one byte past the limit: a bigger file gets the size message, never a full read.
                model._replaced_logo = attach_logo(model, upload.read(MAX_LOGO_BYTES + 1))
            except ImageError as exc:
                raise MongoValidationError(str(exc), errors={"logo": MongoValidationError(str(exc))}) from None
        super().on_model_change(form, model, is_created)

    def after_model_change(self, form, model, is_created):
        StoredFile.discard(getattr(model, "_replaced_logo", None))  # the logo it replaced
        super().after_model_change(form, model, is_created)

    can_export = True
    export_types = ("csv", "xlsx")
    can_view_details = True


def institution_name(view, context, model, name):
    """The school's name from one look-up per request (not one query per row)."""
    names = g.get("institution_names")
    if names is None:
        names = g.institution_names = {i.pk: i.name for i in Institution.objects.only("name")}
    ref = model._data.get("institution")
    return names.get(ref_id(ref), "") if ref is not None else ""


class UserView(AuditedModelView):
    capability = "manage_accounts"
    edit_capability = "manage_accounts"
    allow_delete = False  # deactivate instead: the audit trail keeps pointing at the account
    can_view_details = True
    column_list = ("name", "email", "role", "institution", "active", "last_login_at")
    column_formatters = {"institution": institution_name}
    column_searchable_list = ("name", "email")
    column_choices = {"role": ROLES}
    column_filters = (
        filters.FilterEqual("role", "Rol", options=ROLES),
        filters.BooleanEqualFilter("active", "Actief"),
    )
    column_details_exclude_list = ("password_hash", "session_token")
    form_columns = ("email", "name", "role", "institution", "function", "active")
    form_args = {"institution": {"allow_blank": True, "blank_text": "(geen: SBB)"}}

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        if is_created:
            self._send_reset_mails([model])

    def _send_reset_mails(self, users):
        sent, failed = 0, []
        for user in users:
            try:
                accounts.request_password_reset(user.email, strict=True)
                sent += 1
            except OSError:
                failed.append(user.email)
        if sent:
            message = counted("Wachtwoordmail verstuurd naar {n} {gebruiker|gebruikers}", sent)
            flash(f"{message}: zij kiezen zelf een wachtwoord.", "success")
        if failed:
            flash(
                "De mailserver gaf een fout; geen wachtwoordmail verstuurd naar "
                + ", ".join(failed)
                + ". Probeer het later opnieuw met 'Wachtwoordmail sturen'.",
                "error",
            )

    def _set_active(self, ids, active):
        changed = 0
        for user in self.get_query().filter(pk__in=ids):
            try:
                changed += accounts.set_active(user, active, by=current_user._get_current_object())
            except accounts.AccountError as exc:
                flash(str(exc), "error")
        flash(f"{aantal(changed, 'account', 'accounts')} {'geactiveerd' if active else 'gedeactiveerd'}.", "success")

    @action("deactivate", "Deactiveren", "Weet u zeker dat u de geselecteerde accounts wilt deactiveren?")
    def action_deactivate(self, ids):
        self._set_active(ids, False)

    @action("activate", "Activeren", "Weet u zeker dat u de geselecteerde accounts wilt activeren?")
    def action_activate(self, ids):
        self._set_active(ids, True)

    @action("reset_mail", "Wachtwoordmail sturen", "Een e-mail sturen om een nieuw wachtwoord te kiezen?")
    def action_reset_mail(self, ids):
        self._send_reset_mails(list(self.get_query().filter(pk__in=ids, active=True)))


class TermsView(SecureModelView):
    """Publishing is the only change: a published version is never edited."""

    capability = "manage_terms"
    edit_capability = "manage_terms"
    allow_edit = False
    allow_delete = False
    can_view_details = True
    column_list = ("version", "published_at", "published_by")
    column_details_list = ("version", "published_at", "published_by", "text")
    column_formatters_detail = {
        "text": lambda v, c, m, n: Markup("<div style='white-space:pre-wrap'>%s</div>") % escape(m.text)
    }
    form_columns = ("text",)
    form_overrides = {"text": TextAreaField}
    form_args = {
        "text": {
            "label": "Tekst van de nieuwe versie",
            "validators": [DataRequired("Vul de tekst in.")],
            "render_kw": {"rows": 18},
        }
    }

    def create_model(self, form):
        terms = accounts.publish_terms(form.text.data, by=current_user._get_current_object())
        flash(
            f"Versie {terms.version} is gepubliceerd. Iedere gebruiker moet deze accepteren bij de volgende stap.",
            "success",
        )
        return terms


class AuditEventView(SecureModelView):
    """Read-only history; school staff see only events of their own school."""

    capability = "view_audit_own"
    allow_create = False
    allow_edit = False
    allow_delete = False
    can_view_details = True
    can_export = True
    export_types = ("csv", "xlsx")
    column_list = ("at", "user_email", "institution_name", "action", "object_type", "object_label", "ip_address")
    column_choices = {"action": ACTIONS, "object_type": OBJECT_TYPES}
    column_formatters_detail = {
        "changes": lambda v, c, m, n: "; ".join(f"{k}: {val}" for k, val in (m.changes or {}).items())
    }
    column_searchable_list = ("user_email", "object_label", "object_id")
    column_filters = (
        filters.FilterLike("user_email", "Gebruiker"),
        filters.FilterEqual("action", "Actie", options=ACTIONS),
        filters.FilterEqual("object_type", "Soort object", options=OBJECT_TYPES),
        filters.FilterEqual("object_id", "Object-id"),
        filters.FilterLike("institution_name", "Onderwijsinstelling"),
        filters.DateTimeBetweenFilter("at", "Periode"),
    )
    column_default_sort = ("at", True)

    def get_query(self):
        query = super().get_query()
        if sees_all_institutions(current_user):
            return query
        institution = current_user.institution
        return query.filter(institution_id=institution.pk if institution else None)


def register(admin, app):
    admin.add_view(
        InstitutionView(
            Institution,
            name="Onderwijsinstellingen",
            category=BEHEER,
            endpoint="institutions",
            url="/beheer/onderwijsinstellingen",
        )
    )
    admin.add_view(UserView(User, name="Gebruikers", category=BEHEER, endpoint="users", url="/beheer/gebruikers"))
    admin.add_view(
        TermsView(Terms, name="Algemene Voorwaarden", category=BEHEER, endpoint="terms", url="/beheer/voorwaarden")
    )
    admin.add_view(
        AuditEventView(
            AuditEvent, name="Geschiedenis", category=BEHEER, endpoint="auditlog", url="/beheer/geschiedenis"
        )
    )
