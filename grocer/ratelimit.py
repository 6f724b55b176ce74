"""Sliding-window rate limits kept in the cache (Redis in production).

A fixed window lets a client spend the whole limit at the end of one window and again at
the start of the next (twice the limit in a moment), and makes anything counted across a
window boundary flaky. Here each limit keeps a counter per window and judges a request by
the current window's count plus the previous window's count weighted by how much of it
still lies inside the last `period` seconds (the "sliding window counter" of Cloudflare
and nginx): a burst across a boundary sees the previous window almost whole.

A limit that cannot be checked (Redis down) lets the request through: an outage of the
cache must not lock every family out of their lists. Limits are per scope and key
(client IP, user id, account email, link token...).
"""

from __future__ import annotations

import hashlib
import logging
import math
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


@dataclass(frozen=True)
class _Window:
    current_key: str
    previous_key: str
    elapsed: float  # seconds into the current window
    rate: Rate

    @classmethod
    def at(cls, scope: str, key: str, rate: Rate, now: float) -> _Window:
        index = int(now // rate.period)
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return cls(
            current_key=f"rl:{scope}:{digest}:{index}",
            previous_key=f"rl:{scope}:{digest}:{index - 1}",
            elapsed=now - index * rate.period,
            rate=rate,
        )

    def estimate(self, previous: int, current: int) -> float:
        """Requests in the last `period` seconds, the previous window prorated."""
        return previous * (1 - self.elapsed / self.rate.period) + current

    def retry_after(self, previous: int, current: int) -> int:
        """Whole seconds until one more hit fits under the limit (at least 1)."""
        limit, period = self.rate.limit, self.rate.period
        if current < limit and previous:
            # The previous window's share must shrink to `limit - current - 1`.
            done = period * (1 - (limit - current - 1) / previous)
            wait = done - self.elapsed
        else:
            # Only the next window brings relief, once this one's share has shrunk.
            wait = period - self.elapsed + period * max(0.0, 1 - (limit - 1) / max(current, 1))
        return max(1, math.ceil(wait))


def _counts(window: _Window) -> tuple[int, int]:
    values = cache.get_many([window.previous_key, window.current_key])
    return int(values.get(window.previous_key) or 0), int(values.get(window.current_key) or 0)


def hit(*, scope: str, key: str, rate: str) -> int | None:
    """Count one hit; return seconds to wait if over the limit, else None."""
    parsed = Rate.parse(rate)
    window = _Window.at(scope, key, parsed, time.time())
    try:
        # Two periods: the counter is read again as the next window's "previous".
        timeout = 2 * parsed.period + 1
        if hasattr(cache, "count_hit"):  # grocer.cache.RedisCache: one round trip
            current, previous = cache.count_hit(
                window.current_key, other=window.previous_key, timeout=timeout
            )
        else:
            cache.add(window.current_key, 0, timeout=timeout)
            current = cache.incr(window.current_key)
            previous = int(cache.get(window.previous_key) or 0)
    except Exception:  # the cache backend's connection errors vary; fail open
        logger.warning("Rate limit %s not checked: cache unavailable", scope, exc_info=True)
        return None
    if window.estimate(previous, current) <= parsed.limit:
        return None
    metrics.rate_limited.labels(scope).inc()
    # A refused request is not counted: whoever honours Retry-After gets in then, however
    # often they were refused before.
    try:
        cache.decr(window.current_key)
    except Exception:
        logger.warning("Rate limit %s: refused hit left counted", scope, exc_info=True)
    return window.retry_after(previous, current - 1)


def peek(*, scope: str, key: str, rate: str) -> int | None:
    """Like `hit` without counting: seconds to wait if the limit is already reached."""
    parsed = Rate.parse(rate)
    window = _Window.at(scope, key, parsed, time.time())
    try:
        previous, current = _counts(window)
    except Exception:
        logger.warning("Rate limit %s not checked: cache unavailable", scope, exc_info=True)
        return None
    # Would one more hit be refused?
    if window.estimate(previous, current) + 1 > parsed.limit:
        metrics.rate_limited.labels(scope).inc()
        return window.retry_after(previous, current)
    return None


def reset(*, scope: str, key: str, rate: str) -> None:
    window = _Window.at(scope, key, Rate.parse(rate), time.time())
    try:
        cache.delete_many([window.previous_key, window.current_key])
    except Exception:
        logger.warning("Rate limit %s not reset: cache unavailable", scope, exc_info=True)


def client_ip(request: HttpRequest, *args, **kwargs) -> str:
    # The right-most untrusted X-Forwarded-For address (TRUSTED_PROXIES, grocer/clientip.py).
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
