"""The admin writes lists and items through the services: events, cascades, caches, live."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from families.tests.factories import MembershipFactory, UserFactory
from lists.models import GroceryList, ListEvent, ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory
from lists.tests.realtime import communicator, receive, run, session_cookie


@pytest.fixture
def world():
    member = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=member.family, name="Weekly shop")
    milk = ListItemFactory(grocery_list=grocery_list, name="oat milk", quantity_text="1")
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True, display_name="Support"))
    page = Client()
    page.force_login(member.user)
    return member, grocery_list, milk, staff, page


def _page(page, grocery_list):
    return page.get(reverse("lists:detail", kwargs={"list_id": grocery_list.id}))


@pytest.mark.django_db
def test_admin_deleting_a_list_takes_its_items_and_restore_brings_them_back(world):
    _member, grocery_list, milk, staff, page = world
    assert "oat milk" in _page(page, grocery_list).content.decode()
    staff.post(reverse("admin:lists_grocerylist_delete", args=[grocery_list.pk]), {"post": "yes"})
    assert GroceryList.all_objects.get(pk=grocery_list.pk).deleted_at is not None
    assert not ListItem.objects.filter(grocery_list=grocery_list).exists()
    assert ListEvent.objects.filter(grocery_list=grocery_list, type="list.deleted").exists()
    assert _page(page, grocery_list).status_code == 404
    items = staff.get(reverse("admin:lists_listitem_changelist")).content.decode()
    assert "oat milk" not in items

    staff.post(
        reverse("admin:lists_grocerylist_changelist") + "?deleted=yes",
        {"action": "restore_selected", "_selected_action": [grocery_list.pk]},
    )
    assert ListItem.objects.filter(grocery_list=grocery_list).get() == milk
    assert ListEvent.objects.filter(grocery_list=grocery_list, type="list.restored").exists()
    assert "oat milk" in _page(page, grocery_list).content.decode()


@pytest.mark.django_db
def test_admin_list_actions_cascade_like_the_page(world):
    _member, grocery_list, _milk, staff, _page_client = world
    staff.post(
        reverse("admin:lists_grocerylist_changelist"),
        {"action": "soft_delete_selected", "_selected_action": [grocery_list.pk]},
    )
    assert not ListItem.objects.filter(grocery_list=grocery_list).exists()


def _admin_change_item(staff, item, **changes):
    data = {
        "name": item.name,
        "quantity_text": item.quantity_text,
        "status": item.status,
        "assigned_to": "",
        "note": item.note,
        "category": item.category,
        **changes,
    }
    return staff.post(reverse("admin:lists_listitem_change", args=[item.pk]), data)


@pytest.mark.django_db
def test_admin_edit_moves_last_seq_so_the_next_page_load_shows_it(world):
    _member, grocery_list, milk, staff, page = world
    assert "oat milk" in _page(page, grocery_list).content.decode()  # the items are cached
    before = GroceryList.objects.get(pk=grocery_list.pk).last_seq
    response = _admin_change_item(staff, milk, name="soy milk", status="in_cart")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert GroceryList.objects.get(pk=grocery_list.pk).last_seq == before + 2
    types = list(
        ListEvent.objects.filter(grocery_list=grocery_list)
        .order_by("seq")
        .values_list("type", flat=True)
    )
    assert types[-2:] == ["item.updated", "item.status_changed"]
    html = _page(page, grocery_list).content.decode()
    assert "soy milk" in html and "oat milk" not in html


@pytest.mark.django_db
def test_admin_cannot_assign_an_item_to_an_outsider(world):
    _member, _grocery_list, milk, staff, _page_client = world
    outsider = UserFactory()
    response = _admin_change_item(staff, milk, assigned_to=str(outsider.pk))
    assert response.status_code == 200  # the form again, with the error
    assert "Only a member of the list" in response.content.decode()
    assert ListItem.objects.get(pk=milk.pk).assigned_to is None


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_admin_edit_reaches_an_open_page(world):
    member, grocery_list, milk, staff, _page_client = world
    cookie = session_cookie(member.user)

    async def scenario():
        comm = communicator(grocery_list.pk, cookie=cookie)
        connected, _ = await comm.connect()
        assert connected
        await comm.send_json_to({"type": "catch_up", "last_seq": grocery_list.last_seq})
        await receive(comm, "caught_up")
        await database_sync_to_async(_admin_change_item)(staff, milk, name="soy milk")
        event = await receive(comm, "event")
        await comm.disconnect()
        return event

    event = run(scenario)
    assert event["event_type"] == "item.updated"
    assert event["summary"] == "Support edited soy milk"
    assert "soy milk" in event["html"]
