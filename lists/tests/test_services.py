import json

import pytest
from django.core.exceptions import ValidationError

from families.tests.factories import MembershipFactory, UserFactory
from lists import item_services, services
from lists.models import GroceryList, ListEvent, ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return MembershipFactory(user__display_name="Ana")


@pytest.fixture
def grocery_list(member):
    return GroceryListFactory(family=member.family)


def events(grocery_list):
    return list(
        ListEvent.objects.filter(grocery_list=grocery_list)
        .order_by("seq")
        .values_list("seq", "type", "payload")
    )


def last_event(grocery_list):
    return ListEvent.objects.filter(grocery_list=grocery_list).order_by("-seq").first()


def assert_json_small(payload):
    assert json.loads(json.dumps(payload)) == payload
    assert len(json.dumps(payload)) < 2000


# --- lists -----------------------------------------------------------------------------


def test_list_create_records_list_created(member):
    grocery_list = services.list_create(
        family=member.family, actor=member.user, name="  Weekly   shop ", description=" x "
    )
    assert (grocery_list.name, grocery_list.description) == ("Weekly shop", "x")
    assert events(grocery_list) == [(1, "list.created", {"name": "Weekly shop"})]
    assert last_event(grocery_list).actor_label == "Ana"


def test_list_create_refuses_a_blank_name(member):
    with pytest.raises(ValidationError):
        services.list_create(family=member.family, actor=member.user, name="   ")
    assert not GroceryList.objects.exists()


def test_list_update_records_only_real_changes(member, grocery_list):
    services.list_update(
        grocery_list=grocery_list, actor=member.user, name="Party", description="Saturday"
    )
    services.list_update(
        grocery_list=grocery_list, actor=member.user, name="Party", description="Saturday"
    )
    assert events(grocery_list) == [
        (1, "list.updated", {"name": "Party", "fields": ["name", "description"]})
    ]


def test_archive_and_restore(member, grocery_list):
    services.list_archive(grocery_list=grocery_list, actor=member.user)
    services.list_archive(grocery_list=grocery_list, actor=member.user)  # idempotent
    grocery_list.refresh_from_db()
    assert grocery_list.status == GroceryList.Status.ARCHIVED
    services.list_restore(grocery_list=grocery_list, actor=member.user)
    grocery_list.refresh_from_db()
    assert grocery_list.status == GroceryList.Status.ACTIVE
    assert [(seq, type_) for seq, type_, _ in events(grocery_list)] == [
        (1, "list.archived"),
        (2, "list.restored"),
    ]
    assert events(grocery_list)[1][2]["from"] == "archived"


def test_delete_is_soft_and_undo_brings_back_exactly_its_items(member, grocery_list):
    earlier = ListItemFactory(grocery_list=grocery_list, name="deleted before")
    item_services.item_delete(item_id=earlier.id, grocery_list=grocery_list, actor=member.user)
    kept = ListItemFactory(grocery_list=grocery_list, name="kept")
    services.list_delete(grocery_list=grocery_list, actor=member.user)
    assert not GroceryList.objects.filter(pk=grocery_list.pk).exists()
    assert not ListItem.objects.filter(pk=kept.pk).exists()
    services.list_restore(grocery_list=grocery_list, actor=member.user)
    assert GroceryList.objects.filter(pk=grocery_list.pk).exists()
    assert list(ListItem.objects.filter(grocery_list=grocery_list)) == [kept]
    types = [type_ for _, type_, _ in events(grocery_list)]
    assert types == ["item.deleted", "list.deleted", "list.restored"]


# --- adding ----------------------------------------------------------------------------


def test_item_add_records_item_added_with_category_and_position(member, grocery_list):
    first = item_services.item_add(
        grocery_list=grocery_list, actor=member.user, name="tomatoes", quantity_text="2 kg"
    )
    second = item_services.item_add(grocery_list=grocery_list, actor=member.user, name="milk")
    assert first.created and second.created
    assert first.item.category == "produce"
    assert second.item.category == "dairy"
    assert second.item.position > first.item.position
    seq, type_, payload = events(grocery_list)[0]
    assert (seq, type_) == (1, "item.added")
    assert payload["item_id"] == str(first.item.id)
    assert payload["name"] == "tomatoes"
    assert payload["quantity"] == "2 kg"
    assert_json_small(payload)


def test_adding_what_is_already_needed_returns_the_existing_item(member, grocery_list):
    first = item_services.item_add(grocery_list=grocery_list, actor=member.user, name="Milk")
    again = item_services.item_add(grocery_list=grocery_list, actor=member.user, name=" milk ")
    assert not again.created
    assert again.item.pk == first.item.pk
    assert ListItem.objects.filter(grocery_list=grocery_list).count() == 1
    assert len(events(grocery_list)) == 1


def test_adding_again_after_buying_it_adds_a_new_item(member, grocery_list):
    first = item_services.item_add(grocery_list=grocery_list, actor=member.user, name="milk").item
    item_services.item_set_status(
        item_id=first.id, grocery_list=grocery_list, actor=member.user, status="purchased"
    )
    again = item_services.item_add(grocery_list=grocery_list, actor=member.user, name="milk")
    assert again.created
    assert again.item.pk != first.pk


@pytest.mark.parametrize(
    ("name", "quantity", "note"),
    [("", "", ""), ("x" * 201, "", ""), ("milk", "q" * 51, ""), ("milk", "", "n" * 1001)],
)
def test_item_add_validates_lengths(member, grocery_list, name, quantity, note):
    with pytest.raises(ValidationError):
        item_services.item_add(
            grocery_list=grocery_list,
            actor=member.user,
            name=name,
            quantity_text=quantity,
            note=note,
        )
    assert not ListItem.objects.exists()
    assert not ListEvent.objects.exists()


# --- status, assign, delete, restore, clear ---------------------------------------------


def test_status_changes_are_explicit_and_idempotent(member, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list, name="milk")
    for status in ("in_cart", "in_cart", "purchased", "needed"):
        item = item_services.item_set_status(
            item_id=item.id, grocery_list=grocery_list, actor=member.user, status=status
        )
    assert item.status == "needed"
    assert item.version == 4
    assert [(seq, p["status"], p["item_id"], p["name"]) for seq, _, p in events(grocery_list)] == [
        (1, "in_cart", str(item.id), "milk"),
        (2, "purchased", str(item.id), "milk"),
        (3, "needed", str(item.id), "milk"),
    ]
    assert {type_ for _, type_, _ in events(grocery_list)} == {"item.status_changed"}


def test_unknown_status_is_refused(member, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list)
    with pytest.raises(ValidationError):
        item_services.item_set_status(
            item_id=item.id, grocery_list=grocery_list, actor=member.user, status="eaten"
        )


def test_items_of_another_list_cannot_be_touched(member, grocery_list):
    foreign = ListItemFactory()
    with pytest.raises(ListItem.DoesNotExist):
        item_services.item_set_status(
            item_id=foreign.id, grocery_list=grocery_list, actor=member.user, status="purchased"
        )
    foreign.refresh_from_db()
    assert foreign.status == "needed"


def test_assign_to_a_member_and_back_to_nobody(member, grocery_list):
    ben = MembershipFactory(family=member.family, user__display_name="Ben").user
    item = ListItemFactory(grocery_list=grocery_list, name="bread")
    item = item_services.item_assign(
        item_id=item.id, grocery_list=grocery_list, actor=member.user, assignee=ben
    )
    assert item.assigned_to == ben
    item_services.item_assign(
        item_id=item.id, grocery_list=grocery_list, actor=member.user, assignee=ben
    )
    item_services.item_assign(
        item_id=item.id, grocery_list=grocery_list, actor=member.user, assignee=None
    )
    assert [(type_, p["assignee"]) for _, type_, p in events(grocery_list)] == [
        ("item.assigned", "Ben"),
        ("item.assigned", ""),
    ]


def test_assign_refuses_someone_outside_the_family(member, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list)
    with pytest.raises(ValidationError):
        item_services.item_assign(
            item_id=item.id, grocery_list=grocery_list, actor=member.user, assignee=UserFactory()
        )


def test_delete_and_undo(member, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list, name="milk")
    item_services.item_delete(item_id=item.id, grocery_list=grocery_list, actor=member.user)
    assert not ListItem.objects.filter(pk=item.pk).exists()
    restored = item_services.item_restore(
        item_ids=[item.id], grocery_list=grocery_list, actor=member.user
    )
    assert restored == [item]
    # A second undo is harmless: nothing left to restore, no event.
    assert (
        item_services.item_restore(item_ids=[item.id], grocery_list=grocery_list, actor=None) == []
    )
    assert [(seq, type_, p["name"]) for seq, type_, p in events(grocery_list)] == [
        (1, "item.deleted", "milk"),
        (2, "item.restored", "milk"),
    ]


def test_clear_purchased_and_undo(member, grocery_list):
    bought = [ListItemFactory(grocery_list=grocery_list, status="purchased", name=n) for n in "ab"]
    needed = ListItemFactory(grocery_list=grocery_list, name="c")
    cleared = item_services.items_clear_purchased(grocery_list=grocery_list, actor=member.user)
    assert {item.pk for item in cleared} == {item.pk for item in bought}
    assert list(ListItem.objects.filter(grocery_list=grocery_list)) == [needed]
    seq, type_, payload = events(grocery_list)[0]
    assert (seq, type_) == (1, "items.cleared")
    assert sorted(payload["item_ids"]) == sorted(str(item.pk) for item in bought)
    assert_json_small(payload)
    assert item_services.items_clear_purchased(grocery_list=grocery_list, actor=member.user) == []
    item_services.item_restore(
        item_ids=payload["item_ids"], grocery_list=grocery_list, actor=member.user
    )
    assert ListItem.objects.filter(grocery_list=grocery_list).count() == 3
    assert [type_ for _, type_, _ in events(grocery_list)][1:] == ["item.restored"] * 2


def test_restore_ignores_items_of_other_lists(member, grocery_list):
    foreign = ListItemFactory()
    foreign.delete()
    assert (
        item_services.item_restore(item_ids=[foreign.id], grocery_list=grocery_list, actor=None)
        == []
    )
    assert not ListItem.objects.filter(pk=foreign.pk).exists()


# --- optimistic concurrency -------------------------------------------------------------


def edit(item, grocery_list, actor, base_from, **changes):
    base = {name: getattr(base_from, name) for name in item_services.EDITABLE_ITEM_FIELDS}
    return item_services.item_update(
        item_id=item.id,
        grocery_list=grocery_list,
        actor=actor,
        changes={**base, **changes},
        base={**base, "version": base_from.version},
    )


def snapshot(item):
    return ListItem.objects.get(pk=item.pk)


def test_an_edit_applies_changed_fields_and_bumps_version(member, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1")
    updated = edit(item, grocery_list, member.user, snapshot(item), quantity_text="2", note="oat")
    assert (updated.quantity_text, updated.note, updated.version) == ("2", "oat", 2)
    _, type_, payload = events(grocery_list)[0]
    assert type_ == "item.updated"
    assert payload["fields"] == ["note", "quantity_text"]
    assert payload["item_id"] == str(item.id)
    assert payload["name"] == "milk"


def test_edits_to_different_fields_merge(member, grocery_list):
    ben = MembershipFactory(family=member.family, user__display_name="Ben").user
    item = ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1")
    both_saw = snapshot(item)
    edit(item, grocery_list, ben, both_saw, quantity_text="3")
    merged = edit(item, grocery_list, member.user, both_saw, note="lactose free")
    assert (merged.quantity_text, merged.note, merged.version) == ("3", "lactose free", 3)


def test_the_same_field_changed_differently_is_refused_with_who_and_what(member, grocery_list):
    ben = MembershipFactory(family=member.family, user__display_name="Ben").user
    item = ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1")
    both_saw = snapshot(item)
    edit(item, grocery_list, ben, both_saw, quantity_text="3")
    with pytest.raises(item_services.ConflictError) as caught:
        edit(item, grocery_list, member.user, both_saw, quantity_text="2", note="mine")
    conflict = caught.value
    assert conflict.conflicts == {"quantity_text": "3"}
    assert conflict.current["quantity_text"] == "3"
    assert conflict.current["version"] == 2
    assert conflict.messages == ["Ben changed quantity to '3' meanwhile."]
    # Nothing of the refused edit was applied, not even the unrelated note.
    current = snapshot(item)
    assert (current.quantity_text, current.note, current.version) == ("3", "", 2)
    assert len(events(grocery_list)) == 1


def test_the_same_change_twice_is_not_a_conflict(member, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1")
    both_saw = snapshot(item)
    edit(item, grocery_list, member.user, both_saw, quantity_text="2")
    again = edit(item, grocery_list, member.user, both_saw, quantity_text="2")
    assert again.version == 2
    assert len(events(grocery_list)) == 1


def test_an_edit_of_a_deleted_item_is_not_found(member, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list)
    saw = snapshot(item)
    item_services.item_delete(item_id=item.id, grocery_list=grocery_list, actor=member.user)
    with pytest.raises(ListItem.DoesNotExist):
        edit(item, grocery_list, member.user, saw, name="new")
