"""Absolute addresses for mails, PDFs and QR codes, built from PUBLIC_BASE_URL."""

from flask import current_app, has_request_context, url_for


def external_url(endpoint, **values):
    """Return PUBLIC_BASE_URL joined with the path of an endpoint (also outside a request)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context():
        return base + url_for(endpoint, **values)
