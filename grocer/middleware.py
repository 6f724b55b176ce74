"""Security headers Django 5.2 does not set by itself."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def build_content_security_policy() -> str:
    """The site's CSP: no inline or eval'd script anywhere, no framing, no plugins.

    Extra sources (an S3 endpoint for photos and direct uploads) come from
    `CSP_EXTRA_IMG_SRC` / `CSP_EXTRA_CONNECT_SRC` / `CSP_EXTRA_FORM_ACTION`.
    """
    img = ["'self'", "data:", "blob:", *settings.CSP_EXTRA_IMG_SRC]
    # WebSockets to the same host: 'self' covers ws(s) in CSP level 3 browsers only.
    connect = ["'self'", "ws:", "wss:", *settings.CSP_EXTRA_CONNECT_SRC]
    form_action = ["'self'", *settings.CSP_EXTRA_FORM_ACTION]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": img,
        "connect-src": connect,
        "font-src": ["'self'"],
        "form-action": form_action,
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = build_content_security_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        response.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(), microphone=(), payment=()"
        )
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
