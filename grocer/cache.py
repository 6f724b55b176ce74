"""Django's Redis cache backend with one connection pool per process, not per request.

Django keeps cache instances in a context-local. Under ASGI every request runs in a new
context, so it gets a new `RedisCache`, whose client builds a new connection pool: every
request that touched the cache opened (and never reused) a fresh Redis connection. On the
bench machine that was 1.6 ms per request against 0.05 ms for a pooled command (see
bench/README.md). This backend shares one client, and so its pools, between all instances
with the same servers and options. redis-py's pools are thread-safe and start over in a
forked child (a Celery prefork worker), so sharing them is safe.

Values are stored as JSON (`JSONSerializer`), not pickles: loading a pickle runs whatever
code it names, so write access to the cache (an evictable, less guarded instance, see
docs/scaling.md) would be code execution in every process that reads it. Callers cache
plain data; model instances go through `grocer.rows`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.functional import cached_property

from grocer import metrics

_clients: dict[tuple, RedisCacheClient] = {}
_lock = threading.Lock()


class JSONSerializer:
    """Django's RedisSerializer with JSON instead of pickle.

    Integers stay bare, as Django's does, so `incr`/`decr` (the rate limits) work on them.
    A value that is not JSON (a pickle left by an older release) raises on load, which
    every caller treats as a miss; the cache's VERSION moved on with this change anyway.
    """

    def dumps(self, obj) -> bytes | int:
        if type(obj) is int:  # not bool: True must come back as True
            return obj
        return json.dumps(obj, cls=DjangoJSONEncoder, separators=(",", ":")).encode()

    def loads(self, data: bytes):
        try:
            return int(data)
        except ValueError:
            return json.loads(data)


class ReusedRedisCacheClient(RedisCacheClient):
    """Django's client, building one `redis.Redis` per pool instead of one per command.

    Django's `get_client` returns `Redis(connection_pool=pool)` on every call, and
    redis-py's constructor builds its response-callback tables each time: 0.1 ms of CPU
    per cache command, a tenth of an item add's Redis work (bench/README.md). A `Redis`
    over a pool holds no connection of its own and is thread-safe, so one per pool does.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._redis_clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._redis_clients.get(index)
        if client is None:
            pool = self._pools.get(index)
            if pool is None:
                pool = self._pools.setdefault(
                    index, self._pool_class.from_url(self._servers[index], **self._pool_options)
                )
            client = self._redis_clients.setdefault(index, self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        if self._class is RedisCacheClient:
            self._class = ReusedRedisCacheClient

    @cached_property
    def _cache(self) -> RedisCacheClient:
        # JSON unless a configuration names another serializer.
        options = {"serializer": JSONSerializer, **self._options}
        key = (self._class, tuple(self._servers), repr(sorted(options.items())))
        client = _clients.get(key)
        if client is None:
            with _lock:
                client = _clients.setdefault(key, self._class(self._servers, **options))
        return client

    # Hit ratio and errors for grocer.metrics: counted here, once, for every caller.
    def get(self, key, default=None, version=None):
        try:
            value = super().get(key, _MISSING, version)
        except Exception:
            metrics.cache_errors.labels("get").inc()
            raise
        if value is _MISSING:
            metrics.cache_requests.labels("miss").inc()
            return default
        metrics.cache_requests.labels("hit").inc()
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except Exception:
            metrics.cache_errors.labels("set").inc()
            raise

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except Exception:
            metrics.cache_errors.labels("delete").inc()
            raise

    def count_hit(self, key: str, *, other: str, timeout: int) -> tuple[int, int]:
        """Add one to the counter `key` (made with `timeout` if new) and read the counter
        `other`: `(key's count, other's count)`, in one round trip (MULTI/EXEC).

        What `add`, `incr` and `get` do for a rate limit in four round trips (Django's
        `incr` asks EXISTS first); atomic too, so the counter cannot expire between its
        creation and its increment and live on without a TTL.
        """
        try:
            client = self._cache.get_client(key, write=True)
            pipe = client.pipeline(transaction=True)
            counter = self.make_and_validate_key(key)
            pipe.set(counter, 0, ex=timeout, nx=True)
            pipe.incr(counter)
            pipe.get(self.make_and_validate_key(other))
            _, current, previous = pipe.execute()
        except Exception:
            metrics.cache_errors.labels("count_hit").inc()
            raise
        return int(current), int(previous or 0)


_MISSING = object()


# --- best-effort caching for values the database stays the truth of ------------------------

logger = logging.getLogger(__name__)
T = TypeVar("T")


def _same(value):
    return value


def cache_get_or_load(
    key: str,
    *,
    ttl: int,
    load: Callable[[], T],
    encode: Callable[[T], object] = _same,
    decode: Callable[[object], T] = _same,
) -> T:
    """The cached value for `key`, else `load()` (then cached for `ttl` seconds).

    Any cache error is a read from `load()` (logged), never an error of the request:
    a Redis outage costs speed, not answers. `None` is never cached. Values are stored as
    JSON: `encode` turns what `load()` returns into JSON data, `decode` turns it back
    (`grocer.rows` for model instances).
    """
    from django.core.cache import cache

    try:
        hit = cache.get(key)
    except Exception:
        logger.warning("Cache unavailable; loading %s from the database", key, exc_info=True)
        return load()
    if hit is not None:
        try:
            return decode(hit)
        except Exception:  # written by another version of the code: a miss
            logger.warning("Unreadable cache entry %s; loading it again", key, exc_info=True)
    value = load()
    if value is not None:
        try:
            cache.set(key, encode(value), ttl)
        except Exception:
            logger.warning("Could not cache %s", key, exc_info=True)
    return value


def cache_forget(key: str) -> None:
    """Drop a cached value; on a cache error the value's TTL bounds how long it is served."""
    from django.core.cache import cache

    try:
        cache.delete(key)
    except Exception:
        logger.warning("Could not invalidate %s", key, exc_info=True)


# --- large text kept as it is --------------------------------------------------------------
#
# JSON is the wrong coat for a big piece of HTML: every quote is escaped on the way in, and
# `json.loads` takes ~30 ms on a 1 MB page area full of `\"` (bench/README.md). These store
# bytes as they are, for values only their own code reads.


def cache_get_bytes(key: str) -> bytes | None:
    """The bytes kept under `key` by `cache_set_bytes`, or None. Raises on cache errors."""
    from django.core.cache import caches

    cache = caches["default"]  # the backend itself (`django.core.cache.cache` is a proxy)

    if not isinstance(cache, RedisCache):
        value = cache.get(key)
        return value if isinstance(value, bytes) else None
    try:
        value = cache._cache.get_client(key).get(cache.make_and_validate_key(key))
    except Exception:
        metrics.cache_errors.labels("get").inc()
        raise
    metrics.cache_requests.labels("miss" if value is None else "hit").inc()
    return value


def cache_set_bytes(key: str, value: bytes, *, ttl: int) -> None:
    """Keep `value` under `key` for `ttl` seconds, not serialized. Raises on cache errors."""
    from django.core.cache import caches

    cache = caches["default"]

    if not isinstance(cache, RedisCache):
        cache.set(key, value, ttl)
        return
    try:
        cache._cache.get_client(key, write=True).set(
            cache.make_and_validate_key(key), value, ex=ttl
        )
    except Exception:
        metrics.cache_errors.labels("set").inc()
        raise
