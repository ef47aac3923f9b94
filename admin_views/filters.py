"""Jinja filters and globals for Dutch pages."""

from flask import current_app

from services.clock import format_date, format_datetime, format_number


def noun(count, singular, plural):
    """Return the singular for exactly one, else the plural ("0 deelnemers", "1 deelnemer", "2 deelnemers")."""
    return singular if count == 1 else plural


def aantal(count, singular, plural):
    """Return the number the Dutch way with the noun that fits it: aantal(1200, "dag", "dagen") -> "1.200 dagen"."""
    return f"{format_number(count)} {noun(count, singular, plural)}"


def register_filters(app):
    # {{ n|aantal("werkproces", "werkprocessen") }}: every count on a page goes through this one helper.
    app.jinja_env.filters["aantal"] = aantal
    app.jinja_env.filters["datum"] = format_date
    app.jinja_env.filters["datumtijd"] = format_datetime
    app.jinja_env.filters["getal"] = format_number

    @app.context_processor
    def globals_():
        return {
            "demo_mode": current_app.config.get("DEMO_MODE", False),
            "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
        }
