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

# Participant delete confirmation: callables f(participant) -> list of (Dutch description, count) of what goes with it,
# and cascade deleters f(participant, user) that delete that area's data of the participant (called by the
# participant service inside the delete).
PARTICIPANT_DEPENDENTS = []
PARTICIPANT_CASCADE = []
