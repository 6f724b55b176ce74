"""Presence on the real Redis: who is viewing, and when that changed (lists/presence.py)."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from django.conf import settings

from lists import presence
from lists.tests.realtime import run

pytestmark = pytest.mark.redis


def _tab(list_id: str, user: str, name: str) -> presence.Tab:
    return presence.Tab(
        list_id=list_id, user_id=user, name=name, channel_name=f"chan!{uuid.uuid4().hex}"
    )


def test_join_and_leave_change_the_viewers_only_for_a_users_first_and_last_tab():
    list_id = str(uuid.uuid4())
    ana_1, ana_2 = _tab(list_id, "a", "Ana"), _tab(list_id, "a", "Ana")
    ben = _tab(list_id, "b", "Bén")

    async def scenario():
        return [
            await presence.join(ana_1),
            await presence.join(ana_2),
            await presence.join(ben),
            await presence.leave(ana_2),
            await presence.leave(ana_1),
            await presence.leave(ben),
        ]

    first, second_tab, ben_joins, one_tab_left, ana_leaves, last = run(scenario)
    ana, ben_viewer = {"id": "a", "name": "Ana"}, {"id": "b", "name": "Bén"}
    assert first == presence.Change(viewers=[ana], changed=True)
    assert second_tab == presence.Change(viewers=[ana], changed=False)
    assert ben_joins == presence.Change(viewers=[ana, ben_viewer], changed=True)
    assert one_tab_left == presence.Change(viewers=None, changed=False)
    assert ana_leaves == presence.Change(viewers=[ben_viewer], changed=True)
    assert last == presence.Change(viewers=[], changed=True)


def test_a_tab_under_a_new_name_is_a_change():
    list_id = str(uuid.uuid4())

    async def scenario():
        await presence.join(_tab(list_id, "a", "Ana"))
        return await presence.join(_tab(list_id, "a", "Ana Lima"))

    assert run(scenario) == presence.Change(viewers=[{"id": "a", "name": "Ana Lima"}], changed=True)


def test_an_expired_tab_is_no_viewer_and_a_join_prunes_it():
    list_id = str(uuid.uuid4())
    ghost, ana = _tab(list_id, "g", "Ghost"), _tab(list_id, "a", "Ana")
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = presence.presence_key(list_id)
    client.zadd(key, {ghost.member: time.time() - presence.presence_ttl() - 1})

    async def scenario():
        joined = await presence.join(ana)
        pruned = [member.decode() for member in client.zrange(key, 0, -1)]
        # The ghost's goodbye (a late disconnect) changes nothing anyone sees.
        return joined, pruned, await presence.leave(ghost)

    joined, pruned, ghost_leaves = run(scenario)
    assert joined == presence.Change(viewers=[{"id": "a", "name": "Ana"}], changed=True)
    assert pruned == [ana.member]
    assert ghost_leaves == presence.Change(viewers=None, changed=False)
    client.delete(key)


def test_a_join_and_a_leave_are_one_redis_command_each(monkeypatch):
    """One script call each, instead of a MULTI/EXEC reading every entry twice."""
    list_id = str(uuid.uuid4())
    tabs = [_tab(list_id, "a", "Ana"), _tab(list_id, "a", "Ana")]

    async def scenario():
        client = presence._redis()
        await presence.join(tabs[0])  # loads the scripts
        commands: list[str] = []
        execute = client.execute_command

        async def counted(*args, **kwargs):
            commands.append(str(args[0]))
            return await execute(*args, **kwargs)

        monkeypatch.setattr(client, "execute_command", counted)
        pipeline = client.pipeline
        monkeypatch.setattr(
            client, "pipeline", lambda *a, **k: commands.append("PIPELINE") or pipeline(*a, **k)
        )
        await presence.join(tabs[1])
        await presence.leave(tabs[1])
        await presence.leave(tabs[0])
        return commands

    assert run(scenario) == ["EVALSHA"] * 3
