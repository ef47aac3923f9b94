"""Praktijkloket: the application factory. `python app.py` starts it; `flask --app app ...` runs commands."""

import logging
import os
import secrets

from flask import Flask

from services.demo import DEMO_PASSWORD, DEMO_USERS

log = logging.getLogger("praktijkloket")


class Config:
    """Settings from environment variables (documented in the README)."""

    def __init__(self, environ=None):
        env = os.environ if environ is None else environ
        self.SECRET_KEY = env.get("SECRET_KEY")
        self.MONGODB_URI = env.get("MONGODB_URI") or None
        self.MONGODB_DB = env.get("MONGODB_DB", "praktijkloket")
        self.HOST = env.get("HOST", "127.0.0.1")
        self.PORT = int(env.get("PORT", "5000"))
        # Addresses in mails, PDFs and QR codes; by default where `python app.py` listens.
        self.PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL") or f"http://{self.HOST}:{self.PORT}"
        self.MAIL_SERVER = env.get("MAIL_SERVER") or None
        self.MAIL_PORT = int(env.get("MAIL_PORT", "25"))
        self.MAIL_USE_TLS = env.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes", "ja")
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_SENDER = env.get("MAIL_SENDER", "Praktijkloket <noreply@praktijkloket.example>")
        self.RETENTION_YEARS = int(env.get("RETENTION_YEARS", "7"))
        self.SEED_DEMO = env.get("SEED_DEMO", "1") != "0"
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", "0"))
        # Who users reach with questions; shown on the Hulp pages (an unset phone number is left out).
        self.SERVICEDESK_EMAIL = env.get("SERVICEDESK_EMAIL", "servicedesk@praktijkloket.example")
        self.SERVICEDESK_PHONE = env.get("SERVICEDESK_PHONE") or None
        # The key final PDFs are signed with (PAdES): a PKCS#12 file, or PEM key + certificate (+ chain); paths
        # or PEM text. Without one, demo mode (or SIGNING_DEMO_CA=1) signs with a CA kept in the database.
        self.SIGNING_PKCS12 = env.get("SIGNING_PKCS12") or None
        self.SIGNING_PKCS12_PASSWORD = env.get("SIGNING_PKCS12_PASSWORD") or None
        self.SIGNING_KEY_PEM = env.get("SIGNING_KEY_PEM") or None
        self.SIGNING_KEY_PASSWORD = env.get("SIGNING_KEY_PASSWORD") or None
        self.SIGNING_CERT_PEM = env.get("SIGNING_CERT_PEM") or None
        self.SIGNING_CHAIN_PEM = env.get("SIGNING_CHAIN_PEM") or None
        self.SIGNING_TRUST_PEM = env.get("SIGNING_TRUST_PEM") or None
        self.SIGNING_DEMO_CA = env.get("SIGNING_DEMO_CA", "").lower() in ("1", "true", "yes", "ja")
        self.TSA_URL = env.get("TSA_URL") or None

    def as_dict(self):
        return dict(vars(self))


def create_app(config=None):
    """Build the application: settings, database, auth, admin, blueprints, commands."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(Config().as_dict())
    app.config.update(
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="nl",
        BABEL_DEFAULT_TIMEZONE="Europe/Amsterdam",
    )
    if config:
        app.config.update(config)

    demo = not app.config["MONGODB_URI"]
    app.config["DEMO_MODE"] = demo
    if not app.config.get("SECRET_KEY"):
        if not demo:
            raise RuntimeError(
                "SECRET_KEY ontbreekt: met MONGODB_URI (productie) start het Praktijkloket niet zonder SECRET_KEY."
            )
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    from services import signing

    if not demo and not app.config["SIGNING_DEMO_CA"] and not _signing_key_configured(app.config):
        raise RuntimeError(
            "Ondertekeningssleutel ontbreekt: met MONGODB_URI (productie) start het Praktijkloket niet zonder "
            "SIGNING_PKCS12 (met SIGNING_PKCS12_PASSWORD) of SIGNING_KEY_PEM en SIGNING_CERT_PEM. Zet "
            "SIGNING_DEMO_CA=1 om bewust te ondertekenen met een zelfgemaakte CA in de database."
        )
    secure = app.config["PUBLIC_BASE_URL"].startswith("https://")
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from services import database

    database.connect(app)
    database.ensure_indexes()

    from admin_views import init_web

    init_web(app)

    from api import init_api

    init_api(app)

    from services import companies, participant_overview

    participant_overview.connect()
    companies.connect()

    from services.cli import register_commands

    register_commands(app)
    from services.pdf.cli import rotate_signing_key_command

    app.cli.add_command(rotate_signing_key_command)

    if demo:
        log.warning(
            "DEMOMODUS: het Praktijkloket draait op een database in het geheugen; "
            "alle gegevens zijn weg zodra het proces stopt. Zet MONGODB_URI voor productie."
        )
        if app.config["SEED_DEMO"]:
            from services.demo import seed_demo

            with app.app_context():
                seed_demo()
            log.warning("Demo-accounts (wachtwoord %s): %s", DEMO_PASSWORD, ", ".join(demo_accounts()))
            from services.demo_trainer_review import demo_link

            with app.app_context():
                link = demo_link()
            if link:
                log.warning("Demo-uitnodiging praktijkopleider (zonder account): %s", link)
            from services.demo_api import seed_demo_api_key

            with app.app_context():
                demo_key = seed_demo_api_key()
            if demo_key:
                log.warning("Demo-API-sleutel voor ROC Demo (documentatie op /api/v1/docs): %s", demo_key)
    # After the demo seed (which empties the database): the key every app server signs with from now on.
    with app.app_context():
        signing.ensure_ready(demo=demo)
    return app


def _signing_key_configured(config):
    return bool(config.get("SIGNING_PKCS12") or (config.get("SIGNING_KEY_PEM") and config.get("SIGNING_CERT_PEM")))


def demo_accounts():
    return [u["email"] for u in DEMO_USERS]


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    application = create_app()
    application.run(host=application.config["HOST"], port=application.config["PORT"])
