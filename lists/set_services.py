"""Saved sets and staples: every write, keyword-only, in `transaction.atomic`.

A set or a pin belongs to a family (any member edits it); adding one to a list goes
through `bulk_services.items_add_bulk`, so quantities merge exactly as a typed add.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from families.models import Family, User
from grocer.transactions import retry_on_conflict

from . import services
from .bulk_services import BulkAddResult, Entry, items_add_bulk
from .categories import normalize_name
from .models import GroceryList, ItemSet, StaplePin
from .quantity import normalize_spaces
from .selectors_sets import family_staples


def entries_as_json(entries: list[Entry]) -> list[dict[str, str]]:
    return [{"name": e.name, "quantity": e.quantity_text} for e in entries]


def set_entries(item_set: ItemSet) -> list[Entry]:
    return [
        Entry(name=str(e.get("name", "")), quantity_text=str(e.get("quantity", "")))
        for e in item_set.entries
        if str(e.get("name", "")).strip()
    ]


def _save_set(item_set: ItemSet) -> ItemSet:
    item_set.full_clean(exclude=["created_by", "family"])
    try:
        # A savepoint: the unique name check may fail and the caller's transaction go on.
        with transaction.atomic():
            item_set.save()
    except IntegrityError:
        raise ValidationError(
            {
                "name": _("Your family already has a set called “%(name)s”.")
                % {"name": item_set.name}
            }
        ) from None
    return item_set


def item_set_create(
    *, family: Family, actor: User | None, name: str, entries: list[Entry]
) -> ItemSet:
    with transaction.atomic():
        return _save_set(
            ItemSet(
                family=family,
                name=normalize_spaces(name),
                entries=entries_as_json(entries),
                created_by=actor,
            )
        )


def item_set_update(
    *, item_set: ItemSet, actor: User | None, name: str, entries: list[Entry]
) -> ItemSet:
    with transaction.atomic():
        item_set.name = normalize_spaces(name)
        item_set.entries = entries_as_json(entries)
        return _save_set(item_set)


def item_set_delete(*, item_set: ItemSet, actor: User | None) -> ItemSet:
    with transaction.atomic():
        item_set.delete()
    return item_set


def list_add_set(
    *, grocery_list: GroceryList, item_set: ItemSet, actor: User | None
) -> BulkAddResult:
    """Every entry of the set onto the list, merging quantities with what is needed."""
    if item_set.family_id != grocery_list.family_id:
        # Callers look the set up in the list's family; this is the invariant, not a check.
        raise ValidationError({"item_set": _("That set is not one of this family's.")})
    entries = set_entries(item_set)
    if not entries:
        raise ValidationError(
            {"item_set": _("“%(name)s” has no items yet.") % {"name": item_set.name}}
        )
    return items_add_bulk(grocery_list=grocery_list, actor=actor, entries=entries)


def staple_pin(*, family: Family, actor: User | None, name: str) -> StaplePin:
    """Pin a name as a staple (idempotent; pinning an unpinned name again restores it)."""
    name = normalize_spaces(name)
    key = normalize_name(name)[:200]
    if not key:
        raise ValidationError({"name": _("Type the name of a staple, e.g. “milk”.")})
    with transaction.atomic():
        pin = (
            StaplePin.all_objects.select_for_update()
            .filter(family=family, name_key=key)
            .order_by("deleted_at")  # the live one first, if any
            .first()
        )
        if pin is None:
            pin = StaplePin(family=family, name=name[:200], name_key=key, created_by=actor)
            try:
                with transaction.atomic():
                    pin.save()
            except IntegrityError:  # pinned by someone else at the same moment
                return StaplePin.objects.get(family=family, name_key=key)
        elif pin.deleted_at is not None:
            pin.restore()
    return pin


def staple_unpin(*, family: Family, actor: User | None, name: str) -> int:
    """Unpin (soft-delete) the family's pin for this name; the number unpinned (0 or 1)."""
    with transaction.atomic():
        count, _deleted = StaplePin.objects.filter(
            family=family, name_key=normalize_name(name)
        ).delete()
    return count


def list_add_staples(
    *, grocery_list: GroceryList, actor: User | None, names: list[str] | None = None
) -> BulkAddResult:
    """The family's staples onto the list (all of them, or those named that are staples)."""
    staples = family_staples(family_id=grocery_list.family_id)
    if names is not None:
        wanted = {normalize_name(name) for name in names}
        staples = [s for s in staples if normalize_name(s.name) in wanted]
    if not staples:
        message = (
            _("That is not one of your staples.")
            if names
            else _("No staples yet: pin some, or buy a few things twice.")
        )
        raise ValidationError({"name": message})
    return items_add_bulk(
        grocery_list=grocery_list, actor=actor, entries=[Entry(name=s.name) for s in staples]
    )


@retry_on_conflict
def list_create_from_staples(*, family: Family, actor: User | None, name: str) -> GroceryList:
    """A new list with the family's staples on it, in one transaction."""
    with transaction.atomic():
        grocery_list = services.list_create(family=family, actor=actor, name=name)
        list_add_staples(grocery_list=grocery_list, actor=actor)
    return grocery_list
