"""Every write to lists and their event log. (Item writes: `lists.item_services`.)

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

from functools import partial
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from families.models import Family, User
from grocer.transactions import retry_on_conflict

from . import events, notifications
from .models import GroceryList, ListEvent, ListItem
from .quantity import normalize_spaces

DESCRIPTION_MAX = GroceryList._meta.get_field("description").max_length


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


def lock_list_next_seq(grocery_list: GroceryList) -> int:
    """Take the list's row lock and its next seq in one statement; for the item hot paths.

    The write then records its event with `list_event_record(seq=...)`, and a new item
    takes the seq as its position (seqs only grow, so it sorts after every other item).
    A write that ends up recording nothing must call `give_back_seq`.
    """
    seq = _next_seq(grocery_list)
    grocery_list.last_seq = seq
    return seq


def give_back_seq(grocery_list: GroceryList) -> None:
    """Undo `lock_list_next_seq` for a write that records no event, keeping the lock.

    No other transaction can have seen the bumped value (the row is locked until our
    commit), so pages never see a seq without its event.
    """
    GroceryList.all_objects.filter(pk=grocery_list.pk).update(last_seq=F("last_seq") - 1)
    grocery_list.last_seq -= 1


def list_event_record(
    *,
    grocery_list: GroceryList,
    type: str,
    actor: User | None,
    payload: dict[str, Any] | None = None,
    actor_label: str = "",
    seq: int | None = None,
    item: ListItem | None = None,
) -> ListEvent:
    """Append an event with the list's next seq and publish it once the transaction commits.

    Bumping `last_seq` with an UPDATE takes the list row's lock until commit, so
    concurrent writers to the same list get consecutive, gap-free seqs. A caller that
    already took the seq (`lock_list_next_seq`) passes it. `item`, the event's item as
    written, lets the publisher render its row without reading it back (and the view
    reuse that rendering, see `lists.rendering.render_item_row`).
    """
    # No savepoint of its own inside a caller's transaction: a failure here fails the
    # caller's write as a whole anyway, and every write pays two statements less.
    with transaction.atomic(savepoint=False):
        if seq is None:
            seq = _next_seq(grocery_list)
        grocery_list.last_seq = seq
        event = ListEvent.objects.create(
            grocery_list=grocery_list,
            family_id=grocery_list.family_id,
            seq=seq,
            type=type,
            actor=actor,
            actor_label=actor_label or (actor.name if actor else ""),
            payload=payload or {},
        )
        list_event_written(event=event, item=item)
    return event


def list_event_written(*, event: ListEvent, item: ListItem | None = None) -> None:
    """What follows an event's INSERT in its transaction: the publish on commit and the
    push-subscription decision.

    For the hot paths that insert the event in the same statement as their write
    (`lists.item_services`); `list_event_record` calls it for every other write.
    """
    transaction.on_commit(
        partial(events.publish_list_event, event_id=event.id, event=event, item=item)
    )
    # Push notifications for the few event types people can subscribe to (on commit).
    notifications.event_notify_later(
        event_id=event.id,
        event_type=event.type,
        payload=event.payload,
        family_id=event.family_id,
        actor_id=event.actor_id,
    )


def _clean_list(grocery_list: GroceryList) -> None:
    # created_by may be None (a script, a shopper link): not a user input to validate.
    grocery_list.full_clean(exclude=["created_by"])
    if len(grocery_list.description) > DESCRIPTION_MAX:
        raise ValidationError(
            {"description": f"Descriptions can be at most {DESCRIPTION_MAX} characters."}
        )


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


def shopping_start(*, grocery_list: GroceryList, actor: User, store: str = "") -> ListEvent:
    """Tell the family someone is going shopping. Locks nothing; anyone can still edit."""
    store = normalize_spaces(store)
    if len(store) > 100:
        raise ValidationError({"store": "Store names can be at most 100 characters."})
    with transaction.atomic():
        return list_event_record(
            grocery_list=grocery_list,
            type="shopping.started",
            actor=actor,
            payload={"store": store, "name": grocery_list.name},
        )
