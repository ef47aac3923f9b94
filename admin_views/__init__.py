"""The web layer: Flask-Admin screens, step pages and blueprints. Thin: read input, call a service, render."""

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from admin_views import (
    access,
    api,
    beheer,
    companies,
    guidance,
    guidance_list,
    help,
    participants,
    qualification_list,
    qualifications,
    reports,
    statement_list,
    statements,
    trainer_review,
)
from admin_views.auth import bp as auth_bp
from admin_views.filters import register_filters
from admin_views.home import HomeView
from admin_views.i18n import init_i18n
from admin_views.security import init_security
from admin_views.verification import bp as verification_bp

# Menu order: each area module adds its views with one of these categories.
AREAS = (
    participants,
    companies,
    qualification_list,  # the search before the import in the Kwalificaties menu
    qualifications,
    guidance,
    guidance_list,
    statement_list,
    statements,
    access,
    reports,
    beheer,
    api,
    help,
)


def init_web(app):
    init_i18n(app)
    init_security(app)
    register_filters(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(verification_bp)
    trainer_review.register(app)
    admin = Admin(
        app,
        name="Praktijkloket",
        url="/",
        index_view=HomeView(name="Start", url="/", endpoint="admin"),
        theme=Bootstrap4Theme(base_template="layout.html", fluid=True),
        static_url_path="/admin-static",
    )
    with app.app_context():  # the areas add to services.registry, which lives on this app
        for area in AREAS:
            area.register(admin, app)
    app.extensions["praktijkloket_admin"] = admin
    return admin
