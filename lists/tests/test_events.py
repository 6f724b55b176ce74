import json
import threading

import pytest
from django.db import close_old_connections, connection

from families.tests.factories import UserFactory
from grocer.testing import http_scope, run_coroutine
from lists.events import event_message
from lists.models import ListEvent, ListItem
from lists.services import list_event_record
from lists.tests.factories import GroceryListFactory, ListItemFactory

pytestmark = pytest.mark.django_db


def test_events_get_consecutive_seqs_per_list():
    first, second = GroceryListFactory(), GroceryListFactory()
    actor = UserFactory(display_name="Ana")
    seqs = [
        list_event_record(grocery_list=first, type="item.added", actor=actor).seq for _ in "abc"
    ]
    other = list_event_record(grocery_list=second, type="item.added", actor=actor)
    assert seqs == [1, 2, 3]
    assert other.seq == 1
    first.refresh_from_db()
    assert first.last_seq == 3


def test_event_message_survives_a_json_round_trip():
    event = list_event_record(
        grocery_list=GroceryListFactory(),
        type="item.added",
        actor=UserFactory(display_name="Ana"),
        payload={"name": "milk"},
    )
    message = event_message(event)
    assert json.loads(json.dumps(message)) == message
    assert message["actor"] == "Ana"
    assert message["seq"] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_distinct_gap_free_seqs():
    """Prevents duplicate seqs when two requests write to one list at once."""
    grocery_list = GroceryListFactory()
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for _ in range(n):
                list_event_record(grocery_list=grocery_list, type="item.added", actor=None)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=write, args=(10,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = sorted(ListEvent.objects.filter(grocery_list=grocery_list).values_list("seq", flat=True))
    assert seqs == list(range(1, 41))


@pytest.mark.postgres
def test_updated_at_trigger_catches_bulk_updates():
    """QuerySet.update() skips auto_now; the PostgreSQL trigger must not."""
    item = ListItemFactory()
    before = ListItem.objects.values_list("updated_at", flat=True).get(pk=item.pk)
    ListItem.objects.filter(pk=item.pk).update(note="bulk")
    after = ListItem.objects.values_list("updated_at", flat=True).get(pk=item.pk)
    assert after > before


def test_created_at_is_filled_by_the_database():
    item = ListItemFactory()
    item.refresh_from_db()
    assert item.created_at is not None


@pytest.mark.redis
def test_publishing_outside_a_server_reuses_one_loop_and_delivers():
    """A Celery worker publishes with no server loop: every event must still arrive, sent
    from one long-lived loop rather than a new loop (and Redis connection) per event."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from channels.layers import get_channel_layer

    from lists import events

    layer = get_channel_layer()
    group = "test-publisher"

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        loops = []
        for n in (1, 2):
            # A plain thread, like a Celery worker's: no server loop known to asgiref.
            await asyncio.to_thread(events.group_send, group, {"type": "test.event", "n": n})
            loops.append(events._publisher())
        received = [(await asyncio.wait_for(layer.receive(channel), 5))["n"] for _ in (1, 2)]
        await layer.group_discard(group, channel)
        return received, loops, asyncio.get_running_loop()

    # Off the test thread: Playwright's sync API may keep an event loop running there.
    with ThreadPoolExecutor(max_workers=1) as pool:
        received, loops, test_loop = pool.submit(asyncio.run, scenario()).result(timeout=30)
    assert received == [1, 2]
    assert loops[0] is loops[1]
    assert loops[0] is not test_loop and loops[0].is_running()


@pytest.mark.redis
def test_a_list_event_is_kept_and_published_from_the_writers_thread_in_one_round_trip(
    monkeypatch,
):
    """With the pub/sub layer the catch-up copy and the PUBLISH leave in one pipeline from
    the request's thread: the layer's group_send (a hop to the server's loop) is not
    used, and a socket on the layer still receives exactly what group_send would send."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import redis as redis_client
    from channels.layers import get_channel_layer

    from grocer.channel_layers import PubSubChannelLayer
    from lists import events

    layer = get_channel_layer()
    assert isinstance(layer, PubSubChannelLayer)
    monkeypatch.setattr(
        events, "group_send", lambda *a: pytest.fail("group_send used for a list event")
    )
    executed = []
    real_execute = redis_client.client.Pipeline.execute

    def counting_execute(self, *args, **kwargs):
        executed.append([command[0][0] for command in self.command_stack])
        return real_execute(self, *args, **kwargs)

    monkeypatch.setattr(redis_client.client.Pipeline, "execute", counting_execute)
    grocery_list = GroceryListFactory()
    group = events.list_group_name(grocery_list.id)
    message = {"type": "list.event", "list_id": str(grocery_list.id), "seq": 7, "n": "milk"}

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await asyncio.to_thread(events.store_and_publish, group, message)
        received = await asyncio.wait_for(layer.receive(channel), 5)
        await layer.group_discard(group, channel)
        return received

    with ThreadPoolExecutor(max_workers=1) as pool:
        received = pool.submit(asyncio.run, scenario()).result(timeout=30)
    assert received == message
    assert executed == [["ZADD", "ZREMRANGEBYRANK", "EXPIRE", "PUBLISH"]]
    kept = events._stream_redis().zrangebyscore(events.stream_key(grocery_list.id), 7, 7)
    assert [json.loads(member) for member in kept] == [message]


@pytest.mark.redis
def test_a_dropped_redis_connection_is_retried_once_when_publishing(monkeypatch):
    import redis as redis_client

    from lists import events

    attempts = []
    real_execute = redis_client.client.Pipeline.execute

    def flaky_execute(self, *args, **kwargs):
        attempts.append(len(self.command_stack))
        if len(attempts) == 1:
            self.reset()
            raise redis_client.ConnectionError("Connection closed by server.")
        return real_execute(self, *args, **kwargs)

    monkeypatch.setattr(redis_client.client.Pipeline, "execute", flaky_execute)
    grocery_list = GroceryListFactory()
    message = {"type": "list.event", "list_id": str(grocery_list.id), "seq": 3}
    events.store_and_publish(events.list_group_name(grocery_list.id), message)
    assert attempts == [4, 4]
    kept = events._stream_redis().zrangebyscore(events.stream_key(grocery_list.id), 3, 3)
    assert len(kept) == 1


@pytest.mark.redis
def test_the_writers_own_server_sends_the_event_to_its_sockets_after_the_answer():
    """A write's event is published at once (other servers fan it out meanwhile), but the
    sockets of the server that served the write get it once the writer's answer is out:
    fanned out first, a hundred frames went ahead of it on that server's loop."""
    import asyncio
    import time

    from channels.layers import get_channel_layer
    from django.http import HttpResponse

    from grocer.asgi_handler import OneHopASGIHandler
    from grocer.channel_layers import PubSubChannelLayer
    from lists import events

    layer = get_channel_layer()
    assert isinstance(layer, PubSubChannelLayer)
    grocery_list = GroceryListFactory()
    group = events.list_group_name(grocery_list.id)
    message = {"type": "list.event", "list_id": str(grocery_list.id), "seq": 11, "n": "milk"}
    order: list[str] = []

    def get_response(request):
        events.store_and_publish(group, message)
        # The rest of the answer (rendering, middleware): time for the PUBLISH to reach
        # this process's subscriber connection, where it used to be delivered at once.
        time.sleep(0.3)
        return HttpResponse("added")

    handler = OneHopASGIHandler()
    handler.get_response = get_response
    scope = http_scope("/add/", method="POST")

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)

        async def listen():
            received = await asyncio.wait_for(layer.receive(channel), 10)
            order.append("event delivered")
            return received

        listener = asyncio.create_task(listen())

        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(reply):
            if reply["type"] == "http.response.body":
                order.append("answer sent")

        await handler(scope, receive, send)
        received = await listener
        await layer.group_discard(group, channel)
        return received

    received = run_coroutine(scenario())
    assert received == message
    assert order == ["answer sent", "event delivered"]
    from grocer.channel_layers import _held

    assert _held == {}  # released, nothing kept behind
