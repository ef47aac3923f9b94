"""Absolute addresses for mails, PDFs and QR codes, built from PUBLIC_BASE_URL."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def local_url(target):
    """Return target only when it is a path on this site (no open redirects), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def external_url(endpoint, **values):
    """Return PUBLIC_BASE_URL joined with the path of an endpoint (also outside a request)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context():
        return base + url_for(endpoint, **values)
