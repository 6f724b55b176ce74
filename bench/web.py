"""HTTP and WebSocket access to the stack as a logged-in family member.

The session cookie is a ready-made session (see seed.py); the CSRF token is one we pick,
sent as the cookie and the X-CSRFToken header, which is exactly what Django checks.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.urls import NoReverseMatch, reverse

CSRF_TOKEN = secrets.token_hex(16)  # 32 alphanumeric characters: a valid unmasked secret


def auth_headers(session_key: str, *, htmx: bool = True) -> dict[str, str]:
    headers = {
        "Cookie": (
            f"{settings.SESSION_COOKIE_NAME}={session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={CSRF_TOKEN}"
        ),
        "X-CSRFToken": CSRF_TOKEN,
    }
    if htmx:
        headers["HX-Request"] = "true"
    return headers


def url_or_none(name: str, **kwargs) -> str | None:
    """The path of a named URL, or None while the app does not have it yet."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def websocket_path(list_id: str) -> str | None:
    """The list socket's path, or None when the app has no list socket route."""
    from lists.routing import websocket_urlpatterns

    if not websocket_urlpatterns:
        return None
    return f"/ws/lists/{list_id}/"
