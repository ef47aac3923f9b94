"""Hulp: a page per step of the guide in our own words, with the servicedesk's contact (SERVICEDESK_* settings).

Endpoints other areas link to:
  help.index            the overview of the four steps
  help.step(step)       stap 1-4 (templates/help/_link.html puts the link on each step page)
"""

from flask import abort, current_app
from flask_admin import expose

from admin_views.base import SecureView

# (number, title) of each step; the text of a step lives in templates/help/stap<number>.html.
STEPS = (
    (1, "Deelnemer"),
    (2, "Leerbedrijf en praktijkopleider"),
    (3, "Begeleidingsdocument"),
    (4, "Praktijkverklaring"),
)


def servicedesk():
    """The servicedesk's contact as configured (the phone number may be unset)."""
    return {
        "email": current_app.config.get("SERVICEDESK_EMAIL"),
        "phone": current_app.config.get("SERVICEDESK_PHONE"),
    }


class HelpView(SecureView):
    capability = "view_participants"  # every signed-in role

    @expose("/")
    def index(self):
        return self.render("help/index.html", steps=STEPS, servicedesk=servicedesk())

    @expose("/stap-<int:step>")
    def step(self, step):
        titles = dict(STEPS)
        if step not in titles:
            abort(404)
        return self.render(
            f"help/stap{step}.html", steps=STEPS, step=step, title=titles[step], servicedesk=servicedesk()
        )


def register(admin, app):
    """Add the Hulp pages (last in the menu)."""
    admin.add_view(HelpView(name="Hulp", endpoint="help", url="/hulp"))
