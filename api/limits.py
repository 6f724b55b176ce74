"""Per-token (per-user for the browser session) request limits, reported in headers.

Fixed windows in the cache, like `grocer.ratelimit`, but counted on every request and
reported on every answer (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`,
from the IETF RateLimit header fields draft) so a script can pace itself before it
meets a 429. An unreachable cache lets the request through, as everywhere else.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from grocer.ratelimit import Rate

from .problems import Problem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Usage:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


def consume(request: HttpRequest, *, key: str) -> None:
    """Count one request for `key`; raise a 429 problem once over the limit."""
    rate = Rate.parse(settings.API_RATE_LIMIT)
    now = time.time()
    window = int(now // rate.period)
    reset = max(1, rate.period - int(now % rate.period))
    cache_key = f"api-rl:{key}:{window}"
    try:
        cache.add(cache_key, 0, timeout=rate.period + 1)
        count = cache.incr(cache_key)
    except Exception:  # the cache backend's connection errors vary; fail open
        logger.warning("API rate limit not checked: cache unavailable", exc_info=True)
        return
    usage = Usage(limit=rate.limit, remaining=max(0, rate.limit - count), reset=reset)
    request.api_rate_usage = usage
    if count > rate.limit:
        raise Problem(
            429,
            f"Too many requests: at most {rate.limit} per {rate.period} s. Retry in {reset} s.",
            headers={"Retry-After": str(reset)},
        )


def add_headers(request: HttpRequest, response: HttpResponse) -> None:
    usage: Usage | None = getattr(request, "api_rate_usage", None)
    if usage is not None:
        for name, value in usage.headers().items():
            response[name] = value
