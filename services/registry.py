"""Extension points the step areas add to, so areas do not edit each other's files (panels, columns, counts).

Each area adds its entries inside its `register(admin, app)`. The entries live on the app
(`app.extensions["praktijkloket_registry"]`), not in this module: two apps in one process (tests, the benchmark)
each have their own. The names below (HOME_PANELS, ...) are the current app's lists, so they are read inside an
app context (a request, a CLI command, `with app.app_context()`). Adding the same entry again is a no-op.
"""

from flask import current_app
from werkzeug.local import LocalProxy

EXTENSION = "praktijkloket_registry"


KINDS = ("HOME_PANELS", "PARTICIPANT_PANELS", "PARTICIPANT_OVERVIEW_COLUMNS", "PARTICIPANT_DEPENDENTS")


class Registry(list):
    """An ordered list of extension entries that ignores an entry it already holds."""

    def append(self, entry):
        if entry not in self:
            super().append(entry)

    def insert(self, index, entry):
        if entry not in self:
            super().insert(index, entry)


def of(app):
    """The extension lists of this app, {kind: Registry}, made on first use."""
    return app.extensions.setdefault(EXTENSION, {kind: Registry() for kind in KINDS})


# Home page: callables f(user) -> {"template": "...html", ...context} or None. Rendered in order.
HOME_PANELS = LocalProxy(lambda: of(current_app)["HOME_PANELS"])

# Participant page, one panel per step: callables f(participant, user) -> {"order": int, "template": "...html",
# ...context} or None. Rendered sorted by "order" (2 leerbedrijf, 3 begeleidingsdocumenten, 4 praktijkverklaringen,
# 9 geschiedenis) below the participant's data.
PARTICIPANT_PANELS = LocalProxy(lambda: of(current_app)["PARTICIPANT_PANELS"])

# Deelnemersoverzicht: extra columns. Each is (key, Dutch header, f(participant_ids) -> {participant_id: text}).
# f is called once per page with all ids on the page (no per-row queries).
PARTICIPANT_OVERVIEW_COLUMNS = LocalProxy(lambda: of(current_app)["PARTICIPANT_OVERVIEW_COLUMNS"])

# Participant delete confirmation: callables f(participant) -> list of (Dutch description, count) of what goes with
# it. The deletion itself is the documents' business: every document that hangs off a participant declares
# `ReferenceField("Participant", reverse_delete_rule=CASCADE)` (a final statement leaves its withdrawal record
# from a pre_delete signal), so no path can delete a participant and leave orphans.
PARTICIPANT_DEPENDENTS = LocalProxy(lambda: of(current_app)["PARTICIPANT_DEPENDENTS"])
