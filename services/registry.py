"""Extension points the step areas add to, so areas do not edit each other's files (panels, columns, counts).

Each area adds its entries inside its `register(admin, app)`. A process can build several apps (tests, the
benchmark): adding the same entry again is a no-op, so entries must be module-level functions (or tuples of them).
"""


class Registry(list):
    """An ordered list of extension entries that ignores an entry it already holds."""

    def append(self, entry):
        if entry not in self:
            super().append(entry)

    def insert(self, index, entry):
        if entry not in self:
            super().insert(index, entry)


# Home page: callables f(user) -> {"template": "...html", ...context} or None. Rendered in order.
HOME_PANELS = Registry()

# Participant page, one panel per step: callables f(participant, user) -> {"order": int, "template": "...html",
# ...context} or None. Rendered sorted by "order" (2 leerbedrijf, 3 begeleidingsdocumenten, 4 praktijkverklaringen,
# 9 geschiedenis) below the participant's data.
PARTICIPANT_PANELS = Registry()

# Deelnemersoverzicht: extra columns. Each is (key, Dutch header, f(participant_ids) -> {participant_id: text}).
# f is called once per page with all ids on the page (no per-row queries).
PARTICIPANT_OVERVIEW_COLUMNS = Registry()

# Participant delete confirmation: callables f(participant) -> list of (Dutch description, count) of what goes with
# it. The deletion itself is the documents' business: every document that hangs off a participant declares
# `ReferenceField("Participant", reverse_delete_rule=CASCADE)` (a final statement leaves its withdrawal record
# from a pre_delete signal), so no path can delete a participant and leave orphans.
PARTICIPANT_DEPENDENTS = Registry()
