"""Every write to a list's items: add, edit, quantity steps, status, assignee, delete,
restore, and the family's remembered aisles.

Each function is keyword-only, runs inside `transaction.atomic` and records one
`ListEvent` per change through `lists.services.list_event_record`. The lock order is
the one `lists.services` states: the list's row first (`_lock_list`), then the items'.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import CharField, Count, Max, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from families.models import Family, Membership, User
from grocer.compiled import CompiledQuery
from grocer.transactions import retry_on_conflict

from . import hooks
from .cache import cached_family_aisles, forget_family_aisles
from .categories import guess_category, normalize_name
from .models import Category, CategoryPreference, GroceryList, ListEvent, ListItem
from .quantity import merge_quantities, normalize_spaces, quantity_steps
from .services import (  # the list lock comes first
    _lock_list,
    give_back_seq,
    list_event_record,
    list_event_written,
    lock_list_next_seq,
)

NOTE_MAX = ListItem._meta.get_field("note").max_length
# Fields a person edits through `item_update`; status and assignee have their own services.
EDITABLE_ITEM_FIELDS = ("name", "quantity_text", "note", "category")
FIELD_LABELS = {
    "name": gettext_lazy("name"),
    "quantity_text": gettext_lazy("quantity"),
    "note": gettext_lazy("note"),
    "category": gettext_lazy("aisle"),
}


def _clean_item(item: ListItem) -> None:
    """`full_clean` plus the text limits a TextField's max_length does not enforce."""
    # The family is the list's, set by the service: validating it would cost a query.
    item.full_clean(exclude=["created_by", "family"])
    if len(item.note) > NOTE_MAX:
        raise ValidationError(
            {"note": gettext("Notes can be at most %(max)d characters.") % {"max": NOTE_MAX}}
        )


def _item_payload(item: ListItem, **extra: Any) -> dict[str, Any]:
    return {"item_id": str(item.id), "name": item.name, **extra}


@dataclass(frozen=True)
class ItemAddResult:
    item: ListItem
    # False when the name was already needed on the list: nothing was added.
    created: bool
    # True when the name was already needed and the new quantity was added to it.
    merged: bool = False
    # The list's live items by status (and "total") after the add, when it was read.
    counts: dict[str, int] | None = None


def _family_aisles(family_id) -> dict[str, str]:
    return cached_family_aisles(
        family_id=family_id,
        load=lambda: dict(
            CategoryPreference.objects.filter(family_id=family_id).values_list(
                "name_key", "category"
            )
        ),
    )


def _aisle_for(*, family_id, name: str) -> str:
    return _family_aisles(family_id).get(normalize_name(name)[:200]) or guess_category(name)


def category_for_name(*, family: Family, name: str) -> str:
    """The family's remembered aisle for this name, else the built-in map's guess."""
    return _aisle_for(family_id=family.pk, name=name)


def category_preference_remember(*, family: Family, name: str, category: str) -> None:
    """Remember the family's aisle for a name (upsert; the newest choice wins)."""
    key = normalize_name(name)
    if not key or category not in Category.values:
        return
    with transaction.atomic():
        CategoryPreference.objects.update_or_create(
            family=family, name_key=key[:200], defaults={"category": category}
        )
        # After commit too: a reader that loaded the old aisles meanwhile may have cached them.
        forget_family_aisles(family_id=family.pk)
        transaction.on_commit(partial(forget_family_aisles, family_id=family.pk), robust=True)


def _check_new_item(item: ListItem) -> None:
    """What `full_clean` checked, without its queries: the field rules, here in Python.

    The rest (the list exists, a unique id, a name that is not blank) the database's
    foreign key, primary key and check constraints enforce on INSERT.
    """
    item.clean_fields(exclude=["id", "grocery_list", "family", "created_by", "assigned_to"])
    if len(item.note) > NOTE_MAX:
        raise ValidationError(
            {"note": gettext("Notes can be at most %(max)d characters.") % {"max": NOTE_MAX}}
        )


def _twin_and_counts_query(*, list_id: UUID, name: str):
    return (
        ListItem.objects.filter(grocery_list_id=list_id)
        .values("status")
        .annotate(
            n=Count("id"),
            twin=Max(
                Cast("id", CharField()),
                filter=Q(status=ListItem.Status.NEEDED, name__iexact=name),
            ),
        )
        .values_list("status", "n", "twin")
    )


# Compiled once per database (grocer/compiled.py): every add runs it. On SQLite, whose
# `iexact` escapes the name for LIKE, it is built each time.
_TWIN_AND_COUNTS = CompiledQuery(ListItem, _twin_and_counts_query, text=("name",))


def _needed_twin_and_counts(
    *, grocery_list: GroceryList, name: str
) -> tuple[str | None, dict[str, int]]:
    """The id of the needed item with this name (if any) and the live items by status.

    One statement. Precondition: the caller holds the list's row lock, so neither can
    change before commit (every item write takes that lock first).
    """
    rows = _TWIN_AND_COUNTS.run(list_id=grocery_list.pk, name=name)
    counts = {status: 0 for status in ListItem.Status.values}
    twin = None
    for status, n, twin_id in rows:
        counts[status] = n
        twin = twin or twin_id
    return twin, counts


def _with_total(counts: dict[str, int]) -> dict[str, int]:
    return {**counts, "total": sum(n for key, n in counts.items() if key != "total")}


def _no_photo(item: ListItem) -> None:
    """Tell the row there is no photo, so rendering it does not ask the database."""
    try:
        relation = ListItem._meta.get_field("photo")
    except FieldDoesNotExist:  # the photos app is not installed
        return
    relation.set_cached_value(item, None)


def _new_item_sql(connection) -> str:
    """The add's second statement (PostgreSQL), built from the models' names once.

    In one round trip, under the list's row lock the caller took: the list's live items
    by status and the needed item with the same name (the snapshot is taken after the
    lock, so a concurrent add of that name has committed and is seen); the aisle (the
    family's remembered one, else the built-in guess); and, only when no such item is
    needed, the item's INSERT and its event's. Every sub-statement sees the same
    snapshot, so the counts do not include the new item.
    """
    sql = _NEW_ITEM_SQL.get(connection.alias)
    if sql is not None:
        return sql
    quote = connection.ops.quote_name

    def col(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    def table(model) -> str:
        return quote(model._meta.db_table)

    item_cols = [quote(f.column) for f in _new_item_fields()]
    event_cols = [quote(f.column) for f in _new_event_fields()]
    status, item_id = col(ListItem, "status"), col(ListItem, "id")
    sql = (
        f"WITH tc AS (SELECT {status} AS s, COUNT(*) AS n, "  # noqa: S608 - names from the models
        f"MAX({item_id}::text) FILTER (WHERE {status} = %s "
        f"AND UPPER({col(ListItem, 'name')}::text) = UPPER(%s)) AS twin "
        f"FROM {table(ListItem)} WHERE {col(ListItem, 'grocery_list')} = %s "
        f"AND {col(ListItem, 'deleted_at')} IS NULL GROUP BY {status}), "
        f"cat AS (SELECT COALESCE(%s, (SELECT NULLIF({col(CategoryPreference, 'category')}, '') "
        f"FROM {table(CategoryPreference)} WHERE {col(CategoryPreference, 'family')} = %s "
        f"AND {col(CategoryPreference, 'name_key')} = %s), %s) AS c), "
        f"new AS (INSERT INTO {table(ListItem)} ({', '.join(item_cols)}, "
        f"{col(ListItem, 'category')}, {col(ListItem, 'position')}) "
        f"SELECT {', '.join(['%s'] * len(item_cols))}, cat.c, %s FROM cat "
        "WHERE NOT EXISTS (SELECT 1 FROM tc WHERE tc.twin IS NOT NULL) "
        f"RETURNING {col(ListItem, 'created_at')} AS created, {col(ListItem, 'updated_at')} "
        f"AS updated, {col(ListItem, 'category')} AS category), "
        f"ev AS (INSERT INTO {table(ListEvent)} ({', '.join(event_cols)}, "
        f"{col(ListEvent, 'payload')}) "
        f"SELECT {', '.join(['%s'] * len(event_cols))}, "
        "%s || jsonb_build_object('category', new.category) FROM new "
        f"RETURNING {col(ListEvent, 'created_at')} AS created, "
        f"{col(ListEvent, 'updated_at')} AS updated) "
        "SELECT (SELECT COALESCE(json_object_agg(s, n), '{}') FROM tc), "
        "(SELECT MAX(twin) FROM tc), new.created, new.updated, new.category, "
        "ev.created, ev.updated "
        "FROM (SELECT 1) AS one LEFT JOIN new ON TRUE LEFT JOIN ev ON TRUE"
    )
    _NEW_ITEM_SQL[connection.alias] = sql
    return sql


_NEW_ITEM_SQL: dict[str, str] = {}
# Filled by the database: the timestamps (`db_default`), and the aisle and position (in
# the statement itself); the payload takes the aisle in the statement too.
_FILLED_IN_SQL = frozenset({"created_at", "updated_at", "category", "position", "payload"})


def _new_item_fields() -> list:
    return [f for f in ListItem._meta.concrete_fields if f.name not in _FILLED_IN_SQL]


def _new_event_fields() -> list:
    return [f for f in ListEvent._meta.concrete_fields if f.name not in _FILLED_IN_SQL]


class _NewItemInsert:
    """`_new_item_sql` with its parameters built before the list's lock is taken (only
    the seq is filled in under it): the lock is held for the round trips, not for Python.
    """

    def __init__(
        self, *, item: ListItem, grocery_list: GroceryList, actor: User | None, remembered: bool
    ) -> None:
        """`remembered`: look for the family's remembered aisle (no aisle was chosen);
        `item.category` is what to use otherwise."""
        self.item = item
        self.connection = connection = transaction.get_connection()
        self.payload = _item_payload(item, quantity=item.quantity_text, version=item.version)
        self.event = event = ListEvent(
            grocery_list=grocery_list,
            family_id=grocery_list.family_id,
            seq=0,
            type="item.added",
            actor=actor,
            actor_label=actor.name if actor else "",
        )
        pk = ListItem._meta.pk
        head = [
            ListItem.Status.NEEDED,
            item.name,
            pk.get_db_prep_value(grocery_list.pk, connection),
            None if remembered else item.category,
            pk.get_db_prep_value(grocery_list.family_id, connection),
            normalize_name(item.name)[:200],
            item.category,
        ]
        item_params = [
            f.get_db_prep_save(getattr(item, f.attname), connection) for f in _new_item_fields()
        ]
        event_fields = _new_event_fields()
        event_params = [
            f.get_db_prep_save(getattr(event, f.attname), connection) for f in event_fields
        ]
        self.params = [
            *head,
            *item_params,
            0,  # the position: the seq
            *event_params,
            ListEvent._meta.get_field("payload").get_db_prep_save(self.payload, connection),
        ]
        self.seq_slots = (
            len(head) + len(item_params),
            len(head) + len(item_params) + 1 + [f.name for f in event_fields].index("seq"),
        )

    def run(self, *, seq: int) -> tuple[str | None, dict[str, int], ListEvent | None]:
        """The needed twin's id (nothing was written then), the list's live items by status
        before the add, and the new item's event (None if it was not added).

        Precondition: the caller holds the list's row lock. Fills the item as the INSERT
        left it (aisle, position, timestamps, saved state).
        """
        params = self.params
        for slot in self.seq_slots:
            params[slot] = seq
        connection, item, event = self.connection, self.item, self.event
        with connection.cursor() as cursor:
            cursor.execute(_new_item_sql(connection), params)
            counts_row, twin, created, updated, aisle, event_created, event_updated = (
                cursor.fetchone()
            )
        counts = {value: int(counts_row.get(value, 0)) for value in ListItem.Status.values}
        if twin is not None or created is None:
            return twin, counts, None
        item.created_at, item.updated_at, item.category, item.position = (
            created,
            updated,
            aisle,
            seq,
        )
        item._state.adding, item._state.db = False, connection.alias
        event.seq, event.payload = seq, {**self.payload, "category": aisle}
        event.created_at, event.updated_at = event_created, event_updated
        event._state.adding, event._state.db = False, connection.alias
        return None, counts, event


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

    The hot path is four statements in the transaction (bump the list's seq, which
    locks its row; look for the needed twin and count the items; insert the item;
    insert the event), so inside a caller's transaction it opens no savepoint.
    """
    name = normalize_spaces(name)
    quantity_text = normalize_spaces(quantity_text)
    # On PostgreSQL the remembered aisle is read in the add's own statement.
    in_one = transaction.get_connection().vendor == "postgresql"
    item = ListItem(
        grocery_list=grocery_list,
        family_id=grocery_list.family_id,
        name=name,
        quantity_text=quantity_text,
        note=note.strip(),
        category=category
        or (
            guess_category(name)
            if in_one
            else _aisle_for(family_id=grocery_list.family_id, name=name)
        ),
        position=1,
        created_by=actor,
    )
    _check_new_item(item)
    insert = (
        _NewItemInsert(item=item, grocery_list=grocery_list, actor=actor, remembered=not category)
        if in_one
        else None
    )
    with transaction.atomic(savepoint=False):
        seq = lock_list_next_seq(grocery_list)
        event = None
        if insert is not None:
            twin_id, counts, event = insert.run(seq=seq)
        else:
            twin_id, counts = _needed_twin_and_counts(grocery_list=grocery_list, name=name)
        if twin_id is not None:
            existing = _lock_item(grocery_list=grocery_list, item_id=twin_id)
            merged = (
                merge_quantities(existing.quantity_text, quantity_text) if quantity_text else None
            )
            if merged is None:
                give_back_seq(grocery_list)
                return ItemAddResult(item=existing, created=False, counts=_with_total(counts))
            _set_quantity(
                item=existing, grocery_list=grocery_list, actor=actor, text=merged, seq=seq
            )
            return ItemAddResult(
                item=existing, created=False, merged=True, counts=_with_total(counts)
            )
        _no_photo(item)
        if event is not None:  # inserted with the item
            grocery_list.last_seq = seq
            list_event_written(event=event, item=item)
        else:
            # Seqs only grow: the new item sorts after every other one of the list.
            item.position = seq
            item.save(force_insert=True)
            list_event_record(
                grocery_list=grocery_list,
                type="item.added",
                actor=actor,
                seq=seq,
                item=item,
                payload=_item_payload(
                    item, quantity=item.quantity_text, category=item.category, version=item.version
                ),
            )
    counts[ListItem.Status.NEEDED] += 1
    return ItemAddResult(item=item, created=True, counts=_with_total(counts))


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
                    gettext("%(who)s changed %(field)s to '%(value)s' meanwhile.")
                    % {
                        "who": changed_by or gettext("Someone"),
                        "field": FIELD_LABELS[name],
                        "value": value,
                    }
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


def _set_quantity(
    *,
    item: ListItem,
    grocery_list: GroceryList,
    actor: User | None,
    text: str,
    seq: int | None = None,
):
    """Write a new quantity on a locked item and record it like an edit of the quantity."""
    item.quantity_text = text
    item.version += 1
    _clean_item(item)
    item.save(update_fields=["quantity_text", "version", "updated_at"])
    list_event_record(
        grocery_list=grocery_list,
        type="item.updated",
        actor=actor,
        seq=seq,
        item=item,
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


@dataclass(frozen=True)
class StatusChange:
    item: ListItem
    # False when the item already had that status: nothing was written, no event.
    changed: bool
    # The list's live items by status (and "total") after the change, when it was read.
    counts: dict[str, int] | None = None


_STATUS_SQL: dict[str, str] = {}


def _status_sql(connection) -> str:
    """The status change's second statement (PostgreSQL), built from the models' names once.

    Writes the item and inserts its event in one round trip, under the list's row lock
    the caller took. The RETURNING reads the previous status and the list's counts from
    the statement's snapshot (which precedes its own write).
    """
    sql = _STATUS_SQL.get(connection.alias)
    if sql is not None:
        return sql
    quote = connection.ops.quote_name
    meta = ListItem._meta

    def col(name: str) -> str:
        return quote(meta.get_field(name).column)

    table, pk = quote(meta.db_table), quote(meta.pk.column)
    status_col, list_col, deleted_col = col("status"), col("grocery_list"), col("deleted_at")
    try:
        photo = meta.get_field("photo")
        has_photo = (
            f"EXISTS (SELECT 1 FROM {quote(photo.related_model._meta.db_table)} AS p "  # noqa: S608
            f"WHERE p.{quote(photo.field.column)} = i.{pk})"
        )
    except FieldDoesNotExist:  # the photos app is not installed
        has_photo = "FALSE"
    columns = [quote(f.column) for f in meta.concrete_fields]
    event_cols = [quote(f.column) for f in _new_event_fields()]
    event_meta = ListEvent._meta
    sql = (
        f"WITH w AS (UPDATE {table} AS i SET {status_col} = %s, "  # noqa: S608 - names from the model
        f"{col('version')} = i.{col('version')} + 1, {col('updated_at')} = %s "
        f"FROM {table} AS old "
        f"WHERE i.{pk} = %s AND i.{list_col} = %s AND i.{deleted_col} IS NULL "
        f"AND i.{status_col} <> %s AND old.{pk} = i.{pk} "
        f"RETURNING {', '.join(f'i.{c} AS c{n}' for n, c in enumerate(columns))}, "
        f"old.{status_col} AS previous, "
        f"(SELECT COALESCE(json_object_agg(c.s, c.n), '{{}}') FROM (SELECT {status_col} AS s, "
        f"COUNT(*) AS n FROM {table} WHERE {list_col} = %s AND {deleted_col} IS NULL "
        f"GROUP BY {status_col}) AS c) AS counts, {has_photo} AS has_photo), "
        f"ev AS (INSERT INTO {quote(event_meta.db_table)} ({', '.join(event_cols)}, "
        f"{quote(event_meta.get_field('payload').column)}) "
        f"SELECT {', '.join(['%s'] * len(event_cols))}, jsonb_build_object("
        f"'item_id', w.c{[f.name for f in meta.concrete_fields].index('id')}::text, "
        f"'name', w.c{[f.name for f in meta.concrete_fields].index('name')}, "
        "'status', %s::text, 'previous', w.previous, "
        f"'version', w.c{[f.name for f in meta.concrete_fields].index('version')}) FROM w "
        f"RETURNING {quote(event_meta.get_field('created_at').column)} AS created, "
        f"{quote(event_meta.get_field('updated_at').column)} AS updated) "
        "SELECT w.*, ev.created, ev.updated FROM w, ev"
    )
    _STATUS_SQL[connection.alias] = sql
    return sql


def _status_params(
    *, grocery_list: GroceryList, item_id: UUID | str, status: str, event: ListEvent
) -> tuple[list, int]:
    """`_status_sql`'s parameters, built before the list's lock is taken, and where the
    event's seq goes among them (filled in under the lock)."""
    connection = transaction.get_connection()
    pk = ListItem._meta.pk
    list_pk = pk.get_db_prep_value(grocery_list.pk, connection)
    event_fields = _new_event_fields()
    head = [
        status,
        timezone.now(),
        pk.get_db_prep_value(item_id, connection),
        list_pk,
        status,
        list_pk,
    ]
    params = [
        *head,
        *[f.get_db_prep_save(getattr(event, f.attname), connection) for f in event_fields],
        status,
    ]
    return params, len(head) + [f.name for f in event_fields].index("seq")


def _write_status(
    *, params: list, seq_slot: int, seq: int, status: str, event: ListEvent
) -> tuple[ListItem, str, dict[str, int], bool] | None:
    """Move a live item of the list to `status` and insert its `event`, in one statement
    (PostgreSQL), with the parameters from `_status_params` and the `seq` taken.

    Returns the item as written, its previous status, the list's live items by status
    before the change and whether the item has a photo, and fills `event` (its seq,
    payload, timestamps and saved state); None when no row changed (no such item, or it
    already has that status), and then nothing was inserted either.

    Precondition: the caller holds the list's row lock, so no other write to the list's
    items can run between the snapshot and the write.
    """
    connection = transaction.get_connection()
    fields = ListItem._meta.concrete_fields
    params[seq_slot] = seq
    with connection.cursor() as cursor:
        cursor.execute(_status_sql(connection), params)
        row = cursor.fetchone()
    if row is None:
        return None
    n = len(fields)
    item = ListItem.from_db(connection.alias, [f.attname for f in fields], row[:n])
    previous, counts, photo_exists, created, updated = row[n : n + 5]
    counts = {value: int(counts.get(value, 0)) for value in ListItem.Status.values}
    event.seq = seq
    event.payload = _item_payload(item, status=status, previous=previous, version=item.version)
    event.created_at, event.updated_at = created, updated
    event._state.adding, event._state.db = False, connection.alias
    return item, previous, counts, photo_exists


def _set_assignee_from_members(item: ListItem, *, family_id) -> None:
    """Fill `item.assigned_to` from the family's (cached) members, sparing a query."""
    if item.assigned_to_id is None:
        return
    from .selectors import family_members

    for member in family_members(family_id=family_id):
        if member.pk == item.assigned_to_id:
            ListItem.assigned_to.field.set_cached_value(item, member)
            return


@retry_on_conflict
def item_status_change(
    *,
    item_id: UUID | str,
    grocery_list: GroceryList,
    actor: User | None,
    status: str,
    actor_label: str = "",
) -> StatusChange:
    """Move an item to `status`. Idempotent: already there → no change and no event.

    On PostgreSQL the hot path is three statements in the transaction: bump the list's
    seq (its row lock), write the item (reading its previous status and the list's
    counts in the same statement), insert the event.
    """
    if status not in ListItem.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    event = prepared = None
    if transaction.get_connection().vendor == "postgresql":
        # Built before the list's lock: under it only the round trips remain.
        event = ListEvent(
            grocery_list=grocery_list,
            family_id=grocery_list.family_id,
            seq=0,
            type="item.status_changed",
            actor=actor,
            actor_label=actor_label or (actor.name if actor else ""),
        )
        prepared = _status_params(
            grocery_list=grocery_list, item_id=item_id, status=status, event=event
        )
    with transaction.atomic():
        seq = lock_list_next_seq(grocery_list)
        written = None
        if prepared is not None:
            params, seq_slot = prepared
            written = _write_status(
                params=params, seq_slot=seq_slot, seq=seq, status=status, event=event
            )
        counts = None
        if written is None:
            item = _lock_item(grocery_list=grocery_list, item_id=item_id)
            if item.status == status:
                give_back_seq(grocery_list)
                return StatusChange(item=item, changed=False)
            previous, item.status = item.status, status
            item.version += 1
            item.save(update_fields=["status", "version", "updated_at"])
        else:
            item, previous, before, has_photo = written
            counts = {**before, previous: before[previous] - 1, status: before[status] + 1}
            if not has_photo:
                _no_photo(item)
        item.grocery_list = grocery_list
        _set_assignee_from_members(item, family_id=grocery_list.family_id)
        if previous == ListItem.Status.NEEDED:
            # Checked off while shopping (the shop app learns the aisle order from it).
            hooks.item_checked.send(sender=ListItem, grocery_list=grocery_list, item=item)
        if written is not None:  # the event was inserted with the change
            grocery_list.last_seq = seq
            list_event_written(event=event, item=item)
        else:
            list_event_record(
                grocery_list=grocery_list,
                type="item.status_changed",
                actor=actor,
                actor_label=actor_label,
                seq=seq,
                item=item,
                payload=_item_payload(item, status=status, previous=previous, version=item.version),
            )
    return StatusChange(item=item, changed=True, counts=_with_total(counts) if counts else None)


def item_set_status(
    *,
    item_id: UUID | str,
    grocery_list: GroceryList,
    actor: User | None,
    status: str,
    actor_label: str = "",
) -> ListItem:
    """`item_status_change`, for callers that only need the item."""
    return item_status_change(
        item_id=item_id,
        grocery_list=grocery_list,
        actor=actor,
        status=status,
        actor_label=actor_label,
    ).item


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
        raise ValidationError(
            {"assigned_to": gettext("Only members of this family can be assigned.")}
        )
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
