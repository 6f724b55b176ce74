"""Every write to lists, items and their event log.

Each function is keyword-only, runs inside `transaction.atomic`, validates with
`full_clean()` and records one `ListEvent` through `list_event_record` (which publishes
it once the transaction commits).

Lock order, the same on every write path: the list's row FIRST, then the items' rows.
Recording the event bumps the list's `last_seq`, which locks the list row anyway; a
writer that locked an item before the list (a status change) and one that locked the
list before the item (an add of the same name, "clear purchased") used to deadlock, and
PostgreSQL broke it by failing one of them. Writers of one list now queue on its row.
A deadlock or serialization failure that still happens (locks taken outside this rule)
is retried by `retry_on_conflict`, and never reported as an unavailable database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from families import notifications
from families.models import Family, Membership, User
from grocer.transactions import retry_on_conflict

from . import events, hooks
from .categories import guess_category, normalize_name
from .models import Category, CategoryPreference, GroceryList, ListEvent, ListItem
from .quantity import merge_quantities, normalize_spaces, quantity_steps

NOTE_MAX = ListItem._meta.get_field("note").max_length
DESCRIPTION_MAX = GroceryList._meta.get_field("description").max_length
# Fields a person edits through `item_update`; status and assignee have their own services.
EDITABLE_ITEM_FIELDS = ("name", "quantity_text", "note", "category")
FIELD_LABELS = {
    "name": "name",
    "quantity_text": "quantity",
    "note": "note",
    "category": "aisle",
}


def _next_seq(grocery_list: GroceryList) -> int:
    """Bump the list's `last_seq` and return it, in one statement (UPDATE ... RETURNING).

    Writes are on the real-time path: each statement saved is a round trip less between
    the request and the page updates every viewer sees (bench/README.md).
    """
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    meta = GroceryList._meta
    column = quote(meta.get_field("last_seq").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {column} = {column} + 1 "  # noqa: S608 - names from the model
            f"WHERE {quote(meta.pk.column)} = %s RETURNING {column}",
            [meta.pk.get_db_prep_value(grocery_list.pk, connection)],
        )
        return cursor.fetchone()[0]


def list_event_record(
    *,
    grocery_list: GroceryList,
    type: str,
    actor: User | None,
    payload: dict[str, Any] | None = None,
    actor_label: str = "",
) -> ListEvent:
    """Append an event with the list's next seq and publish it once the transaction commits.

    Bumping `last_seq` with an UPDATE takes the list row's lock until commit, so
    concurrent writers to the same list get consecutive, gap-free seqs.
    """
    # No savepoint of its own inside a caller's transaction: a failure here fails the
    # caller's write as a whole anyway, and every write pays two statements less.
    with transaction.atomic(savepoint=False):
        seq = _next_seq(grocery_list)
        grocery_list.last_seq = seq
        event = ListEvent.objects.create(
            grocery_list=grocery_list,
            seq=seq,
            type=type,
            actor=actor,
            actor_label=actor_label or (actor.name if actor else ""),
            payload=payload or {},
        )
        transaction.on_commit(partial(events.publish_list_event, event_id=event.id))
        # Push notifications for the few event types people can subscribe to (on commit).
        notifications.event_notify_later(event_id=event.id, event_type=type, payload=event.payload)
    return event


def _clean_item(item: ListItem) -> None:
    """`full_clean` plus the text limits a TextField's max_length does not enforce."""
    item.full_clean(exclude=["created_by"])
    if len(item.note) > NOTE_MAX:
        raise ValidationError({"note": f"Notes can be at most {NOTE_MAX} characters."})


def _clean_list(grocery_list: GroceryList) -> None:
    # created_by may be None (a script, a shopper link): not a user input to validate.
    grocery_list.full_clean(exclude=["created_by"])
    if len(grocery_list.description) > DESCRIPTION_MAX:
        raise ValidationError(
            {"description": f"Descriptions can be at most {DESCRIPTION_MAX} characters."}
        )


def _item_payload(item: ListItem, **extra: Any) -> dict[str, Any]:
    return {"item_id": str(item.id), "name": item.name, **extra}


# --- Lists -----------------------------------------------------------------------------


def list_create(
    *, family: Family, actor: User | None, name: str, description: str = ""
) -> GroceryList:
    with transaction.atomic():
        grocery_list = GroceryList(
            family=family,
            name=normalize_spaces(name),
            description=description.strip(),
            created_by=actor,
        )
        _clean_list(grocery_list)
        grocery_list.save()
        list_event_record(
            grocery_list=grocery_list,
            type="list.created",
            actor=actor,
            payload={"name": grocery_list.name},
        )
    return grocery_list


def lock_list_row(*, list_id: UUID | str) -> None:
    """Take the list's row lock (until commit): the first lock of every write to the list.

    For writers outside this module (orders, photos) that then change the list's items.
    """
    GroceryList.all_objects.select_for_update().filter(pk=list_id).exists()


def _lock_list(grocery_list: GroceryList) -> GroceryList:
    """The list's row, locked until commit (the first lock of every write to the list);
    also refreshes the caller's instance."""
    locked = GroceryList.all_objects.select_for_update().get(pk=grocery_list.pk)
    for attr in ("name", "description", "status", "deleted_at", "last_seq", "version"):
        setattr(grocery_list, attr, getattr(locked, attr))
    return grocery_list


@retry_on_conflict
def list_update(
    *, grocery_list: GroceryList, actor: User | None, name: str, description: str
) -> GroceryList:
    """Rename and/or describe a list; records nothing when nothing changed."""
    with transaction.atomic():
        _lock_list(grocery_list)
        new_name, new_description = normalize_spaces(name), description.strip()
        changed = [
            attr
            for attr, value in (("name", new_name), ("description", new_description))
            if getattr(grocery_list, attr) != value
        ]
        if not changed:
            return grocery_list
        grocery_list.name, grocery_list.description = new_name, new_description
        grocery_list.version += 1
        _clean_list(grocery_list)
        grocery_list.save(update_fields=[*changed, "version", "updated_at"])
        list_event_record(
            grocery_list=grocery_list,
            type="list.updated",
            actor=actor,
            payload={"name": grocery_list.name, "fields": changed},
        )
    return grocery_list


@retry_on_conflict
def list_archive(*, grocery_list: GroceryList, actor: User | None) -> GroceryList:
    with transaction.atomic():
        _lock_list(grocery_list)
        if grocery_list.status == GroceryList.Status.ARCHIVED:
            return grocery_list
        grocery_list.status = GroceryList.Status.ARCHIVED
        grocery_list.version += 1
        grocery_list.save(update_fields=["status", "version", "updated_at"])
        list_event_record(
            grocery_list=grocery_list,
            type="list.archived",
            actor=actor,
            payload={"name": grocery_list.name},
        )
    return grocery_list


@retry_on_conflict
def list_delete(*, grocery_list: GroceryList, actor: User | None) -> GroceryList:
    """Soft-delete a list and its live items with one timestamp, so undo restores exactly them."""
    with transaction.atomic():
        _lock_list(grocery_list)
        if grocery_list.deleted_at is not None:
            return grocery_list
        now = timezone.now()
        ListItem.objects.filter(grocery_list=grocery_list).update(deleted_at=now)
        GroceryList.all_objects.filter(pk=grocery_list.pk).update(
            deleted_at=now, version=F("version") + 1
        )
        grocery_list.deleted_at = now
        grocery_list.version += 1
        list_event_record(
            grocery_list=grocery_list,
            type="list.deleted",
            actor=actor,
            payload={"name": grocery_list.name},
        )
    return grocery_list


@retry_on_conflict
def list_restore(*, grocery_list: GroceryList, actor: User | None) -> GroceryList:
    """Undo a delete (with the items deleted along with it) or bring an archived list back."""
    with transaction.atomic():
        _lock_list(grocery_list)
        restored_from = None
        if grocery_list.deleted_at is not None:
            ListItem.all_objects.filter(
                grocery_list=grocery_list, deleted_at=grocery_list.deleted_at
            ).update(deleted_at=None)
            GroceryList.all_objects.filter(pk=grocery_list.pk).update(
                deleted_at=None, version=F("version") + 1
            )
            grocery_list.deleted_at = None
            grocery_list.version += 1
            restored_from = "deleted"
        elif grocery_list.status != GroceryList.Status.ACTIVE:
            restored_from = grocery_list.status
            grocery_list.status = GroceryList.Status.ACTIVE
            grocery_list.version += 1
            grocery_list.save(update_fields=["status", "version", "updated_at"])
        if restored_from is None:
            return grocery_list
        list_event_record(
            grocery_list=grocery_list,
            type="list.restored",
            actor=actor,
            payload={"name": grocery_list.name, "from": restored_from},
        )
    return grocery_list


# --- Items -----------------------------------------------------------------------------


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
