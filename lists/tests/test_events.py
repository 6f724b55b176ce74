import json
import threading

import pytest
from django.db import close_old_connections, connection

from families.tests.factories import UserFactory
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
