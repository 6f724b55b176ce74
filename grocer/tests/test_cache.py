"""The Redis cache backend shares its connection pool between cache instances."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches

pytestmark = pytest.mark.redis


def _pools_of_two_requests() -> list:
    """The connection pool each of two requests (each in a fresh context) used."""

    def read():
        cache = caches["default"]
        cache.get("grocer-cache-test")  # builds the pool if this instance has none
        # The objects themselves, not ids: a collected pool's id could be reused.
        return cache._cache._get_connection_pool(write=False)

    async def request():
        return await sync_to_async(read)()

    async def two_requests():
        return [await asyncio.create_task(request()) for _ in range(2)]

    # Off the test thread: Playwright's sync API may keep an event loop running there.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, two_requests()).result(timeout=30)


def test_requests_in_new_contexts_reuse_one_connection_pool():
    """Under ASGI each request gets its own cache instance; the pool must be shared,
    or every request opens a new Redis connection."""
    assert settings.CACHES["default"]["BACKEND"] == "grocer.cache.RedisCache"
    first, second = _pools_of_two_requests()
    assert first is second


def test_different_locations_get_different_pools(settings):
    from grocer.cache import RedisCache

    one = RedisCache(settings.REDIS_URL, {})
    other = RedisCache(settings.REDIS_URL.rsplit("/", 1)[0] + "/1", {})
    assert one._cache is RedisCache(settings.REDIS_URL, {})._cache
    assert one._cache is not other._cache


def _raw(cache, key: str) -> bytes:
    return cache._cache.get_client(key).get(cache.make_key(key))


def test_values_are_stored_as_json_not_pickles():
    """Loading a pickle runs code: whoever can write to the cache instance must not be able
    to run code in the web processes. Integers stay bare so `incr` works (rate limits)."""
    import json

    cache = caches["default"]
    cache.set("grocer-json", {"names": ["milk", "eggs"], "seq": 3, "done": True})
    assert json.loads(_raw(cache, "grocer-json")) == {
        "names": ["milk", "eggs"],
        "seq": 3,
        "done": True,
    }
    assert cache.get("grocer-json") == {"names": ["milk", "eggs"], "seq": 3, "done": True}
    cache.set("grocer-flag", True)
    assert cache.get("grocer-flag") is True
    cache.add("grocer-count", 0)
    assert cache.incr("grocer-count") == 1
    assert _raw(cache, "grocer-count") == b"1"


def test_a_pickle_left_in_the_cache_is_never_loaded():
    import pickle

    cache = caches["default"]
    cache._cache.get_client("grocer-old", write=True).set(
        cache.make_key("grocer-old"), pickle.dumps({"old": "value"})
    )
    with pytest.raises(ValueError):  # json.JSONDecodeError: callers take it as a miss
        cache.get("grocer-old")


def test_one_redis_client_per_pool_not_one_per_command():
    """Django builds a `redis.Redis` for every command (0.1 ms of CPU each, bench/README.md);
    ours keeps one per connection pool, reading and writing through the same pool."""
    cache = caches["default"]
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is client
    assert cache._cache.get_client("c", write=True) is client
    assert client.connection_pool is cache._cache._get_connection_pool(write=False)
    cache.set("grocer-cache-test", 1)
    assert cache.get("grocer-cache-test") == 1
