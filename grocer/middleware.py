"""Request observability, security headers Django 5.2 does not set by itself, and 503s."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import structlog
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from grocer import logs, metrics
from grocer.transactions import ConcurrentWriteError, is_retryable

logger = logging.getLogger(__name__)
access_logger = structlog.get_logger("grocer.access")


class _StatementCounter:
    """A `connection.execute_wrapper`: counts statements, no SQL of its own."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class RequestObservabilityMiddleware:
    """First in MIDDLEWARE: a request id on every log line, and the request's metrics.

    The id is the caller's `X-Request-ID` when it looks like one (the proxy's), else a
    new one; it is echoed in the response. Metrics: count, latency and statements by
    route name (the URL pattern's name, so ids in paths never become label values). Cost:
    a few dictionary operations and one wrapper call per SQL statement.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = logs.request_id_from(request.headers.get(logs.REQUEST_ID_HEADER))
        request.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        counter = _StatementCounter()
        # The id stays bound after this returns: Django logs 4xx/5xx responses
        # ("Not Found: ...") after the middleware chain, and those lines need it too.
        # The next request on this context clears it first.
        with connections["default"].execute_wrapper(counter):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        route = (match.view_name if match else "") or "unmatched"
        method = request.method if request.method in _METHODS else "OTHER"
        status = response.status_code
        metrics.http_requests.labels(route, method, str(status)).inc()
        metrics.http_duration.labels(route, method).observe(elapsed)
        metrics.http_statements.labels(route).observe(counter.count)
        metrics.sample_db_pool()
        if settings.LOG_REQUESTS:
            # Opt-in: a line per request is a write per request, and the proxy in front
            # logs requests anyway. (daphne's own access log is off, -v 0: it is plain
            # text with capability tokens in the paths.) The path is scrubbed like every line.
            access_logger.info(
                "request",
                method=method,
                path=request.path,
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
                statements=counter.count,
            )
        response.setdefault(logs.REQUEST_ID_HEADER, request_id)
        return response


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def build_content_security_policy(socket_origin: str = "") -> str:
    """The site's CSP: no inline or eval'd script anywhere, no framing, no plugins.

    `socket_origin` (`wss://grocer.example`) is the page's own WebSocket origin: 'self'
    covers ws(s) to the same host in CSP level 3 browsers only, and `ws:`/`wss:` would
    allow any host. Extra sources (an S3 endpoint for photos and direct uploads) come
    from `CSP_EXTRA_IMG_SRC` / `CSP_EXTRA_CONNECT_SRC` / `CSP_EXTRA_FORM_ACTION`.
    """
    img = ["'self'", "data:", "blob:", *settings.CSP_EXTRA_IMG_SRC]
    connect = [
        "'self'",
        *([socket_origin] if socket_origin else []),
        *settings.CSP_EXTRA_CONNECT_SRC,
    ]
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


# Django's technical 404/500 pages (DEBUG only) carry this tag; their styles and the 500
# page's toggles are inline, which the site's policy blocks, leaving an unreadable page.
DEBUG_PAGE_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'


def _is_debug_page(response: HttpResponse) -> bool:
    return (
        settings.DEBUG
        and response.status_code >= 400
        and not response.streaming
        and DEBUG_PAGE_MARK in response.content[:1000]
    )


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _socket_origin(request: HttpRequest) -> str:
        try:
            host = request.get_host()  # validated against ALLOWED_HOSTS
        except DisallowedHost:
            return ""
        return ("wss://" if request.is_secure() else "ws://") + host

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = build_content_security_policy(self._socket_origin(request))
        if _is_debug_page(response):
            # Only ever with DEBUG on, for Django's own error pages (see DEBUG_PAGE_MARK).
            response["Content-Security-Policy"] = policy.replace(
                "script-src 'self'", "script-src 'self' 'unsafe-inline'"
            ).replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        response.setdefault("Content-Security-Policy", policy)
        response.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(), microphone=(), payment=()"
        )
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class DatabaseUnavailableMiddleware:
    """A lost database connection becomes a clean 503 with Retry-After, not a 500.

    With CONN_HEALTH_CHECKS on, the next request after the database comes back opens a
    fresh connection, so the app recovers without a restart.

    A deadlock or serialization failure is not an unavailable database: the services
    retry those (`grocer.transactions`); one that still lost is a 409 that says so.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError, ConcurrentWriteError) as error:
            # Raised outside a view (session or auth middleware): same answer.
            return self.process_exception(request, error)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_retryable(exception):
            return self._conflict(request, exception)
        if isinstance(exception, (OperationalError, InterfaceError)):
            return self._unavailable(request, exception)
        return None

    @staticmethod
    def _conflict(request: HttpRequest, error: Exception) -> HttpResponse:
        logger.warning("Write lost to a concurrent one: %s", error)
        message = ConcurrentWriteError.message
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"error": message}, status=409)
        return render(request, "409.html", {"message": message}, status=409)

    @classmethod
    def unavailable_response(cls, request: HttpRequest, error: Exception) -> HttpResponse:
        """The 503 for a lost database, for middleware below this one that reads it."""
        return cls._unavailable(request, error)

    @staticmethod
    def _unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
        logger.error("Database unavailable: %s", error)
        # The broken connection must not be reused by the next request on this thread.
        for conn in connections.all(initialized_only=True):
            conn.close_if_unusable_or_obsolete()
        if request.headers.get("Accept", "").startswith("application/json"):
            response: HttpResponse = JsonResponse(
                {"error": "The service is temporarily unavailable. Please retry shortly."},
                status=503,
            )
        else:
            response = render(request, "503.html", status=503)
        response["Retry-After"] = "5"
        return response


# The close code the list page reads as "live updates unavailable, retry with backoff".
CLOSE_UNAVAILABLE = 4503


class SocketDatabaseGuard:
    """ASGI middleware for the WebSocket stack: a lost database is a 4503 close, not a 500.

    The session and user are loaded during the handshake, and an open socket re-checks
    membership on heartbeats; with PostgreSQL down either raised `OperationalError`, which
    daphne turned into an HTTP 500 handshake or a 1011 close. Here the socket is accepted
    (if it was not yet) and closed with 4503, which the page understands: it retries with
    backoff and catches up once the database is back.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        sent = {"accept": False, "close": False}

        async def tracking_send(message) -> None:
            kind = message.get("type", "")
            if kind == "websocket.accept":
                sent["accept"] = True
            elif kind == "websocket.close":
                sent["close"] = True
            await send(message)

        try:
            return await self.app(scope, receive, tracking_send)
        except (OperationalError, InterfaceError) as error:
            logger.warning("Database unavailable; closing a socket with 4503: %s", error)
            if sent["close"]:
                return None
            try:
                if not sent["accept"]:
                    await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE})
            except Exception:  # the client is gone already
                logger.info("Could not send the 4503 close", exc_info=True)
            return None
