"""grocer.rows: a cached row loads back as the database would have given it, through
the fast path for JSON-native values (kept as they are) and UUIDs alike."""

from __future__ import annotations

import uuid

import pytest

from families.models import User
from families.tests.factories import MembershipFactory
from grocer.rows import row_dump, row_load
from lists.cache import items_from_json, items_to_json
from lists.models import ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory
from photos.tests.factories import ItemPhotoFactory

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def test_items_load_back_with_the_databases_values_and_types():
    member = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=member.family)
    item = ListItemFactory(
        grocery_list=grocery_list, name="milk", quantity_text="2", assigned_to=member.user
    )
    ItemPhotoFactory(item=item, thumbnail_width=120, thumbnail_height=90)
    read = ListItem.objects.select_related("assigned_to", "photo").get(pk=item.pk)
    (loaded,) = items_from_json(items_to_json([read]))
    for name, value in _values(read).items():
        assert getattr(loaded, name) == value, name
        assert type(getattr(loaded, name)) is type(value), name
    assert _values(loaded.photo) == _values(read.photo)
    assert loaded.assigned_to.name == "Ana" and isinstance(loaded.assigned_to.pk, uuid.UUID)
    assert loaded._state.adding is False


def test_values_of_another_type_still_go_through_the_fields_conversion():
    user = MembershipFactory().user
    data = row_dump(user)
    data["fields"]["is_active"] = 0  # not JSON's bool: Django's to_python reads it
    data["fields"]["id"] = user.pk.hex  # a UUID without dashes
    loaded = row_load(User, data)
    assert loaded.is_active is False and loaded.pk == user.pk
    data["fields"]["id"] = "not a uuid"
    with pytest.raises(ValueError):  # not a UUID; callers treat any error as a miss
        row_load(User, data)


def test_the_fast_build_is_what_from_db_builds():
    """`row_load` stores the values without `Model.__init__` when nothing else would
    happen there: the same instance as `from_db`, deferred fields and all."""
    from grocer import rows

    member = MembershipFactory(user__display_name="Ana")
    item = ListItemFactory(grocery_list=GroceryListFactory(family=member.family), name="tea")
    data = row_dump(item, fields=["id", "name", "grocery_list", "version"])
    assert rows._plain_init(ListItem)
    fast = row_load(ListItem, data)
    names = list(data["fields"])
    values = [fast.__dict__[name] for name in names]
    slow = ListItem.from_db(data["db"], names, values)
    assert {k: v for k, v in fast.__dict__.items() if k != "_state"} == {
        k: v for k, v in slow.__dict__.items() if k != "_state"
    }
    assert (fast._state.adding, fast._state.db) == (slow._state.adding, slow._state.db)
    assert fast.get_deferred_fields() == slow.get_deferred_fields()
    assert "note" in fast.get_deferred_fields()
    assert fast.note == item.note  # a deferred field loads as from_db's would
    assert fast.grocery_list.pk == item.grocery_list_id  # the relation loads too
    fast.name = "green tea"
    fast.save(update_fields=["name"])
    assert ListItem.objects.get(pk=item.pk).name == "green tea"


def test_init_signal_receivers_still_run():
    from django.db.models.signals import post_init

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    user = MembershipFactory().user
    post_init.connect(receiver, sender=User)
    try:
        loaded = row_load(User, row_dump(user))
    finally:
        post_init.disconnect(receiver, sender=User)
    assert seen == [user.pk] and loaded.pk == user.pk
