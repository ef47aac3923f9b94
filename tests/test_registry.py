"""The areas' extension entries live on each app (app.extensions), not in module state."""

from app import create_app
from services import registry
from tests.conftest import BASE_CONFIG

KINDS = ("HOME_PANELS", "PARTICIPANT_PANELS", "PARTICIPANT_OVERVIEW_COLUMNS", "PARTICIPANT_DEPENDENTS")


def test_second_app_adds_no_duplicate_entries(app):
    before = {name: len(getattr(registry, name)) for name in KINDS}
    second = create_app(dict(BASE_CONFIG))
    after = {name: len(getattr(registry, name)) for name in before}
    assert before == after
    assert all(count > 0 for count in after.values())
    with second.app_context():
        assert {name: len(getattr(registry, name)) for name in KINDS} == before


def test_the_registry_is_the_apps_own(app):
    """Each app holds its lists in app.extensions; a second app neither shares nor changes them."""
    mine = registry.of(app)
    assert set(mine) == set(KINDS) and app.extensions[registry.EXTENSION] is mine
    second = create_app(dict(BASE_CONFIG))
    theirs = registry.of(second)
    assert all(theirs[kind] is not mine[kind] for kind in KINDS)
    theirs["HOME_PANELS"].append(print)
    assert print not in registry.HOME_PANELS  # this test runs in the first app's context
    with second.app_context():
        assert print in registry.HOME_PANELS
