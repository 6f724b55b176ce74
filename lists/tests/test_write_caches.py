"""What the item write path now reads from the cache follows every change at once, and a
Redis outage makes it a database read, never an error (lists.cache, shop.services)."""

from __future__ import annotations

import pytest

from families.tests.factories import MembershipFactory
from lists import item_services, selectors
from lists.models import Category
from lists.tests.factories import GroceryListFactory, ListItemFactory
from shop import services as shop_services
from shop.models import StoreTrip

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return MembershipFactory(user__display_name="Ana")


def _names(family_id):
    return [user.display_name for user in selectors.family_members(family_id=family_id)]


def test_the_cached_members_follow_joins_renames_and_departures(ana):
    assert _names(ana.family_id) == ["Ana"]  # cached now
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    assert _names(ana.family_id) == ["Ana", "Ben"]
    ben.user.display_name = "Benjamin"
    ben.user.save()
    assert _names(ana.family_id) == ["Ana", "Benjamin"]
    ben.delete()
    assert _names(ana.family_id) == ["Ana"]


def test_a_status_change_names_the_assignee_from_the_cached_members(ana):
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    grocery_list = GroceryListFactory(family=ana.family)
    item = ListItemFactory(grocery_list=grocery_list, assigned_to=ben.user)
    assert _names(ana.family_id) == ["Ana", "Ben"]  # cached now
    ben.user.display_name = "Benjamin"
    ben.user.save()
    changed = item_services.item_set_status(
        item_id=item.id, grocery_list=grocery_list, actor=ana.user, status="in_cart"
    )
    assert changed.assigned_to.display_name == "Benjamin"


def test_a_remembered_aisle_reaches_the_next_add_through_the_cache(ana):
    grocery_list = GroceryListFactory(family=ana.family)
    first = item_services.item_add(grocery_list=grocery_list, actor=ana.user, name="tofu").item
    assert first.category == Category.OTHER  # the family's aisles are cached now
    item_services.category_preference_remember(
        family=ana.family, name="Tofu", category=Category.DAIRY
    )
    item_services.item_delete(item_id=first.id, grocery_list=grocery_list, actor=ana.user)
    again = item_services.item_add(grocery_list=grocery_list, actor=ana.user, name="TOFU").item
    assert again.category == Category.DAIRY


def test_choosing_a_store_reaches_the_next_check_off_through_the_cache(ana):
    grocery_list = GroceryListFactory(family=ana.family)
    milk, cola = (
        ListItemFactory(grocery_list=grocery_list, name=name, category=category)
        for name, category in (("milk", "dairy"), ("cola", "drinks"))
    )
    item_services.item_set_status(
        item_id=milk.id, grocery_list=grocery_list, actor=ana.user, status="in_cart"
    )
    assert not StoreTrip.objects.exists()  # shopping nowhere, and that is cached now
    store = shop_services.store_create(family=ana.family, actor=ana.user, name="Corner shop")
    shop_services.shopping_choice_set(family=ana.family, store=store)
    item_services.item_set_status(
        item_id=cola.id, grocery_list=grocery_list, actor=ana.user, status="in_cart"
    )
    assert StoreTrip.objects.get(store=store).categories == ["drinks"]


def test_with_redis_down_the_write_path_reads_the_database(ana, private_redis):
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    grocery_list = GroceryListFactory(family=ana.family)
    item_services.category_preference_remember(
        family=ana.family, name="tofu", category=Category.DAIRY
    )
    item = ListItemFactory(grocery_list=grocery_list, assigned_to=ben.user)
    private_redis.stop()
    assert _names(ana.family_id) == ["Ana", "Ben"]
    added = item_services.item_add(grocery_list=grocery_list, actor=ana.user, name="Tofu")
    assert added.item.category == Category.DAIRY
    changed = item_services.item_set_status(
        item_id=item.id, grocery_list=grocery_list, actor=ana.user, status="in_cart"
    )
    assert changed.assigned_to.display_name == "Ben"


def test_the_cached_members_carry_no_password_hash(ana):
    (member,) = selectors.family_members(family_id=ana.family_id)
    assert "password" in member.get_deferred_fields()
    assert member.name == "Ana"


def test_an_htmx_add_and_check_off_render_their_rows_without_reading_the_members(
    ana, client, monkeypatch
):
    """The light row has no assign control (its menu loads on open): reading the family's
    members for it was a cache round trip per write, twice per add."""
    from django.urls import reverse

    from lists import rendering

    def no_members(**kwargs):
        raise AssertionError("the row read the family's members")

    monkeypatch.setattr(rendering, "family_members", no_members)
    monkeypatch.setattr(selectors, "family_members", no_members)
    grocery_list = GroceryListFactory(family=ana.family)
    client.force_login(ana.user)
    added = client.post(
        reverse("lists:item_add", kwargs={"list_id": grocery_list.id}),
        {"text": "2 milk"},
        HTTP_HX_REQUEST="true",
    )
    assert added.status_code == 200
    item = grocery_list.items.get()
    assert f'id="item-{item.id}"' in added.content.decode()
    checked = client.post(
        reverse("lists:item_status", kwargs={"list_id": grocery_list.id, "item_id": item.id}),
        {"status": "in_cart"},
        HTTP_HX_REQUEST="true",
    )
    assert checked.status_code == 200
    assert "status-in_cart" in checked.content.decode()


def test_a_row_that_shows_the_members_still_reads_them(ana):
    """Lazily, not never: a template that lists the members gets them."""
    from django.template import engines

    from lists.rendering import item_row_context

    MembershipFactory(family=ana.family, user__display_name="Ben")
    item = ListItemFactory(grocery_list=GroceryListFactory(family=ana.family))
    template = engines["django"].from_string("{% for m in members %}{{ m.name }};{% endfor %}")
    assert template.render(item_row_context(item=item)) == "Ana;Ben;"


def test_an_add_with_an_empty_aisle_takes_the_remembered_one(ana):
    """Only a chosen aisle overrides the family's remembered one ("" is no choice)."""
    grocery_list = GroceryListFactory(family=ana.family)
    item_services.category_preference_remember(
        family=ana.family, name="tofu", category=Category.DAIRY
    )
    added = item_services.item_add(
        grocery_list=grocery_list, actor=ana.user, name="Tofu", category=""
    )
    assert added.item.category == Category.DAIRY
    chosen = item_services.item_add(
        grocery_list=grocery_list, actor=ana.user, name="Tofu", category=Category.FROZEN
    )
    assert chosen.item.category == Category.DAIRY  # already needed: the first one
    assert chosen.created is False
