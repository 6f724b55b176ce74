"""Who is asking: a personal access token (`Authorization: Bearer …`) or the session.

Both act as the user: the same family checks apply everywhere. A read-only token may
only read (403 on anything else); session writes need the CSRF token, as pages do.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from . import limits, services
from .models import ApiToken
from .problems import Problem

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def bearer_token(request: HttpRequest) -> ApiToken | None:
    """The request's live token, looked up once per request (the middleware may ask too)."""
    if not hasattr(request, "_api_token"):
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        token = None
        if scheme.lower() == "bearer" and secret.strip():
            token = services.token_authenticate(secret=secret.strip())
        request._api_token = token
    return request._api_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = bearer_token(request)
        if api_token is None:
            return None
        if request.method not in SAFE_METHODS and not api_token.can_write:
            raise Problem(403, "This token is read-only: create a token with the write scope.")
        # Views and services see the token's user exactly like a logged-in person.
        request.user = api_token.user
        limits.consume(request, key=f"token:{api_token.pk}")
        return api_token


class BrowserSessionAuth(SessionAuth):
    """The logged-in browser; unsafe methods need the CSRF token (X-CSRFToken header)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # No session cookie: nothing to protect, so answer 401 rather than a CSRF 403.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None or not request.user.is_authenticated:
            return None
        limits.consume(request, key=f"user:{request.user.pk}")
        return request.user
