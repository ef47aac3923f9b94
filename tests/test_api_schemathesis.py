"""Schemathesis generates requests from /api/v1/openapi.json: no server errors, every answer as documented."""

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app import create_app
from services.api_keys import create_key
from services.clock import local_today
from tests.conftest import BASE_CONFIG, make_app
from tests.statement_helpers import final_statement, user

# Examples per operation: 15 keeps the whole file near half a minute on this machine.
MAX_EXAMPLES = 15


@pytest.fixture
def api_app(demo_dump):
    # A generous rate limit: the generated requests must be judged on their answers, not stopped by 429.
    application = make_app(demo_dump, API_RATE_LIMIT="100000 per minute", API_AUTH_FAILURE_LIMIT="100000 per minute")
    with application.app_context():
        final_statement()  # so the statement endpoints have real data besides the 404s
        _key, plain = create_key(
            user("mbo@school.example"),
            name="schemathesis",
            scope_code="write",
            expires_on=local_today() + timedelta(days=5),
        )
        application.config["TEST_API_KEY"] = plain
        yield application


def _document():
    """The OpenAPI document as the app serves it (read once at collection; the calls go to each test's app)."""
    application = create_app(dict(BASE_CONFIG))
    return application.test_client().get("/api/v1/openapi.json").get_json()


# (schemathesis.pytest.from_fixture fails on pytest 9: the document is loaded here, the app comes per test.)
schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_document(case, api_app):
    case.call_and_validate(
        app=api_app,
        headers={"Authorization": f"Bearer {api_app.config['TEST_API_KEY']}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
