"""Fixtures for the lists tests."""

from __future__ import annotations

import shutil

import pytest

from families.tests.factories import MembershipFactory
from grocer.env import redis_channel_layer
from grocer.testing import missing_tool
from lists.tests.factories import GroceryListFactory
from lists.tests.redis_server import PrivateRedis


# A member with a list, and a browser signed in as them: the page and write tests' cast.
@pytest.fixture
def member():
    return MembershipFactory(user__display_name="Ana")


@pytest.fixture
def grocery_list(member):
    return GroceryListFactory(family=member.family, name="Weekly shop")


@pytest.fixture
def client_in(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def private_redis(settings):
    """Point the channel layer, the cache and presence at a redis-server of our own."""
    if not shutil.which("redis-server"):
        missing_tool("redis-server", hint="apt-get install redis-server")
    server = PrivateRedis()
    server.start()
    prefix = settings.REDIS_KEY_PREFIX
    settings.REDIS_URL = server.url
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(server.url, prefix=f"{prefix}:asgi")}
    settings.CACHES = {
        "default": {
            "BACKEND": "grocer.cache.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    try:
        yield server
    finally:
        server.stop()
