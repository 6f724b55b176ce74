"""What the publisher sends: one rendered, JSON-safe message per event."""

from __future__ import annotations

import json

import pytest

from families.tests.factories import MembershipFactory
from lists.events import event_message
from lists.models import ListItem
from lists.sentences import event_sentence
from lists.services import list_event_record
from lists.tests.factories import GroceryListFactory, ListItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def milk():
    membership = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=membership.family)
    item = ListItemFactory(grocery_list=grocery_list, name="milk")
    return membership.user, item


def record(item, actor, type, **payload):
    return list_event_record(
        grocery_list=item.grocery_list,
        type=type,
        actor=actor,
        payload={"item_id": str(item.pk), **payload},
    )


@pytest.mark.parametrize(
    ("type", "payload", "summary"),
    [
        ("item.added", {}, "Ana added milk"),
        ("item.status_changed", {"status": "in_cart"}, "Ana put milk in the cart"),
        ("item.status_changed", {"status": "purchased"}, "Ana bought milk"),
        ("item.status_changed", {"status": "needed"}, "Ana moved milk back to needed"),
        ("item.assigned", {"assignee": "Ben"}, "Ana assigned milk to Ben"),
        ("item.assigned", {"assignee": ""}, "Ana unassigned milk"),
        ("item.updated", {}, "Ana edited milk"),
        ("item.deleted", {}, "Ana removed milk"),
    ],
)
def test_summaries_say_who_did_what(milk, type, payload, summary):
    actor, item = milk
    assert event_sentence(record(item, actor, type, **payload), item=item) == summary


def test_message_carries_the_current_row_and_round_trips_through_json(milk):
    actor, item = milk
    ListItem.objects.filter(pk=item.pk).update(status="in_cart", version=2)
    message = event_message(record(item, actor, "item.status_changed", status="in_cart"))
    assert json.loads(json.dumps(message)) == message
    assert message["seq"] == 1
    assert message["actor"] == "Ana"
    assert message["actor_id"] == str(actor.pk)
    assert message["item_id"] == str(item.pk)
    assert message["category"] == item.category
    assert f'id="item-{item.pk}"' in message["html"]
    assert 'data-status="in_cart"' in message["html"]


def test_a_deleted_item_sends_no_row(milk):
    actor, item = milk
    item.delete()
    message = event_message(record(item, actor, "item.deleted"))
    assert message["html"] is None
    assert message["summary"] == "Ana removed milk"


def test_cleared_items_are_counted(milk):
    actor, item = milk
    event = list_event_record(
        grocery_list=item.grocery_list,
        type="items.cleared",
        actor=actor,
        payload={"item_ids": [str(item.pk)]},
    )
    message = event_message(event)
    assert message["summary"] == "Ana cleared 1 bought item"
    assert message["html"] is None


def test_catch_up_renders_a_batch_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    """Prevents N+1: replaying many events costs the same few queries as replaying one."""
    from lists import item_services
    from lists.consumers import _render_events

    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben").user
    grocery_list = GroceryListFactory(family=ana.family)
    for n in range(10):
        item = item_services.item_add(
            grocery_list=grocery_list, actor=ana.user, name=f"thing {n}"
        ).item
        item_services.item_assign(
            item_id=item.pk, grocery_list=grocery_list, actor=ana.user, assignee=ben
        )
        item_services.item_set_status(
            item_id=item.pk, grocery_list=grocery_list, actor=ben, status="in_cart"
        )
    with django_assert_max_num_queries(3):
        messages = _render_events(list_id=str(grocery_list.pk), seqs=list(range(1, 31)))
    assert [m["seq"] for m in messages] == list(range(1, 31))
    assert all(m["html"] and "Ben" in m["html"] for m in messages)
