"""Inloggen, uitloggen, Algemene Voorwaarden accepteren and Nieuw wachtwoord aanvragen."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, PasswordField
from wtforms.validators import DataRequired

from admin_views.security import limiter
from documents.constants import ROLE_SCHOOL_STAFF
from documents.users import MIN_PASSWORD_LENGTH, Terms, normalise_email
from services import accounts, audit
from services.urls import local_url

bp = Blueprint("auth", __name__)

GENERIC_LOGIN_ERROR = "Het e-mailadres of het wachtwoord is onjuist, of het account is niet actief."


class LoginForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul uw e-mailadres in.")])
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul uw wachtwoord in.")])
    next = HiddenField()


class ForgotForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul uw e-mailadres in.")])


class ResetForm(FlaskForm):
    password = PasswordField("Nieuw wachtwoord", validators=[DataRequired("Kies een nieuw wachtwoord.")])
    repeat = PasswordField("Herhaal het nieuwe wachtwoord", validators=[DataRequired("Herhaal het wachtwoord.")])


class TermsForm(FlaskForm):
    version = IntegerField(validators=[DataRequired()])
    next = HiddenField()


def safe_next(target):
    """Return target only when it is a path on this site; otherwise the home page."""
    return local_url(target) or url_for("admin.index")


def _after_terms(target):
    """Return where to go after accepting the terms: school staff start at the deelnemersoverzicht."""
    home = url_for("admin.index")
    destination = safe_next(target)
    # The guide's first screen for a school is the participant list; the gate sends everyone via the
    # home page, so only an explicit deeper page (a link followed before accepting) is kept.
    if current_user.role == ROLE_SCHOOL_STAFF and destination == home:
        return url_for("participants.index_view")
    return destination


def _account_key():
    return "login:" + normalise_email(request.form.get("email"))


def _failed(response):
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per 15 minutes", methods=["POST"], deduct_when=_failed)
@limiter.limit("5 per 15 minutes", key_func=_account_key, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(safe_next(form.next.data))
        error = GENERIC_LOGIN_ERROR
    elif request.method == "POST":
        error = GENERIC_LOGIN_ERROR
    status = 200 if request.method == "GET" else 401
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    audit.record("logout", current_user._get_current_object())
    logout_user()
    flash("U bent uitgelogd.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/voorwaarden", methods=["GET", "POST"])
@login_required
def terms():
    current = Terms.current()
    form = TermsForm(next=request.args.get("next", ""))
    if current is None:
        return redirect(url_for("admin.index"))
    if form.validate_on_submit():
        try:
            accounts.accept_terms(current_user._get_current_object(), form.version.data)
        except accounts.AccountError as exc:
            flash(str(exc), "danger")
            return redirect(url_for("auth.terms"))
        flash("Bedankt. U hebt de Algemene Voorwaarden geaccepteerd.", "success")
        return redirect(_after_terms(form.next.data))
    form.version.data = current.version
    return render_template("auth/terms.html", form=form, terms=current, must_accept=accounts.needs_terms(current_user))


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        flash(
            "Als er een account met dit e-mailadres bestaat, hebt u een e-mail ontvangen met een link om "
            "een nieuw wachtwoord te kiezen. De link is één uur geldig.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/wachtwoord-instellen/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token):
    if accounts.valid_reset_token(token) is None:
        return render_template("auth/reset_invalid.html"), 410
    form = ResetForm()
    error = None
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data, form.repeat.data)
        except accounts.ResetLinkInvalid:
            return render_template("auth/reset_invalid.html"), 410
        except accounts.AccountError as exc:
            error = str(exc)
        else:
            flash("Uw nieuwe wachtwoord is ingesteld. U kunt nu inloggen.", "success")
            return redirect(url_for("auth.login"))
    elif request.method == "POST":
        error = next(iter(e for errs in form.errors.values() for e in errs))
    return render_template("auth/reset.html", form=form, error=error, min_length=MIN_PASSWORD_LENGTH)
