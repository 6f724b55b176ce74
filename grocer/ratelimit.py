"""Fixed-window rate limits kept in the cache (Redis in production).

A limit that cannot be checked (Redis down) lets the request through: an outage of the
cache must not lock every family out of their lists. Limits are per scope and key
(client IP, user id, account email, link token...).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from grocer import metrics

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, rate: str) -> Rate:
        """ "5/m", "100/h", "10/15m" (ten per fifteen minutes)."""
        count, _, per = rate.partition("/")
        unit = per[-1]
        multiple = int(per[:-1] or 1)
        return cls(limit=int(count), period=multiple * _PERIODS[unit])


def _cache_key(scope: str, key: str, rate: Rate) -> tuple[str, int]:
    window = int(time.time() // rate.period)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    retry_after = rate.period - int(time.time() % rate.period)
    return f"rl:{scope}:{digest}:{window}", retry_after


def hit(*, scope: str, key: str, rate: str) -> int | None:
    """Count one hit; return seconds to wait if over the limit, else None."""
    parsed = Rate.parse(rate)
    cache_key, retry_after = _cache_key(scope, key, parsed)
    try:
        cache.add(cache_key, 0, timeout=parsed.period + 1)
        count = cache.incr(cache_key)
    except Exception:  # the cache backend's connection errors vary; fail open
        logger.warning("Rate limit %s not checked: cache unavailable", scope, exc_info=True)
        return None
    if count > parsed.limit:
        metrics.rate_limited.labels(scope).inc()
        return retry_after
    return None


def peek(*, scope: str, key: str, rate: str) -> int | None:
    """Like `hit` without counting: seconds to wait if the limit is already reached."""
    parsed = Rate.parse(rate)
    cache_key, retry_after = _cache_key(scope, key, parsed)
    try:
        count = cache.get(cache_key, 0)
    except Exception:
        logger.warning("Rate limit %s not checked: cache unavailable", scope, exc_info=True)
        return None
    if count >= parsed.limit:
        metrics.rate_limited.labels(scope).inc()
        return retry_after
    return None


def reset(*, scope: str, key: str, rate: str) -> None:
    cache_key, _ = _cache_key(scope, key, Rate.parse(rate))
    try:
        cache.delete(cache_key)
    except Exception:
        logger.warning("Rate limit %s not reset: cache unavailable", scope, exc_info=True)


def client_ip(request: HttpRequest, *args, **kwargs) -> str:
    # daphne --proxy-headers (and the ingress) put the real client address here.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """429 with Retry-After: JSON for API clients, a short page (or partial) otherwise."""
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if wants_json or request.content_type == "application/json":
        response: HttpResponse = JsonResponse(
            {"error": "Too many requests. Please wait and try again.", "retry_after": retry_after},
            status=429,
        )
    else:
        response = TemplateResponse(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def ratelimit(
    scope: str,
    rate: str,
    *,
    key: Callable[[HttpRequest], str] = client_ip,
    methods: tuple[str, ...] = ("POST",),
) -> Callable:
    """Limit a view: `@ratelimit("signup", "10/h")`, keyed by client IP unless told."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in methods:
                retry_after = hit(scope=scope, key=key(request, *args, **kwargs), rate=rate)
                if retry_after is not None:
                    return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def by_user(request: HttpRequest, *args, **kwargs) -> str:
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else client_ip(request)
