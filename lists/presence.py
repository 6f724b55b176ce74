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
    """The list's viewers after a join or leave, and whether that changed who is viewing.

    A leave that changed nothing (another tab of the user is still open, the common
    case) does not read the viewers: `viewers` is None then.
    """

    viewers: list[dict[str, str]] | None
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


# Join and leave run in Redis as one script each: both sides of the change are read,
# compared and written atomically (as a MULTI/EXEC did), and only what the socket needs
# comes back. The MULTI/EXEC's replies (every entry of the list, twice, parsed by
# redis-py in Python) were most of a socket's connect and disconnect in the churn bench.
# The viewers compare as `_viewers` does: each user once, with the name of their last
# entry; a change is a different set of (user, name).
_VIEWERS_LUA = """
local function viewers(members)
  local users, count = {}, 0
  for _, member in ipairs(members) do
    local entry = cjson.decode(member)
    if users[entry[1]] == nil then count = count + 1 end
    users[entry[1]] = entry[2]
  end
  return users, count
end
local function same(before, members)
  local a, na = viewers(before)
  local b, nb = viewers(members)
  if na ~= nb then return false end
  for user, name in pairs(a) do
    if b[user] ~= name then return false end
  end
  return true
end
"""
# KEYS[1] the list's set; ARGV: now, the oldest live score, the tab's member, expiry.
# Returns {changed, every entry after the join}.
_JOIN_LUA = (
    _VIEWERS_LUA
    + """
local key = KEYS[1]
local before = redis.call('ZRANGEBYSCORE', key, ARGV[2], '+inf')
redis.call('ZADD', key, ARGV[1], ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[2])
redis.call('EXPIRE', key, ARGV[4])
local after = redis.call('ZRANGE', key, 0, -1)
return {same(before, after) and 0 or 1, after}
"""
)
# KEYS[1] the list's set; ARGV: the oldest live score, the tab's member.
# Returns {0} when the viewers did not change, else {1, the live entries after it}.
_LEAVE_LUA = (
    _VIEWERS_LUA
    + """
local key = KEYS[1]
local before = redis.call('ZRANGEBYSCORE', key, ARGV[1], '+inf')
redis.call('ZREM', key, ARGV[2])
local after = redis.call('ZRANGEBYSCORE', key, ARGV[1], '+inf')
if same(before, after) then return {0} end
return {1, after}
"""
)
_SCRIPTS = {"join": _JOIN_LUA, "leave": _LEAVE_LUA}


def _script(client, name: str):
    """The client's registered script (EVALSHA, loaded again if Redis forgot it)."""
    scripts = client.__dict__.setdefault("_grocer_presence_scripts", {})
    script = scripts.get(name)
    if script is None:
        script = scripts[name] = client.register_script(_SCRIPTS[name])
    return script


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
    client = _redis()
    changed, members = await _script(client, "join")(
        keys=[presence_key(tab.list_id)],
        args=[repr(now), repr(now - ttl), tab.member, int(ttl * 2)],
    )
    return Change(viewers=_viewers([m.decode() for m in members]), changed=bool(changed))


async def leave(tab: Tab) -> Change:
    """Remove the tab's entry; `changed` only when that was its user's last tab here."""
    now = time.time()
    ttl = presence_ttl()
    if not settings.REDIS_URL:
        before = _local_viewers(tab.list_id, now)
        _local.get(tab.list_id, {}).pop(tab.member, None)
        after = _local_viewers(tab.list_id, now)
        return Change(viewers=after, changed=after != before)
    client = _redis()
    changed, *members = await _script(client, "leave")(
        keys=[presence_key(tab.list_id)], args=[repr(now - ttl), tab.member]
    )
    if not changed:
        return Change(viewers=None, changed=False)
    return Change(viewers=_viewers([m.decode() for m in members[0]]), changed=True)


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
