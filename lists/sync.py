"""Services for changes that carry an idempotency key: offline replays and retried forms.

Kept apart from `services.py` (which they call) because they are one protocol: claim the
key, apply the change through the ordinary service, store what happened. A change is
applied at most once per key; a replay gets the stored result back.

Why a replay can never undo a later change:
- the key is claimed (INSERT into a primary key) inside the change's own transaction, so
  two concurrent replays serialize on the index and the second sees the first's result;
- a status change carries the status the user saw (`base.status`): if the item has moved
  on since (someone bought it meanwhile), it is a conflict, reported and not applied;
- an edit goes through `item_update`'s three-way merge against the values the user saw;
- a change to a deleted item is a conflict ("Ben deleted milk"), never a silent drop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext

from families.models import User
from grocer.transactions import retry_on_conflict

from . import bulk_services, item_services, services
from .models import AppliedChange, GroceryList, ListEvent, ListItem
from .quantity import parse_item_text

KINDS = ("add", "status", "edit")
APPLIED, DUPLICATE, CONFLICT = "applied", "duplicate", "conflict"


@dataclass(frozen=True)
class ChangeResult:
    outcome: str  # applied | duplicate | conflict
    # For a duplicate: what the first attempt answered (its outcome is applied or conflict).
    result: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        # `first_outcome` tells a duplicate's client whether the original applied or conflicted.
        return {**self.result, "outcome": self.outcome, "first_outcome": self.result.get("outcome")}


def _claim(*, key: UUID, grocery_list: GroceryList, actor: User | None, kind: str) -> bool:
    """Insert the key; False when it was already used (the caller then answers the stored result).

    The savepoint keeps the outer transaction usable after the unique violation. A
    concurrent claim of the same key waits on the index until the first commits.
    """
    try:
        with transaction.atomic():
            AppliedChange.objects.create(
                key=key,
                grocery_list=grocery_list,
                family_id=grocery_list.family_id,
                user=actor,
                kind=kind,
            )
    except IntegrityError:
        return False
    return True


def _stored(*, key: UUID, grocery_list: GroceryList) -> ChangeResult:
    stored = AppliedChange.objects.filter(key=key).first()
    if stored is None or stored.grocery_list_id != grocery_list.pk:
        # A key reused for another list is a client bug, not something to apply.
        raise ValidationError({"key": "This key was already used for another list."})
    return ChangeResult(outcome=DUPLICATE, result=stored.result)


def _deleted_conflict(*, grocery_list: GroceryList, item_id: UUID | str) -> dict[str, Any]:
    item = ListItem.all_objects.filter(pk=item_id, grocery_list=grocery_list).first()
    if item is None:
        raise ValidationError({"item_id": gettext("That is not an item of this list.")})
    who = (
        ListEvent.objects.filter(grocery_list=grocery_list)
        .filter(
            Q(type="item.deleted", payload__item_id=str(item.pk))
            | Q(type="items.cleared", payload__item_ids__contains=[str(item.pk)])
        )
        .order_by("-seq")
        .values_list("actor_label", flat=True)
        .first()
    )
    by = who or gettext("Someone")
    return {
        "outcome": CONFLICT,
        "item_id": str(item.pk),
        "reason": "deleted",
        "messages": [gettext("%(who)s deleted %(item)s.") % {"who": by, "item": item.name}],
        "current": None,
    }


def _item_state(item: ListItem) -> dict[str, Any]:
    return {
        "name": item.name,
        "quantity_text": item.quantity_text,
        "note": item.note,
        "category": item.category,
        "status": item.status,
        "version": item.version,
    }


def _apply_add(
    *, grocery_list: GroceryList, actor: User | None, fields: dict[str, Any]
) -> dict[str, Any]:
    text = str(fields.get("text") or "")
    entries = bulk_services.parse_entries(text)
    if len(entries) > 1:
        # A pasted list or a comma list, queued offline: added like the bulk form does.
        return _bulk_result(
            bulk_services.items_add_bulk(grocery_list=grocery_list, actor=actor, entries=entries)
        )
    parsed = parse_item_text(text)
    if not parsed.name.strip():
        raise ValidationError({"text": gettext("Type what you need, e.g. “2 kg tomatoes”.")})
    added = item_services.item_add(
        grocery_list=grocery_list,
        actor=actor,
        name=parsed.name,
        quantity_text=parsed.quantity,
    )
    return {
        "outcome": APPLIED,
        "item_id": str(added.item.pk),
        "created": added.created,
        "messages": [] if added.created else [f"{added.item.name} is already on the list."],
        "current": _item_state(added.item),
    }


def _bulk_result(result: bulk_services.BulkAddResult) -> dict[str, Any]:
    """A bulk add's stored answer: the first item (the client draws its row) and all ids."""
    items = result.items
    return {
        "outcome": APPLIED,
        "item_id": str(items[0].pk),
        "item_ids": [str(item.pk) for item in items],
        "added": [str(item.pk) for item in result.added],
        "merged": [str(item.pk) for item in result.merged],
        "created": bool(result.added),
        "messages": [f"{item.name} is already on the list." for item in result.already],
        "current": _item_state(items[0]),
    }


def _apply_status(
    *,
    grocery_list: GroceryList,
    actor: User | None,
    item_id: UUID | str,
    fields: dict[str, Any],
    base: dict[str, Any],
) -> dict[str, Any]:
    status = fields.get("status")
    if status not in ListItem.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    seen = base.get("status")
    if seen is not None and seen not in ListItem.Status.values:
        raise ValidationError({"base": f"Unknown status {seen!r}."})
    item = ListItem.objects.select_for_update(of=("self",)).get(
        pk=item_id, grocery_list=grocery_list
    )
    if item.status != status and seen is not None and item.status != seen:
        # Someone moved it on since the user saw it: their newer change wins.
        changed_by = _last_status_actor(item) or "Someone"
        return {
            "outcome": CONFLICT,
            "item_id": str(item.pk),
            "reason": "changed",
            "messages": [
                f"{changed_by} marked {item.name} {item.get_status_display().lower()} meanwhile."
            ],
            "current": _item_state(item),
        }
    item = item_services.item_set_status(
        item_id=item.pk, grocery_list=grocery_list, actor=actor, status=status
    )
    return {
        "outcome": APPLIED,
        "item_id": str(item.pk),
        "messages": [],
        "current": _item_state(item),
    }


def _last_status_actor(item: ListItem) -> str:
    return (
        ListEvent.objects.filter(
            grocery_list_id=item.grocery_list_id,
            type="item.status_changed",
            payload__item_id=str(item.pk),
        )
        .order_by("-seq")
        .values_list("actor_label", flat=True)
        .first()
        or ""
    )


def _apply_edit(
    *,
    grocery_list: GroceryList,
    actor: User | None,
    item_id: UUID | str,
    fields: dict[str, Any],
    base: dict[str, Any],
) -> dict[str, Any]:
    changes = {k: v for k, v in fields.items() if k in item_services.EDITABLE_ITEM_FIELDS}
    if not changes:
        raise ValidationError({"fields": gettext("Nothing to change.")})
    try:
        with transaction.atomic():
            item = item_services.item_update(
                item_id=item_id,
                grocery_list=grocery_list,
                actor=actor,
                changes=changes,
                base={k: v for k, v in base.items() if k in item_services.EDITABLE_ITEM_FIELDS},
            )
    except item_services.ConflictError as conflict:
        return {
            "outcome": CONFLICT,
            "item_id": str(conflict.item.pk),
            "reason": "changed",
            "messages": conflict.messages,
            "current": {**conflict.current, "status": conflict.item.status},
        }
    return {
        "outcome": APPLIED,
        "item_id": str(item.pk),
        "messages": [],
        "current": _item_state(item),
    }


@retry_on_conflict
def change_apply(
    *,
    grocery_list: GroceryList,
    actor: User | None,
    key: UUID,
    kind: str,
    item_id: UUID | str | None = None,
    fields: dict[str, Any] | None = None,
    base: dict[str, Any] | None = None,
) -> ChangeResult:
    """Apply one keyed change once. Raises ValidationError for malformed input (nothing claimed).

    Returns `applied` (with the item's current state), `conflict` (with plain messages
    and the current values; nothing applied) or `duplicate` (the first answer, untouched).
    """
    if kind not in KINDS:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    if kind != "add" and item_id is None:
        raise ValidationError({"item_id": "Which item?"})
    fields, base = fields or {}, base or {}
    with transaction.atomic():
        # The list's row first, as every write (services.py); then the key, then items.
        services.lock_list_row(list_id=grocery_list.pk)
        if not _claim(key=key, grocery_list=grocery_list, actor=actor, kind=kind):
            return _stored(key=key, grocery_list=grocery_list)
        try:
            with transaction.atomic():
                if kind == "add":
                    result = _apply_add(grocery_list=grocery_list, actor=actor, fields=fields)
                elif kind == "status":
                    result = _apply_status(
                        grocery_list=grocery_list,
                        actor=actor,
                        item_id=item_id,
                        fields=fields,
                        base=base,
                    )
                else:
                    result = _apply_edit(
                        grocery_list=grocery_list,
                        actor=actor,
                        item_id=item_id,
                        fields=fields,
                        base=base,
                    )
        except ListItem.DoesNotExist:
            result = _deleted_conflict(grocery_list=grocery_list, item_id=item_id)
        result["kind"] = kind
        AppliedChange.objects.filter(key=key).update(result=result)
    return ChangeResult(outcome=result["outcome"], result=result)


def _claim_with_result(
    *, key: UUID, grocery_list: GroceryList, actor: User | None, kind: str, result: dict
) -> bool:
    """Store the key with its result in one statement; False when the key was used already.

    INSERT … ON CONFLICT DO NOTHING: a used key changes nothing and raises nothing, so
    no savepoint is needed around it (two statements less than `_claim` + an UPDATE).
    """
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    meta = AppliedChange._meta
    values = {
        "key": key,
        "grocery_list": grocery_list.pk,
        "family": grocery_list.family_id,
        "user": actor.pk if actor is not None else None,
        "kind": kind,
        "result": result,
    }
    fields = [meta.get_field(name) for name in values]
    columns = ", ".join(quote(field.column) for field in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


class _KeyUsedError(Exception):
    """The add's key was claimed first by another submit: undo this one."""


@retry_on_conflict
def item_add_once(
    *,
    grocery_list: GroceryList,
    actor: User | None,
    key: UUID,
    name: str,
    quantity_text: str,
) -> item_services.ItemAddResult:
    """`item_add` for the add form: a double click or a retried POST adds one item.

    The second submit gets the first one's item back with `created=False`.

    The add runs first (its first statement takes the list's row lock, as every write)
    and the key is stored with its result last. A submit whose key is already stored
    rolls its add back and answers what the first one did: both submits queue on the
    list's row, so the second one finds the key the first committed.
    """
    try:
        with transaction.atomic():
            added = item_services.item_add(
                grocery_list=grocery_list, actor=actor, name=name, quantity_text=quantity_text
            )
            result = {
                "outcome": APPLIED,
                "kind": "add",
                "item_id": str(added.item.pk),
                "created": added.created,
                "messages": [],
                "current": _item_state(added.item),
            }
            if not _claim_with_result(
                key=key, grocery_list=grocery_list, actor=actor, kind="add", result=result
            ):
                raise _KeyUsedError
    except _KeyUsedError:
        stored = _stored(key=key, grocery_list=grocery_list).result
        item = ListItem.objects.filter(pk=stored.get("item_id"), grocery_list=grocery_list).first()
        if item is None:
            # Added by the first submit and deleted since: adding it again would
            # bring back what someone just removed.
            raise ValidationError(
                {"text": gettext("That was added already and deleted since.")}
            ) from None
        return item_services.ItemAddResult(item=item, created=False)
    return added


@retry_on_conflict
def items_add_bulk_once(
    *,
    grocery_list: GroceryList,
    actor: User | None,
    key: UUID,
    entries: list[bulk_services.Entry],
) -> bulk_services.BulkAddResult:
    """`items_add_bulk` for the forms: a double click or a retried POST adds once.

    The second submit gets the first one's items (those still on the list) back as
    already there.
    """
    with transaction.atomic():
        services.lock_list_row(list_id=grocery_list.pk)
        if not _claim(key=key, grocery_list=grocery_list, actor=actor, kind="add"):
            stored = _stored(key=key, grocery_list=grocery_list).result
            ids = stored.get("item_ids") or [stored.get("item_id")]
            replay = bulk_services.BulkAddResult()
            for item in ListItem.objects.filter(
                pk__in=[i for i in ids if i], grocery_list=grocery_list
            ):
                replay.note(item, "already")
            return replay
        result = bulk_services.items_add_bulk(
            grocery_list=grocery_list, actor=actor, entries=entries
        )
        AppliedChange.objects.filter(key=key).update(result={**_bulk_result(result), "kind": "add"})
    return result
