"""Who is calling: the bearer key of each request, and the rate limits per key and per failing address."""

from flask import current_app, g, request

from services.api_keys import authenticate, bearer_token, hash_key

DEFAULT_RATE_LIMIT = "300 per minute"
# Failed authentications per address: enough for a misconfigured client to notice, far too few to guess keys.
DEFAULT_AUTH_FAILURE_LIMIT = "30 per minute"


def require_key():
    """Authenticate every API request by its bearer key (the docs and the OpenAPI document are public)."""
    g.api_principal = authenticate(request.headers.get("Authorization"))


def rate_key():
    """Rate limits count per key (the hash of the parsed token, so 'bearer' or extra spaces make no new bucket)."""
    token = bearer_token(request.headers.get("Authorization"))
    if token:
        return "api:" + hash_key(token)
    return "api-ip:" + (request.remote_addr or "")


def rate_limit():
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def failure_key():
    """Failed authentications count per address, whatever key they tried."""
    return "api-auth-failed:" + (request.remote_addr or "")


def failure_limit():
    return current_app.config.get("API_AUTH_FAILURE_LIMIT", DEFAULT_AUTH_FAILURE_LIMIT)


def failed_authentication(response):
    """Only a refused key counts towards the address's failure limit."""
    return response.status_code == 401
