"""A list page left open with nothing happening keeps its socket (real Redis channel layer).

The channel layer waits for the next message with a 5 s blocking pop; with the Redis
client's default 5 s read timeout every idle wait raised TimeoutError and the socket was
closed as if Redis were down, so idle pages reconnected and replayed every few seconds.
"""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from families.tests.factories import MembershipFactory
from lists.services import list_event_record
from lists.tests.factories import GroceryListFactory, ListItemFactory
from lists.tests.realtime import communicator, in_thread, receive, session_cookie

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

IDLE_SECONDS = 60


@pytest.mark.timeout(IDLE_SECONDS + 120)
def test_an_idle_socket_stays_open_and_gets_the_next_event(settings):
    # A Redis layer (GROCER_CHANNEL_LAYER picks which), not the in-memory one.
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] in (
        "grocer.channel_layers.PubSubChannelLayer",
        "channels_redis.core.RedisChannelLayer",
    )
    ana = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=ana.family)
    cookie = session_cookie(ana.user)

    def add_item() -> str:
        item = ListItemFactory(grocery_list=grocery_list, name="milk")
        list_event_record(
            grocery_list=grocery_list,
            type="item.added",
            actor=ana.user,
            payload={"item_id": str(item.pk)},
        )
        return str(item.pk)

    async def scenario():
        comm = communicator(grocery_list.pk, cookie=cookie)
        connected, _ = await comm.connect()
        assert connected
        await comm.send_json_to({"type": "catch_up", "last_seq": 0})
        assert (await receive(comm, "caught_up"))["seq"] == 0
        # Nothing at all for a minute: no frames from the page, no events on the list.
        # A close (or any other output but presence) during the wait fails the test.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + IDLE_SECONDS
        while (remaining := deadline - loop.time()) > 0:
            if await comm.receive_nothing(timeout=remaining, interval=0.2):
                break
            output = await comm.receive_output()
            assert output["type"] == "websocket.send", f"socket closed while idle: {output}"
            assert '"presence"' in output["text"], output
        item_id = await database_sync_to_async(add_item)()
        event = await receive(comm, "event")
        await comm.disconnect()
        return item_id, event

    item_id, event = in_thread(async_to_sync(scenario), timeout=IDLE_SECONDS + 60)
    assert event["item_id"] == item_id
    assert event["seq"] == 1
