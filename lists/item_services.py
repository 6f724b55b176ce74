"""Every write to a list's items: add, edit, quantity steps, status, assignee, delete,
restore, and the family's remembered aisles.

Each function is keyword-only, runs inside `transaction.atomic` and records one
`ListEvent` per change through `lists.services.list_event_record`. The lock order is
the one `lists.services` states: the list's row first (`_lock_list`), then the items'.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from families.models import Family, Membership, User
from grocer.transactions import retry_on_conflict

from . import hooks
from .categories import guess_category, normalize_name
from .models import Category, CategoryPreference, GroceryList, ListEvent, ListItem
from .quantity import merge_quantities, normalize_spaces, quantity_steps
from .services import _lock_list, list_event_record  # the list lock comes first

NOTE_MAX = ListItem._meta.get_field("note").max_length
# Fields a person edits through `item_update`; status and assignee have their own services.
EDITABLE_ITEM_FIELDS = ("name", "quantity_text", "note", "category")
FIELD_LABELS = {
    "name": "name",
    "quantity_text": "quantity",
    "note": "note",
    "category": "aisle",
}


def _clean_item(item: ListItem) -> None:
    """`full_clean` plus the text limits a TextField's max_length does not enforce."""
    # The family is the list's, set by the service: validating it would cost a query.
    item.full_clean(exclude=["created_by", "family"])
    if len(item.note) > NOTE_MAX:
        raise ValidationError({"note": f"Notes can be at most {NOTE_MAX} characters."})


def _item_payload(item: ListItem, **extra: Any) -> dict[str, Any]:
    return {"item_id": str(item.id), "name": item.name, **extra}


@dataclass(frozen=True)
class ItemAddResult:
    item: ListItem
    # False when the name was already needed on the list: nothing was added.
    created: bool
    # True when the name was already needed and the new quantity was added to it.
    merged: bool = False


def category_for_name(*, family: Family, name: str) -> str:
    """The family's remembered aisle for this name, else the built-in map's guess."""
    remembered = (
        CategoryPreference.objects.filter(family=family, name_key=normalize_name(name))
        .values_list("category", flat=True)
        .first()
    )
    return remembered or guess_category(name)


def category_preference_remember(*, family: Family, name: str, category: str) -> None:
    """Remember the family's aisle for a name (upsert; the newest choice wins)."""
    key = normalize_name(name)
    if not key or category not in Category.values:
        return
    with transaction.atomic():
        CategoryPreference.objects.update_or_create(
            family=family, name_key=key[:200], defaults={"category": category}
        )


@retry_on_conflict
def item_add(
    *,
    grocery_list: GroceryList,
    actor: User | None,
    name: str,
    quantity_text: str = "",
    note: str = "",
    category: str | None = None,
) -> ItemAddResult:
    """Add an item, unless the same name is already needed on the list.

    Two people adding "milk" at the same moment: both requests lock the list row
    before looking for a needed "milk", so the second waits for the first to commit,
    then finds its item and returns it with `created=False` (the page says "milk is
    already on the list") instead of adding a duplicate. Items in the cart or
    purchased do not count: buying milk again next week is a new item.

    When the new text carries a quantity whose unit fits the needed item's ("2 milk"
    then "1 milk", "500 g" then "1 kg"), the quantities are added instead
    (`merged=True`). A bare repeat of the name only reminds: it adds nothing.
    """
    name = normalize_spaces(name)
    quantity_text = normalize_spaces(quantity_text)
    with transaction.atomic():
        _lock_list(grocery_list)
        existing = (
            ListItem.objects.select_for_update(of=("self",))
            .filter(grocery_list=grocery_list, status=ListItem.Status.NEEDED, name__iexact=name)
            .first()
        )
        if existing is not None:
            merged = (
                merge_quantities(existing.quantity_text, quantity_text) if quantity_text else None
            )
            if merged is None:
                return ItemAddResult(item=existing, created=False)
            _set_quantity(item=existing, grocery_list=grocery_list, actor=actor, text=merged)
            return ItemAddResult(item=existing, created=False, merged=True)
        last_position = (
            ListItem.all_objects.filter(grocery_list=grocery_list)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        item = ListItem(
            grocery_list=grocery_list,
            family_id=grocery_list.family_id,
            name=name,
            quantity_text=quantity_text,
            note=note.strip(),
            category=category or category_for_name(family=grocery_list.family, name=name),
            position=(last_position or 0) + 1,
            created_by=actor,
        )
        _clean_item(item)
        item.save()
        list_event_record(
            grocery_list=grocery_list,
            type="item.added",
            actor=actor,
            payload=_item_payload(
                item, quantity=item.quantity_text, category=item.category, version=item.version
            ),
        )
    return ItemAddResult(item=item, created=True)


def _lock_item(*, grocery_list: GroceryList, item_id: UUID | str) -> ListItem:
    """A live item of this list, its row locked until commit; DoesNotExist otherwise.

    Precondition: the caller holds the list's row lock (`_lock_list`), taken first.
    """
    return ListItem.objects.select_for_update(of=("self",)).get(
        pk=item_id, grocery_list=grocery_list
    )


class ConflictError(Exception):
    """Someone else changed a field the user also changed, to something else.

    `conflicts` maps each clashing field to its current value; `current` holds every
    editable field's current value (and `version`) for re-rendering the form;
    `changed_by` names who made the newest edit; `messages` are ready for people.
    """

    def __init__(
        self,
        *,
        item: ListItem,
        conflicts: dict[str, Any],
        current: dict[str, Any],
        changed_by: str,
        messages: list[str],
    ) -> None:
        super().__init__("; ".join(messages))
        self.item = item
        self.conflicts = conflicts
        self.current = current
        self.changed_by = changed_by
        self.messages = messages


def _clean_value(field_name: str, value: Any) -> Any:
    if value is None:
        return ""
    value = str(value)
    return normalize_spaces(value) if field_name != "note" else value.strip()


@retry_on_conflict
def item_update(
    *,
    item_id: UUID | str,
    grocery_list: GroceryList,
    actor: User | None,
    changes: dict[str, Any],
    base: dict[str, Any],
    actor_label: str = "",
) -> ListItem:
    """Apply a user's edit with a three-way merge against what their form showed.

    `base` holds the values the form was rendered with (and its `version`). For each
    field in `changes`: unchanged by the user (new == base) → ignored; still as the
    user saw it (current == base) → applied; already equal to the new value → nothing
    to do; otherwise someone else changed it to something different meanwhile → a
    conflict. Any conflict raises `ConflictError` and applies nothing; edits to
    different fields merge. Every accepted change bumps `version`.
    """
    with transaction.atomic():
        _lock_list(grocery_list)
        item = _lock_item(grocery_list=grocery_list, item_id=item_id)
        to_apply: dict[str, Any] = {}
        conflicts: dict[str, Any] = {}
        for field_name in EDITABLE_ITEM_FIELDS:
            if field_name not in changes:
                continue
            new = _clean_value(field_name, changes[field_name])
            current = getattr(item, field_name)
            original = _clean_value(field_name, base.get(field_name, current))
            if new in (original, current):
                continue
            if current == original:
                to_apply[field_name] = new
            else:
                conflicts[field_name] = current
        if conflicts:
            changed_by = _last_editor(item)
            raise ConflictError(
                item=item,
                conflicts=conflicts,
                current={
                    **{name: getattr(item, name) for name in EDITABLE_ITEM_FIELDS},
                    "version": item.version,
                },
                changed_by=changed_by,
                messages=[
                    f"{changed_by or 'Someone'} changed {FIELD_LABELS[name]} to "
                    f"'{value}' meanwhile."
                    for name, value in conflicts.items()
                ],
            )
        if not to_apply:
            return item
        for field_name, value in to_apply.items():
            setattr(item, field_name, value)
        item.version += 1
        _clean_item(item)
        item.save(update_fields=[*to_apply, "version", "updated_at"])
        if "category" in to_apply:
            category_preference_remember(
                family=grocery_list.family, name=item.name, category=item.category
            )
        list_event_record(
            grocery_list=grocery_list,
            type="item.updated",
            actor=actor,
            actor_label=actor_label,
            payload=_item_payload(
                item,
                fields=sorted(to_apply),
                quantity=item.quantity_text,
                category=item.category,
                version=item.version,
            ),
        )
    return item


def _last_editor(item: ListItem) -> str:
    return (
        ListEvent.objects.filter(
            grocery_list_id=item.grocery_list_id,
            type__in=("item.updated", "item.added"),
            payload__item_id=str(item.id),
        )
        .order_by("-seq")
        .values_list("actor_label", flat=True)
        .first()
        or ""
    )


def _set_quantity(*, item: ListItem, grocery_list: GroceryList, actor: User | None, text: str):
    """Write a new quantity on a locked item and record it like an edit of the quantity."""
    item.quantity_text = text
    item.version += 1
    _clean_item(item)
    item.save(update_fields=["quantity_text", "version", "updated_at"])
    list_event_record(
        grocery_list=grocery_list,
        type="item.updated",
        actor=actor,
        payload=_item_payload(
            item,
            fields=["quantity_text"],
            quantity=item.quantity_text,
            category=item.category,
            version=item.version,
        ),
    )


class StaleVersionError(Exception):
    """The item changed since the page showed it; `item` is its current state."""

    def __init__(self, *, item: ListItem) -> None:
        super().__init__(f"{item.name} changed meanwhile.")
        self.item = item


@retry_on_conflict
def item_quantity_step(
    *,
    item_id: UUID | str,
    grocery_list: GroceryList,
    actor: User | None,
    direction: str,
    version: int | None = None,
) -> ListItem:
    """One press of + or -: the quantity moves by the step that fits its unit.

    `version` is the one the button was rendered with: if the item changed since
    (someone else pressed + too), nothing is applied and `StaleVersionError` carries
    the current item, so the shopper sees "3" before deciding on a fourth. A - at
    the smallest step, or on a quantity that is not a number ("a bunch"), is a
    ValidationError and changes nothing.
    """
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Use + or -."})
    with transaction.atomic():
        _lock_list(grocery_list)
        item = _lock_item(grocery_list=grocery_list, item_id=item_id)
        if version is not None and version != item.version:
            raise StaleVersionError(item=item)
        steps = quantity_steps(item.quantity_text)
        new_text = steps.up if direction == "up" else steps.down
        if new_text is None:
            message = (
                f"{item.name} is already at the smallest amount."
                if steps.up is not None
                else f"“{item.quantity_text}” cannot be changed with + and -; edit it instead."
            )
            raise ValidationError({"quantity_text": message})
        _set_quantity(item=item, grocery_list=grocery_list, actor=actor, text=new_text)
    return item


@retry_on_conflict
def item_set_status(
    *,
    item_id: UUID | str,
    grocery_list: GroceryList,
    actor: User | None,
    status: str,
    actor_label: str = "",
) -> ListItem:
    """Move an item to `status`. Idempotent: already there → no change and no event."""
    if status not in ListItem.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    with transaction.atomic():
        _lock_list(grocery_list)
        item = _lock_item(grocery_list=grocery_list, item_id=item_id)
        if item.status == status:
            return item
        previous, item.status = item.status, status
        item.version += 1
        item.save(update_fields=["status", "version", "updated_at"])
        if previous == ListItem.Status.NEEDED:
            # Checked off while shopping (the shop app learns the aisle order from it).
            hooks.item_checked.send(sender=ListItem, grocery_list=grocery_list, item=item)
        list_event_record(
            grocery_list=grocery_list,
            type="item.status_changed",
            actor=actor,
            actor_label=actor_label,
            payload=_item_payload(item, status=status, previous=previous, version=item.version),
        )
    return item


@retry_on_conflict
def item_assign(
    *,
    item_id: UUID | str,
    grocery_list: GroceryList,
    actor: User | None,
    assignee: User | None,
) -> ListItem:
    """Assign an item to a member of the list's family (or to nobody)."""
    if (
        assignee is not None
        and not Membership.objects.filter(
            family_id=grocery_list.family_id, user_id=assignee.pk
        ).exists()
    ):
        raise ValidationError({"assigned_to": "Only members of this family can be assigned."})
    with transaction.atomic():
        _lock_list(grocery_list)
        item = _lock_item(grocery_list=grocery_list, item_id=item_id)
        if item.assigned_to_id == (assignee.pk if assignee else None):
            return item
        item.assigned_to = assignee
        item.version += 1
        item.save(update_fields=["assigned_to", "version", "updated_at"])
        list_event_record(
            grocery_list=grocery_list,
            type="item.assigned",
            actor=actor,
            payload=_item_payload(
                item,
                assigned_to=str(assignee.pk) if assignee else None,
                assignee=assignee.name if assignee else "",
                version=item.version,
            ),
        )
    return item


@retry_on_conflict
def item_delete(*, item_id: UUID | str, grocery_list: GroceryList, actor: User | None) -> ListItem:
    """Soft-delete an item; `item_restore` undoes it."""
    with transaction.atomic():
        _lock_list(grocery_list)
        item = _lock_item(grocery_list=grocery_list, item_id=item_id)
        item.delete()
        list_event_record(
            grocery_list=grocery_list,
            type="item.deleted",
            actor=actor,
            payload=_item_payload(item),
        )
    return item


@retry_on_conflict
def item_restore(
    *, item_ids: Iterable[UUID | str], grocery_list: GroceryList, actor: User | None
) -> list[ListItem]:
    """Undo deletes (single or "clear purchased"): one `item.restored` event per item brought back.

    Ids that are not deleted items of this list are ignored, so a double-clicked
    Undo is harmless.
    """
    with transaction.atomic():
        _lock_list(grocery_list)
        items = list(
            ListItem.all_objects.select_for_update()
            .filter(grocery_list=grocery_list, pk__in=list(item_ids), deleted_at__isnull=False)
            .order_by("position", "created_at")
        )
        for item in items:
            item.restore()
            list_event_record(
                grocery_list=grocery_list,
                type="item.restored",
                actor=actor,
                payload=_item_payload(item, status=item.status, version=item.version),
            )
    return items


@retry_on_conflict
def items_clear_purchased(*, grocery_list: GroceryList, actor: User | None) -> list[ListItem]:
    """Soft-delete every purchased item of the list in one go (undo: `item_restore`)."""
    with transaction.atomic():
        _lock_list(grocery_list)
        items = list(
            ListItem.objects.select_for_update().filter(
                grocery_list=grocery_list, status=ListItem.Status.PURCHASED
            )
        )
        if not items:
            return []
        now = timezone.now()
        ListItem.all_objects.filter(pk__in=[item.pk for item in items]).update(deleted_at=now)
        for item in items:
            item.deleted_at = now
        list_event_record(
            grocery_list=grocery_list,
            type="items.cleared",
            actor=actor,
            payload={"item_ids": [str(item.pk) for item in items], "count": len(items)},
        )
    return items
