"""The JSON API for school information systems under /api/v1 (flask-smorest writes the OpenAPI document).

Keys, not sessions: every request authenticates with `Authorization: Bearer <key>`; cookies are removed before
the API sees the request, so a signed-in browser session never counts. Views are thin: the services do the work.
"""

from flask import Blueprint as FlaskBlueprint
from flask import render_template, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from api.problems import PROBLEM_TYPE, TITLES, handle_exception, problem
from api.schemas import ProblemSchema

PREFIX = "/api/v1"


class ProblemApi(Api):
    """flask-smorest with RFC 9457 errors: documented as application/problem+json, answered by our handlers."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        # Errors under /api/v1 are answered by the API's own blueprints; the rest of the app keeps its pages.
        pass

    def _register_responses(self):
        import http

        for status in http.HTTPStatus:
            response = {"description": TITLES.get(status.value, status.phrase)}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Fout (application/problem+json)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class CookieFree:
    """WSGI middleware: requests to the API reach the app without cookies (a session never authenticates)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith(PREFIX + "/") or environ.get("PATH_INFO") == PREFIX:
            environ.pop("HTTP_COOKIE", None)
        return self.wsgi_app(environ, start_response)


def init_api(app):
    from admin_views.security import csrf
    from api import docs as docs_page
    from api import views

    app.config.setdefault("API_TITLE", "Praktijkloket API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = ProblemApi(
        app,
        spec_kwargs={
            "info": {
                "description": (
                    "API voor leerlingvolgsystemen van scholen: deelnemers bijhouden, statussen en PDF's van "
                    "praktijkverklaringen ophalen. Maak een sleutel in Beheer > API-sleutels en stuur die mee als "
                    "'Authorization: Bearer <sleutel>'. Fouten komen als application/problem+json (RFC 9457)."
                )
            },
            "servers": [{"url": "/"}],
            "security": [{"sleutel": []}],
        },
    )
    api.spec.components.security_scheme(
        "sleutel", {"type": "http", "scheme": "bearer", "description": "API-sleutel van de onderwijsinstelling"}
    )
    for bp in views.BLUEPRINTS:  # set up once, in api.views (blueprints are shared by every app a test makes)
        api.register_blueprint(bp, url_prefix=PREFIX)

    pages = FlaskBlueprint("api_pages", __name__, url_prefix=PREFIX)

    @pages.route("/docs")
    def docs():
        spec = api.spec.to_dict()
        return render_template(
            "api/docs.html",
            spec=spec,
            prefix=PREFIX,
            operations=docs_page.operations(spec),
            schemas=docs_page.schemas(spec),
        )

    # Anything else under /api/v1 is a problem+json 404, not the HTML page of the web screens.
    @pages.route("/<path:_rest>", methods=("GET", "POST", "PUT", "PATCH", "DELETE"))
    def unknown(_rest):
        return problem(404, "Dit adres bestaat niet in de API. Zie /api/v1/docs.")

    pages.register_error_handler(Exception, handle_exception)
    for code in (400, 404, 405, 429, 500):
        pages.register_error_handler(code, handle_exception)
    csrf.exempt(pages)
    app.register_blueprint(pages)

    # A wrong method on an API address is a routing error (no blueprint yet): answer it as problem+json too.
    # The web screens have no 405 page of their own and keep werkzeug's.
    @app.errorhandler(405)
    def method_not_allowed(exc):
        if request.path.startswith(PREFIX + "/"):
            return handle_exception(exc)
        return exc

    app.wsgi_app = CookieFree(app.wsgi_app)
    app.extensions["praktijkloket_api"] = api
    return api
