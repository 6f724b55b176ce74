"""WebSocket handshakes only from pages of this site: scheme, host and port must match.

Browsers do not apply the same-origin policy to WebSockets, and the session cookie goes
along with any handshake, so the Origin header is the only thing that stops another
page (another site, or another port on the same host) from opening a member's socket.
Channels' `AllowedHostsOriginValidator` compares the host only: `http://127.0.0.1:9999`
passed for a site on port 8000. Here the origin must be the site's own, exactly:

- the scheme: `https` when the handshake came over TLS (`wss`) or through a proxy that
  says so in `SECURE_PROXY_SSL_HEADER`, `http` otherwise;
- the host and port of the `Host` header (default ports filled in), which must itself be
  in `ALLOWED_HOSTS`;
- or one of `CSRF_TRUSTED_ORIGINS`, the same opt-in Django's CSRF check honours.

A missing or malformed Origin is refused.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_tuple(origin: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def site_scheme(scope: dict, headers: dict[bytes, bytes]) -> str:
    if scope.get("scheme") in ("wss", "https"):
        return "https"
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, value = proxy_header
        header = name.removeprefix("HTTP_").lower().replace("_", "-").encode("latin-1")
        if headers.get(header, b"").decode("latin-1").split(",")[0].strip() == value:
            return "https"
    return "http"


def origin_allowed(scope: dict) -> bool:
    headers = {name.lower(): value for name, value in scope.get("headers", [])}
    raw_origin = headers.get(b"origin", b"").decode("latin-1")
    raw_host = headers.get(b"host", b"").decode("latin-1").lower()
    origin = _origin_tuple(raw_origin)
    if origin is None or not raw_host:
        return False
    domain, port = split_domain_port(raw_host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    scheme = site_scheme(scope, headers)
    try:
        site = (scheme, domain.strip("[]"), int(port) if port else DEFAULT_PORTS[scheme])
    except ValueError:
        return False
    if origin == site:
        return True
    trusted = {_origin_tuple(entry) for entry in settings.CSRF_TRUSTED_ORIGINS}
    return origin in trusted


class SameOriginValidator:
    """ASGI middleware for the websocket router: a foreign origin gets the handshake refused."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
