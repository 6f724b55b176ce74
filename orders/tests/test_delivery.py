"""Delivery goes through the item services: every open page sees it, and the list stays
on the dashboard while something on it is still needed."""

import pytest
from django.urls import reverse

from lists.models import GroceryList, ListEvent, ListItem
from orders import services
from orders.tests.test_orders import answered_share  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _deliver(order, actor):
    services.order_set_status(order=order, status="confirmed", actor=actor)
    return services.order_set_status(order=order, status="delivered", actor=actor)


def test_delivery_records_an_item_event_per_item_and_publishes_them(
    answered_share,  # noqa: F811
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    from lists import events

    order = services.order_place(share=answered_share, actor=answered_share.user)
    apples_version = ListItem.objects.get(name="Apples").version
    published: list[str] = []
    monkeypatch.setattr(
        events, "publish_list_event", lambda *, event_id, **_: published.append(str(event_id))
    )
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(order, answered_share.user)
    item_events = ListEvent.objects.filter(type="item.status_changed").order_by("seq")
    assert sorted(e.payload["name"] for e in item_events) == ["Apples", "Flour"]
    assert {e.payload["status"] for e in item_events} == {"purchased"}
    assert {e.actor_id for e in item_events} == {answered_share.user.pk}
    # Each row's version moved, so open pages and offline queues see the change.
    assert ListItem.objects.get(name="Apples").version == apples_version + 1
    # Every recorded event (items and the order's) goes out over the socket on commit.
    recorded = ListEvent.objects.filter(grocery_list_id=order.grocery_list_id)
    assert {str(e.id) for e in recorded.filter(type__startswith="item.")} <= set(published)


def test_a_list_with_nothing_left_becomes_ordered(answered_share):  # noqa: F811
    ListItem.objects.filter(name="Saffron").update(status=ListItem.Status.PURCHASED)
    order = services.order_place(share=answered_share, actor=None)
    _deliver(order, None)
    assert GroceryList.objects.get(pk=order.grocery_list_id).status == GroceryList.Status.ORDERED


def test_the_list_stays_on_the_dashboard_and_the_page_says_what_is_left(
    client,
    answered_share,  # noqa: F811
):
    order = services.order_place(share=answered_share, actor=None)
    services.order_set_status(order=order, status="confirmed", actor=None)
    client.force_login(answered_share.user)
    family_id = order.family_id
    response = client.post(
        reverse("orders:set_status", kwargs={"family_id": family_id, "order_id": order.id}),
        {"status": "delivered"},
        follow=True,
    )
    html = response.content.decode()
    assert "Still needed: Saffron, so the list stays active." in html
    dashboard = client.get(reverse("lists:dashboard", kwargs={"family_id": family_id}))
    assert "No active lists" not in dashboard.content.decode()
    assert order.grocery_list.name in dashboard.content.decode()
