"""No push fan-out task per list event unless someone could get that push.

`event_notify_later` decides inside the write, from the family's cached push wants
(`families.push.family_push_wants`): an add in a family where no other member has a
browser subscribed to "items added" queues nothing. The cache is dropped whenever a
subscription, a preference or a membership changes, so the decision follows at once.
"""

from __future__ import annotations

import pytest

from families import notifications
from families.tests.factories import MembershipFactory
from lists import item_services
from lists import notifications as list_notifications
from lists.tests.factories import GroceryListFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(settings, monkeypatch):
    """The fan-out tasks queued through the outbox (push configured)."""
    settings.WEBPUSH_VAPID_PRIVATE_KEY = "test-private"
    settings.WEBPUSH_VAPID_PUBLIC_KEY = "test-public"
    calls = []
    monkeypatch.setattr(
        list_notifications, "outbox_enqueue", lambda *, task, args: calls.append((task, args))
    )
    return calls


@pytest.fixture
def family():
    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    return ana, ben, GroceryListFactory(family=ana.family)


def _add(grocery_list, actor, name):
    return item_services.item_add(grocery_list=grocery_list, actor=actor, name=name)


def _subscribe(membership, n=1):
    return notifications.push_subscribe(
        user=membership.user,
        endpoint=f"https://push.example/{membership.pk}/{n}",
        p256dh="k",
        auth="a",
    )


def test_an_add_queues_no_task_when_nobody_has_a_browser_subscribed(family, queued):
    ana, _ben, grocery_list = family
    for name in ("milk", "eggs", "rice"):
        _add(grocery_list, ana.user, name)
    assert queued == []


def test_a_new_subscription_is_seen_by_the_next_add(family, queued):
    ana, ben, grocery_list = family
    _add(grocery_list, ana.user, "milk")  # caches "nobody wants pushes"
    assert queued == []
    _subscribe(ben)
    added = _add(grocery_list, ana.user, "eggs")
    event_id = str(
        grocery_list.events.get(type="item.added", payload__item_id=str(added.item.pk)).pk
    )
    assert queued == [("lists.tasks.notify_event", [event_id])]


def test_the_actors_own_subscription_does_not_queue_a_task(family, queued):
    ana, ben, grocery_list = family
    _subscribe(ana)
    _add(grocery_list, ana.user, "milk")
    assert queued == []
    _add(grocery_list, ben.user, "eggs")  # Ana may hear about Ben's add
    assert len(queued) == 1


def test_turning_the_kind_off_or_unsubscribing_stops_the_tasks(family, queued):
    ana, ben, grocery_list = family
    subscription = _subscribe(ben)
    _add(grocery_list, ana.user, "milk")
    assert len(queued) == 1
    notifications.preference_update(membership=ben, choices={"items_added": False})
    _add(grocery_list, ana.user, "eggs")
    assert len(queued) == 1  # nothing new
    notifications.preference_update(membership=ben, choices={"items_added": True})
    _add(grocery_list, ana.user, "rice")
    assert len(queued) == 2
    notifications.push_unsubscribe(user=ben.user, endpoint=subscription.endpoint)
    _add(grocery_list, ana.user, "bread")
    assert len(queued) == 2


def test_a_member_who_leaves_takes_their_pushes_along(family, queued):
    ana, ben, grocery_list = family
    _subscribe(ben)
    _add(grocery_list, ana.user, "milk")
    assert len(queued) == 1
    ben.delete()
    _add(grocery_list, ana.user, "eggs")
    assert len(queued) == 1
