"""Building a second app in the same process does not add the areas' extension entries twice."""

from app import create_app
from services import registry
from tests.conftest import BASE_CONFIG


def test_second_app_adds_no_duplicate_entries(app):
    before = {name: len(getattr(registry, name)) for name in
              ("HOME_PANELS", "PARTICIPANT_PANELS", "PARTICIPANT_OVERVIEW_COLUMNS", "PARTICIPANT_DEPENDENTS")}
    create_app(dict(BASE_CONFIG))
    after = {name: len(getattr(registry, name)) for name in before}
    assert before == after
    assert all(count > 0 for count in after.values())
