"""Login manager, CSRF, rate limits, security headers, the terms gate and Dutch error pages."""

from urllib.parse import urlsplit

from flask import flash, has_request_context, redirect, render_template, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from mongoengine.errors import ValidationError as MongoValidationError

from documents.users import User
from services.accounts import needs_terms
from services.errors import NotFound, NotPermitted, RuleBroken
from services.urls import local_url

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, headers_enabled=False)

# Scripts only from our own files (no inline script or event handler: templates ask static/praktijkloket.js
# through data attributes). Styles allow inline because Bootstrap 4 and Flask-Admin set style attributes;
# images allow data: because Bootstrap's CSS draws its checkboxes, selects and toggler icons as data: SVGs.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)

# Pages a signed-in user may see before accepting the terms.
TERMS_EXEMPT = {
    "auth.terms",
    "auth.logout",
    "static",
    "admin.static",
    "verification.verify",
    "verification.check",
    "verification.ca_certificate",  # public, like the rest of /verificatie
}


def load_user(user_id):
    pk, _, token = (user_id or "").partition(":")
    try:
        user = User.objects(pk=pk, active=True).first()
    except MongoValidationError:
        return None
    if user is None or user.session_token != token:
        return None
    return user


def audit_context():
    """(user, IP address) of the request being served, for the audit log; (None, None) outside a request."""
    if not has_request_context():
        return None, None
    user = current_user._get_current_object() if current_user and current_user.is_authenticated else None
    return user, request.remote_addr


def init_security(app):
    csrf.init_app(app)
    # The services write who did what from where, but read no request: the web layer tells them.
    app.extensions["audit_context"] = audit_context
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("MONGODB_URI") or "memory://")
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    limiter.init_app(app)

    login_manager = LoginManager(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in om deze pagina te bekijken."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)

    @app.before_request
    def terms_gate():
        if not current_user.is_authenticated or request.endpoint in TERMS_EXEMPT:
            return None
        if request.endpoint and request.endpoint.endswith(".static"):
            return None
        if needs_terms(current_user):
            return redirect(url_for("auth.terms", next=request.full_path.rstrip("?")))
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # A view that set its own policy (uploaded PDFs are served with `sandbox`) keeps it.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    def error_page(status, title, message):
        return render_template("errors/error.html", status=status, title=title, message=message), status

    @app.errorhandler(403)
    def forbidden(_e):
        return error_page(
            403,
            "Geen toegang",
            "U hebt geen toegang tot deze pagina met uw rol. Denkt u dat dit niet klopt? Neem contact op met SBB.",
        )

    @app.errorhandler(404)
    def not_found(_e):
        return error_page(
            404,
            "Niet gevonden",
            "Deze pagina of dit gegeven bestaat niet (meer), of hoort niet bij uw onderwijsinstelling.",
        )

    # The one place where the services' domain errors become answers: they know nothing of HTTP.
    @app.errorhandler(NotFound)
    def domain_not_found(exc):
        return error_page(404, "Niet gevonden", exc.message)

    @app.errorhandler(NotPermitted)
    def domain_not_permitted(exc):
        return error_page(403, "Geen toegang", exc.message)

    @app.errorhandler(RuleBroken)
    def domain_rule_broken(exc):
        """A rule a view did not catch itself: say it, and go back to the page the user came from."""
        flash(exc.message, "error")
        referrer = urlsplit(request.referrer or "")
        back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
        if referrer.netloc not in ("", request.host):
            back = None
        if request.method == "GET" and back == request.full_path.rstrip("?"):
            back = None  # the page itself refused: going back to it would loop
        return redirect(local_url(back) or url_for("admin.index"))

    @app.errorhandler(413)
    def too_large(_e):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return error_page(
            413,
            "Bestand te groot",
            f"Het verstuurde bestand is te groot (maximaal {limit} MB). Kies een kleiner bestand.",
        )

    @app.errorhandler(429)
    def too_many(_e):
        return error_page(
            429, "Te veel pogingen", "Er zijn te veel pogingen gedaan. Wacht een kwartier en probeer het dan opnieuw."
        )

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return error_page(
            400,
            "Formulier verlopen",
            "Het formulier is verlopen of niet geldig. Ga terug, vernieuw de pagina en probeer het opnieuw.",
        )

    @app.errorhandler(500)
    def server_error(_e):
        return error_page(
            500,
            "Er ging iets mis",
            "Er ging iets mis aan onze kant. Probeer het later opnieuw; "
            "blijft het misgaan, neem dan contact op met SBB.",
        )
