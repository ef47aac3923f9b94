"""Who is calling: the bearer key of each request, and the rate limit that counts per key."""

import hashlib

from flask import current_app, g, request

from services.api_keys import authenticate

DEFAULT_RATE_LIMIT = "300 per minute"


def require_key():
    """Authenticate every API request by its bearer key (the docs and the OpenAPI document are public)."""
    g.api_principal = authenticate(request.headers.get("Authorization"))


def rate_key():
    """Rate limits count per key (its hash); requests without one per address."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()
    return "api-ip:" + (request.remote_addr or "")


def rate_limit():
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)
