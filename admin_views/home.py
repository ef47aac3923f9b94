"""The home page (Start): greets the user; the dashboard issue fills it with figures."""

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from services import registry


class HomeView(AdminIndexView):
    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @expose("/")
    def index(self):
        panels = [panel(current_user) for panel in registry.HOME_PANELS]
        return self.render("home.html", panels=[p for p in panels if p])
