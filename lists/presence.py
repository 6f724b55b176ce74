"""Who is viewing a list right now: one expiring entry per open socket (tab).

Each socket keeps an entry in a Redis sorted set per list, scored by its last heartbeat.
Entries older than PRESENCE_TTL are ignored and pruned, so a socket that vanished
without a goodbye (process killed, laptop closed) drops out on its own. Viewers are
distinct users: two tabs of Ana are one viewer, and closing one keeps her listed.

Without REDIS_URL (the embedded development default) a process-local dict stands in;
that is correct for the single process such a setup runs.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings

PRESENCE_TTL = 45  # seconds without a heartbeat before a tab no longer counts
HEARTBEAT_INTERVAL = 20  # what live.js sends; well inside PRESENCE_TTL


@dataclass(frozen=True)
class Tab:
    """One socket's presence entry; `member` is its exact sorted-set member."""

    list_id: str
    user_id: str
    name: str
    channel_name: str

    @property
    def member(self) -> str:
        return json.dumps([self.user_id, self.name, self.channel_name])


def presence_key(list_id: UUID | str) -> str:
    return f"{settings.REDIS_KEY_PREFIX}:presence:list:{list_id}"


def _viewers(members: list[str]) -> list[dict[str, str]]:
    users: dict[str, str] = {}
    for member in members:
        user_id, name, _channel = json.loads(member)
        users[user_id] = name
    return sorted(
        ({"id": uid, "name": name} for uid, name in users.items()),
        key=lambda viewer: (viewer["name"].lower(), viewer["id"]),
    )


# One async Redis client per (event loop, URL): clients are bound to the loop that made them.
_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _redis():
    import redis.asyncio

    loop = asyncio.get_running_loop()
    per_loop = _clients.setdefault(loop, {})
    client = per_loop.get(settings.REDIS_URL)
    if client is None:
        client = redis.asyncio.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=1
        )
        per_loop[settings.REDIS_URL] = client
    return client


# list_id -> {member: last heartbeat}; only used without Redis.
_local: dict[str, dict[str, float]] = {}


async def touch(tab: Tab) -> list[dict[str, str]]:
    """Record a heartbeat for the tab; return the list's current viewers."""
    now = time.time()
    if not settings.REDIS_URL:
        entries = _local.setdefault(tab.list_id, {})
        entries[tab.member] = now
        return _local_viewers(tab.list_id, now)
    key = presence_key(tab.list_id)
    async with _redis().pipeline(transaction=True) as pipe:
        pipe.zadd(key, {tab.member: now})
        pipe.zremrangebyscore(key, "-inf", now - PRESENCE_TTL)
        pipe.expire(key, PRESENCE_TTL * 2)
        pipe.zrange(key, 0, -1)
        *_, members = await pipe.execute()
    return _viewers([m.decode() for m in members])


async def leave(tab: Tab) -> list[dict[str, str]]:
    """Remove the tab's entry; return who is still viewing."""
    now = time.time()
    if not settings.REDIS_URL:
        _local.get(tab.list_id, {}).pop(tab.member, None)
        return _local_viewers(tab.list_id, now)
    key = presence_key(tab.list_id)
    async with _redis().pipeline(transaction=True) as pipe:
        pipe.zrem(key, tab.member)
        pipe.zrangebyscore(key, now - PRESENCE_TTL, "+inf")
        _, members = await pipe.execute()
    return _viewers([m.decode() for m in members])


async def viewers(list_id: UUID | str) -> list[dict[str, str]]:
    now = time.time()
    if not settings.REDIS_URL:
        return _local_viewers(str(list_id), now)
    members = await _redis().zrangebyscore(presence_key(list_id), now - PRESENCE_TTL, "+inf")
    return _viewers([m.decode() for m in members])


def _local_viewers(list_id: str, now: float) -> list[dict[str, str]]:
    entries = _local.get(list_id, {})
    for member, seen in list(entries.items()):
        if seen < now - PRESENCE_TTL:
            del entries[member]
    return _viewers(list(entries))
