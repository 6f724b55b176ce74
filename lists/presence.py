"""Who is viewing a list right now: one expiring entry per open socket (tab).

Each socket keeps an entry in a Redis sorted set per list, scored by its last heartbeat.
Entries older than `presence_ttl()` are ignored and pruned, so a socket that vanished
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


def heartbeat_interval() -> float:
    """Seconds between a page's heartbeats (live.js reads it from the page)."""
    return float(settings.GROCER_LIVE_HEARTBEAT_SECONDS)


def presence_ttl() -> float:
    """Seconds without a heartbeat before a tab no longer counts: two missed beats and change."""
    return max(45.0, heartbeat_interval() * 2.25)


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


@dataclass(frozen=True)
class Change:
    """The list's viewers after a join or leave, and whether that changed who is viewing."""

    viewers: list[dict[str, str]]
    changed: bool


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
    return (await join(tab)).viewers


async def join(tab: Tab) -> Change:
    """Add (or refresh) the tab's entry; `changed` only when its user was not viewing yet.

    Both sides are read in one MULTI/EXEC, so of two tabs joining at once exactly one
    sees the change. A second tab of the same user changes nothing anyone sees.
    """
    now = time.time()
    ttl = presence_ttl()
    if not settings.REDIS_URL:
        entries = _local.setdefault(tab.list_id, {})
        before = _local_viewers(tab.list_id, now)
        entries[tab.member] = now
        after = _local_viewers(tab.list_id, now)
        return Change(viewers=after, changed=after != before)
    key = presence_key(tab.list_id)
    async with _redis().pipeline(transaction=True) as pipe:
        pipe.zrangebyscore(key, now - ttl, "+inf")
        pipe.zadd(key, {tab.member: now})
        pipe.zremrangebyscore(key, "-inf", now - ttl)
        pipe.expire(key, int(ttl * 2))
        pipe.zrange(key, 0, -1)
        before, *_, members = await pipe.execute()
    after = _viewers([m.decode() for m in members])
    return Change(viewers=after, changed=after != _viewers([m.decode() for m in before]))


async def leave(tab: Tab) -> Change:
    """Remove the tab's entry; `changed` only when that was its user's last tab here."""
    now = time.time()
    ttl = presence_ttl()
    if not settings.REDIS_URL:
        before = _local_viewers(tab.list_id, now)
        _local.get(tab.list_id, {}).pop(tab.member, None)
        after = _local_viewers(tab.list_id, now)
        return Change(viewers=after, changed=after != before)
    key = presence_key(tab.list_id)
    async with _redis().pipeline(transaction=True) as pipe:
        pipe.zrangebyscore(key, now - ttl, "+inf")
        pipe.zrem(key, tab.member)
        pipe.zrangebyscore(key, now - ttl, "+inf")
        before, _, members = await pipe.execute()
    after = _viewers([m.decode() for m in members])
    return Change(viewers=after, changed=after != _viewers([m.decode() for m in before]))


async def viewers(list_id: UUID | str) -> list[dict[str, str]]:
    now = time.time()
    if not settings.REDIS_URL:
        return _local_viewers(str(list_id), now)
    members = await _redis().zrangebyscore(presence_key(list_id), now - presence_ttl(), "+inf")
    return _viewers([m.decode() for m in members])


def _local_viewers(list_id: str, now: float) -> list[dict[str, str]]:
    entries = _local.get(list_id, {})
    for member, seen in list(entries.items()):
        if seen < now - presence_ttl():
            del entries[member]
    return _viewers(list(entries))
