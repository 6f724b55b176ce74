"""Soft delete semantics, shown on ListItem and VendorShare (all models share the base)."""

import pytest
from django.db import IntegrityError

from lists.models import GroceryList, ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory
from orders.tests.factories import OrderLineFactory
from vendors.models import VendorShare
from vendors.tests.factories import VendorShareFactory

pytestmark = pytest.mark.django_db


def test_instance_delete_hides_the_row_but_keeps_it():
    item = ListItemFactory()
    item.delete()
    assert item.is_deleted
    assert not ListItem.objects.filter(pk=item.pk).exists()
    assert ListItem.all_objects.get(pk=item.pk).deleted_at is not None


def test_restore_brings_the_row_back():
    item = ListItemFactory()
    item.delete()
    item.restore()
    assert ListItem.objects.get(pk=item.pk).deleted_at is None


def test_queryset_delete_and_restore():
    grocery_list = GroceryListFactory()
    ListItemFactory.create_batch(3, grocery_list=grocery_list)
    count, _ = grocery_list.items.all().delete()
    assert count == 3
    assert grocery_list.items.count() == 0
    assert ListItem.all_objects.filter(grocery_list=grocery_list).count() == 3
    assert ListItem.all_objects.filter(grocery_list=grocery_list).restore() == 3
    assert grocery_list.items.count() == 3


def test_deleting_twice_keeps_the_first_timestamp():
    item = ListItemFactory()
    item.delete()
    first = ListItem.all_objects.get(pk=item.pk).deleted_at
    ListItem.all_objects.filter(pk=item.pk).delete()
    assert ListItem.all_objects.get(pk=item.pk).deleted_at == first


def test_hard_delete_is_explicit():
    item = ListItemFactory()
    item.hard_delete()
    assert not ListItem.all_objects.filter(pk=item.pk).exists()


def test_related_access_still_resolves_a_deleted_parent():
    """History (an order line of a deleted item) must not break."""
    item = ListItemFactory()
    line = OrderLineFactory(list_item=item, name=item.name)
    item.delete()
    assert type(line).objects.get(pk=line.pk).list_item == item


def test_deleted_list_is_hidden_from_the_family():
    grocery_list = GroceryListFactory()
    grocery_list.delete()
    assert not grocery_list.family.lists.exists()
    assert GroceryList.all_objects.for_family(grocery_list.family).count() == 1


def test_one_live_share_per_list_and_vendor():
    share = VendorShareFactory()
    with pytest.raises(IntegrityError):
        VendorShareFactory(grocery_list=share.grocery_list, vendor=share.vendor)


def test_unique_only_among_live_rows():
    share = VendorShareFactory()
    share.delete()
    again = VendorShareFactory(grocery_list=share.grocery_list, vendor=share.vendor)
    assert VendorShare.objects.get() == again
    # Restoring the old one would make two live shares: the database refuses.
    with pytest.raises(IntegrityError):
        share.restore()
