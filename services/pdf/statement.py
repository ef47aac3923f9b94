"""The praktijkverklaring PDF, rendered from a statement snapshot (see briefs: snapshot format)."""

from __future__ import annotations

from services.clock import format_number
from services.pdf.base import logo_data, qr_data_uri, render, render_template_html

TEMPLATE = "praktijkverklaring.html"
MBO_FORMS = ("mbo_diploma", "mbo_maatwerk")


def statement_context(data: dict, *, concept: bool) -> dict:
    """The template context for a statement snapshot."""
    number = None if concept else data.get("number")
    verification_url = None if concept else data.get("verification_url")
    return {
        **data,
        "concept": concept,
        "number": number,
        "verification_url": verification_url,
        "qr": qr_data_uri(verification_url) if verification_url else None,
        "is_mbo": data.get("education_form") in MBO_FORMS,
        "bpv_hours_text": format_number(data["bpv_hours"]),
        "school_logo": logo_data(data["institution"].get("logo")),
        "company_logo": logo_data(data["company"].get("logo")),
        "branch_logos": [
            logo
            for logo in (
                logo_data(item.get("logo"), max_width_pt=80, max_height_pt=40)
                for item in data.get("branch_logos") or []
            )
            if logo
        ],
    }


def statement_html(data: dict, *, concept: bool) -> str:
    """The HTML that is rendered (also what the benchmark hands to WeasyPrint)."""
    return render_template_html(TEMPLATE, statement_context(data, concept=concept))


def render_statement(data: dict, *, concept: bool) -> bytes:
    """Render the praktijkverklaring to PDF bytes; a concept has the CONCEPT watermark, no number and no QR code."""
    return render(TEMPLATE, statement_context(data, concept=concept))
