"""One sentence per event type, the same in the feed, on the page and in a push."""

import re
from html import escape
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from families.tests.factories import MembershipFactory
from lists.events import event_message
from lists.models import ListEvent
from lists.notifications import FEED_LENGTH
from lists.sentences import EVENT_TYPES, event_action, event_sentence
from lists.services import list_event_record
from lists.templatetags.lists_tags import event_summary
from lists.tests.factories import GroceryListFactory, ListItemFactory

# Payload variants worth saying differently (the services' payloads, trimmed).
VARIANTS = {
    "list.created": [{"name": "Weekly shop"}],
    "list.updated": [{"name": "Weekly shop", "fields": ["name"]}, {"fields": ["description"]}],
    "list.archived": [{"name": "Weekly shop"}],
    "list.restored": [{"name": "Weekly shop", "from": "deleted"}],
    "list.deleted": [{"name": "Weekly shop"}],
    "shopping.started": [{"store": "Lidl", "name": "Weekly shop"}, {"store": ""}],
    "item.added": [{"name": "milk"}, {"name": "milk", "quantity": "2 l"}],
    "item.updated": [{"name": "milk", "fields": ["note"]}],
    "item.status_changed": [
        {"name": "milk", "status": s} for s in ("needed", "in_cart", "purchased")
    ],
    "item.assigned": [{"name": "milk", "assignee": "Ben"}, {"name": "milk", "assignee": ""}],
    "item.deleted": [{"name": "milk"}],
    "item.restored": [{"name": "milk"}],
    "item.photo_changed": [{"name": "milk"}, {}],
    "item.photo_removed": [{"name": "milk"}],
    "items.cleared": [{"item_ids": ["a"], "count": 1}, {"item_ids": ["a", "b"], "count": 2}],
    "share.status_changed": [
        {"vendor": "Corner shop", "status": s}
        for s in ("pending", "sending", "sent", "delivered", "read", "failed", "responded")
    ],
    "share.revoked": [{"vendor": "Corner shop"}],
    "share.answered": [{"vendor": "Corner shop", "status": "responded", "lines": 3}],
    "order.placed": [{"vendor": "Corner shop", "total": "12.50", "currency": "EUR"}],
    "order.status_changed": [{"status": s} for s in ("confirmed", "delivered", "cancelled")],
}
CODE = re.compile(r"[a-z]\.[a-z]|_|\{|\}")


def _cases():
    return [(type, payload) for type, payloads in VARIANTS.items() for payload in payloads]


def test_every_event_type_has_variants_here():
    assert set(VARIANTS) == EVENT_TYPES


def test_every_event_type_recorded_by_the_code_has_a_sentence():
    """Scans the apps for `type="x.y"` given to list_event_record: a new type needs words."""
    recorded = set()
    for app in ("lists", "shop", "vendors", "orders", "photos", "families"):
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            recorded |= set(re.findall(r'type="([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert recorded, "the scan found nothing: the pattern is stale"
    assert recorded <= EVENT_TYPES, recorded - EVENT_TYPES


@pytest.mark.parametrize(("type", "payload"), _cases())
def test_each_event_reads_as_a_human_sentence(type, payload):
    event = ListEvent(type=type, payload=payload, actor_label="Ana", seq=1)
    sentence = event_sentence(event)
    action = event_action(event)
    assert sentence == f"Ana {action}"
    assert event_summary(event) == action  # the feed's wording is the same
    assert action and action != "changed the list"
    assert not CODE.search(sentence), sentence
    assert not sentence.endswith("."), sentence
    assert "None" not in sentence


def test_statuses_and_variants_are_told_apart():
    def say(type, **payload):
        return event_action(ListEvent(type=type, payload=payload))

    assert say("item.status_changed", name="milk", status="purchased") == "bought milk"
    assert say("item.added", name="milk", quantity="2 l") == "added milk (2 l)"
    assert say("share.status_changed", vendor="Corner shop", status="failed") == (
        "could not send the list to Corner shop"
    )
    assert say("order.placed", vendor="Corner shop") == "placed an order with Corner shop"
    assert say("order.status_changed", status="delivered") == "marked the order delivered"
    assert say("items.cleared", item_ids=["a"]) == "cleared 1 bought item"
    assert ListEvent(type="no.such", payload={}).type not in EVENT_TYPES
    assert event_action(ListEvent(type="no.such", payload={})) == "changed the list"


@pytest.mark.django_db
def test_the_feed_the_page_and_the_live_message_say_the_same(client):
    """Order and share events used to show their codes in the feed and "changed the list"
    live; now every recorded event reads the same everywhere."""
    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    grocery_list = GroceryListFactory(family=ana.family, name="Weekly shop")
    item = ListItemFactory(grocery_list=grocery_list, name="milk")
    events = [
        list_event_record(
            grocery_list=grocery_list,
            type=type,
            actor=ana.user,
            payload={**payload, "item_id": str(item.pk)} if type.startswith("item.") else payload,
        )
        for type, payload in _cases()
    ]
    client.force_login(ben.user)
    feed = client.get(reverse("families:notifications", kwargs={"family_id": ana.family_id}))
    page = client.get(reverse("lists:detail", kwargs={"list_id": grocery_list.id}))
    for index, event in enumerate(events):
        action = escape(event_action(event))  # as a template writes it
        message = event_message(event)
        # Live, the item (loaded for its row) names it when the payload does not.
        with_item = item if event.type.startswith("item.") else None
        assert message["summary"] == event_sentence(event, item=with_item)
        assert action in message["activity_html"]
        if index >= len(events) - FEED_LENGTH:  # the feed shows the latest only
            assert action in feed.content.decode()
    page_html = page.content.decode()
    assert "order.placed" not in page_html and "share.status_changed" not in page_html
    assert "order.placed" not in feed.content.decode()
