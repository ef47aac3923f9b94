"""Extension points the step areas add to, so areas do not edit each other's files.

Each area appends to these lists inside its `register(admin, app)`.
"""

# Home page: callables f(user) -> {"template": "...html", ...context} or None. Rendered in order.
HOME_PANELS = []

# Participant page, one panel per step: callables f(participant, user) -> {"order": int, "template": "...html",
# ...context} or None. Rendered sorted by "order" (2 leerbedrijf, 3 begeleidingsdocumenten, 4 praktijkverklaringen,
# 9 geschiedenis) below the participant's data.
PARTICIPANT_PANELS = []

# Deelnemersoverzicht: extra columns. Each is (key, Dutch header, f(participant_ids) -> {participant_id: text}).
# f is called once per page with all ids on the page (no per-row queries).
PARTICIPANT_OVERVIEW_COLUMNS = []

# Participant delete confirmation: callables f(participant) -> list of (Dutch description, count) of what goes with
# it. The deletion itself is the documents' business: every document that hangs off a participant declares
# `ReferenceField("Participant", reverse_delete_rule=CASCADE)` (a final statement leaves its withdrawal record
# from a pre_delete signal), so no path can delete a participant and leave orphans.
PARTICIPANT_DEPENDENTS = []
