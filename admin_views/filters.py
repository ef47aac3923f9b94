"""Jinja filters and globals for Dutch pages."""

from flask import current_app

from services.clock import format_date, format_datetime, format_number


def register_filters(app):
    app.jinja_env.filters["datum"] = format_date
    app.jinja_env.filters["datumtijd"] = format_datetime
    app.jinja_env.filters["getal"] = format_number

    @app.context_processor
    def globals_():
        return {
            "demo_mode": current_app.config.get("DEMO_MODE", False),
            "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
        }
