"""`lists.fanout`: one channel per list and process, handing each message to every socket."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer

from families.tests.factories import MembershipFactory
from grocer.testing import run_coroutine
from lists.events import list_group_name
from lists.fanout import FANOUT_LOST, Inbox, ListFanout, fanout_for
from lists.tests.factories import GroceryListFactory
from lists.tests.realtime import communicator, receive, run, session_cookie


def test_a_message_handed_to_an_idle_socket_is_handled_before_hand_returns():
    async def main() -> list:
        handled: list = []

        async def dispatch(message) -> None:
            handled.append(message)

        inbox = Inbox(dispatch)
        served = asyncio.ensure_future(inbox.serve([asyncio.Event().wait]))
        await inbox.hand({"type": "event 1"})
        seen = list(handled)  # no other task ran in between
        served.cancel()
        await asyncio.wait([served])
        return seen

    assert run_coroutine(main()) == [{"type": "event 1"}]


def test_messages_handed_to_a_busy_socket_queue_in_order_without_holding_up_the_hand():
    """Even at the instant its lock is free and the first queued message not yet taken.

    The fan-out's task hands each message to every socket of the list in turn: waiting
    there for one socket's catch-up would hold up all the others.
    """

    async def main() -> tuple[list, list, list]:
        handled: list = []
        catch_up_started = asyncio.Event()
        catch_up_ending = asyncio.Event()

        async def dispatch(message) -> None:
            if message == "catch_up":
                catch_up_started.set()
                await asyncio.sleep(0.01)  # a catch-up's queries
                catch_up_ending.set()  # wakes the test before the queued event's turn
            handled.append(message)

        client: asyncio.Queue = asyncio.Queue()
        inbox = Inbox(dispatch)
        served = asyncio.ensure_future(inbox.serve([client.get]))
        client.put_nowait("catch_up")
        await catch_up_started.wait()
        await inbox.hand("event 1")
        after_first_hand = list(handled)
        await catch_up_ending.wait()
        await inbox.hand("event 2")  # the lock is free here, "event 1" is not handled yet
        after_second_hand = list(handled)
        while len(handled) < 3:
            await asyncio.sleep(0.001)
        served.cancel()
        await asyncio.wait([served])
        return after_first_hand, after_second_hand, handled

    after_first_hand, after_second_hand, handled = run_coroutine(main())
    assert after_first_hand == []  # queued behind the catch-up, which is still running
    assert after_second_hand == ["catch_up"]  # queued behind "event 1"
    assert handled == ["catch_up", "event 1", "event 2"]


def test_a_failing_inline_handler_ends_its_socket_not_the_hand():
    async def main() -> None:
        async def dispatch(message) -> None:
            raise ConnectionError("the client's transport broke")

        inbox = Inbox(dispatch)
        served = asyncio.ensure_future(inbox.serve([asyncio.Event().wait]))
        await inbox.hand({"type": "list.event"})  # does not raise into the fan-out
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(served, 5)

    run_coroutine(main())


def _inbox_recording(into: list) -> Inbox:
    async def dispatch(message) -> None:
        into.append(message["type"])

    return Inbox(dispatch)


def test_the_sockets_of_a_list_share_one_member_of_its_group():
    async def main() -> tuple:
        layer = InMemoryChannelLayer()
        first: list = []
        second: list = []
        inboxes = [_inbox_recording(first), _inbox_recording(second)]
        serving = [asyncio.ensure_future(inbox.serve([asyncio.Event().wait])) for inbox in inboxes]
        fanout = fanout_for(layer, "list.a")
        for inbox in inboxes:
            await fanout_for(layer, "list.a").join(inbox)
        members = len(layer.groups["list.a"])
        await layer.group_send("list.a", {"type": "list.event"})
        await layer.group_send("list.a", {"type": "channel_layer.resumed"})  # not handed
        await layer.group_send("list.a", {"type": "presence.changed"})
        while len(second) < 2:
            await asyncio.sleep(0.001)
        await fanout.leave(inboxes[0])
        still_running = not fanout.closed
        await fanout.leave(inboxes[1])
        after = (fanout.closed, dict(layer.groups.get("list.a", {})), fanout_for(layer, "list.a"))
        await after[2].leave(inboxes[0])  # the new one stops again
        for task in serving:
            task.cancel()
        await asyncio.wait(serving)
        return members, first, second, still_running, after, fanout

    members, first, second, still_running, after, fanout = run_coroutine(main())
    assert members == 1
    assert first == second == ["list.event", "presence.changed"]
    assert still_running  # a socket of the list is still open
    closed, group, next_fanout = after
    assert closed and not group  # the last one out took it out of the group
    assert next_fanout is not fanout  # a socket that comes later starts a new one


def test_a_fanout_that_loses_its_channel_tells_its_sockets():
    class BrokenLayer(InMemoryChannelLayer):
        async def receive(self, channel):
            await asyncio.sleep(0.01)
            raise ConnectionError("Redis went away")

    async def main() -> tuple[list, bool]:
        handled: list = []
        inbox = _inbox_recording(handled)
        served = asyncio.ensure_future(inbox.serve([asyncio.Event().wait]))
        fanout = fanout_for(BrokenLayer(), "list.b")
        await fanout.join(inbox)
        while not handled:
            await asyncio.sleep(0.001)
        served.cancel()
        await asyncio.wait([served])
        return handled, fanout.closed

    handled, closed = run_coroutine(main())
    assert handled == [FANOUT_LOST]
    assert closed


def test_joining_a_fanout_that_cannot_join_its_group_raises():
    class DownLayer(InMemoryChannelLayer):
        async def group_add(self, group, channel):
            raise ConnectionError("Redis is down")

    async def main() -> ListFanout:
        fanout = fanout_for(DownLayer(), "list.c")
        with pytest.raises(ConnectionError):
            await fanout.join(Inbox(lambda message: None))
        return fanout

    assert run_coroutine(main()).closed


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_pages_of_a_list_in_one_process_are_one_member_of_its_group_on_redis(
    settings, monkeypatch
):
    """On the default layer: one subscriber per list and process, events to both pages."""
    from channels.db import database_sync_to_async

    from grocer.env import redis_channel_layer
    from lists.tests.test_consumers import add_item

    # The pub/sub layer even where GROCER_CHANNEL_LAYER picks the list-based one for a run.
    monkeypatch.setenv("GROCER_CHANNEL_LAYER", "pubsub")
    settings.CHANNEL_LAYERS = {
        "default": redis_channel_layer(
            settings.REDIS_URL, prefix=f"{settings.REDIS_KEY_PREFIX}:asgi"
        )
    }

    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    grocery_list = GroceryListFactory(family=ana.family)
    cookies = [session_cookie(ana.user), session_cookie(ben.user)]
    group = list_group_name(grocery_list.pk)

    async def scenario():
        pages = [communicator(grocery_list.pk, cookie=cookie) for cookie in cookies]
        for page in pages:
            connected, _ = await page.connect()
            assert connected
            await receive(page, "presence")
        layer = get_channel_layer()._get_layer()
        group_channel = layer._get_group_channel_name(group)
        members = set(layer.groups[group_channel])
        await database_sync_to_async(add_item)(grocery_list, ana.user)
        events = [await receive(page, "event") for page in pages]
        for page in pages:
            await page.disconnect()
        left = layer.groups.get(group_channel)
        return members, events, left

    members, events, left = run(scenario)
    assert len(members) == 1
    assert [event["event_type"] for event in events] == ["item.added", "item.added"]
    assert events[0]["seq"] == events[1]["seq"]
    assert not left  # both pages closed: the process left the list's group


def test_a_socket_whose_fanout_is_lost_closes_with_the_code_the_page_retries_on():
    from lists.consumers import CLOSE_UNAVAILABLE, ListConsumer

    sent: list = []

    async def base_send(message: dict) -> None:
        sent.append(message)

    consumer = ListConsumer()
    consumer.base_send = base_send
    run_coroutine(consumer.dispatch({"type": FANOUT_LOST}))
    assert sent == [{"type": "websocket.close", "code": CLOSE_UNAVAILABLE}]


def test_a_connect_cancelled_while_joining_leaves_no_fanout_subscribed():
    class SlowLayer(InMemoryChannelLayer):
        async def group_add(self, group, channel):
            await asyncio.sleep(0.05)
            await super().group_add(group, channel)

    async def main() -> tuple[bool, dict]:
        layer = SlowLayer()
        fanout = fanout_for(layer, "list.d")
        joining = asyncio.ensure_future(fanout.join(Inbox(lambda message: None)))
        await asyncio.sleep(0.01)
        joining.cancel()  # the page went away during its connect
        await asyncio.wait([joining])
        await asyncio.sleep(0.1)  # the group_add it was waiting for would have finished
        # Read before the loop ends: its end cancels every task left (a fan-out too).
        return fanout.closed, dict(layer.groups.get("list.d", {}))

    closed, members = run_coroutine(main())
    assert closed
    assert not members
