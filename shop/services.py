"""Every write to stores, their aisle order, the family's "shopping at" choice and
shopper links. Keyword-only, each inside `transaction.atomic`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from families.models import Family, User
from grocer.cache import cache_forget, cache_get_or_load
from lists.categories import DEFAULT_ORDER, complete_order
from lists.models import GroceryList
from lists.quantity import normalize_spaces

from .models import ShopperLink, ShoppingChoice, Store, StoreTrip


def store_create(*, family: Family, actor: User | None, name: str, vendor: Any = None) -> Store:
    """A store of the family; a vendor's store takes the vendor's name."""
    with transaction.atomic():
        store = Store(
            family=family,
            name=normalize_spaces(name),
            vendor=vendor,
            aisle_order=list(DEFAULT_ORDER),
            created_by=actor,
        )
        store.full_clean(exclude=["created_by", "vendor"])
        store.save()
    return store


def store_for_vendor(*, family: Family, vendor: Any, actor: User | None) -> Store:
    """The family's store for a vendor it can see (found through `shop.hooks`), made on
    first use."""
    store = Store.objects.filter(family=family, vendor=vendor).first()
    if store is not None:
        return store
    name = vendor.name
    if Store.objects.filter(family=family, name__iexact=name).exists():
        name = f"{name} ({vendor.pk.hex[:4]})"
    return store_create(family=family, actor=actor, name=name, vendor=vendor)


# Every check-off asks where the family is shopping: cached, dropped when the choice changes.
CHOSEN_STORE_TTL = 120


def _chosen_store_key(family_id: Any) -> str:
    return f"family:{family_id}:shopping-store"


def chosen_store_id(*, family_id: Any) -> str | None:
    """The id of the (live) store the family is shopping at, or None."""

    def load() -> str:
        store_id = (
            ShoppingChoice.objects.filter(family_id=family_id, store__deleted_at=None)
            .values_list("store_id", flat=True)
            .first()
        )
        return str(store_id) if store_id else ""  # "" is cached too: shopping nowhere

    return cache_get_or_load(_chosen_store_key(family_id), ttl=CHOSEN_STORE_TTL, load=load) or None


def shopping_choice_set(*, family: Family, store: Store | None) -> ShoppingChoice:
    """Remember where the family is shopping (shared by every member; None: nowhere)."""
    if store is not None and store.family_id != family.pk:
        raise ValidationError({"store": gettext("That store is not one of this family's.")})
    with transaction.atomic():
        choice, _ = ShoppingChoice.objects.update_or_create(
            family=family, defaults={"store": store}
        )
        transaction.on_commit(lambda: cache_forget(_chosen_store_key(family.pk)), robust=True)
    cache_forget(_chosen_store_key(family.pk))
    return choice


def store_aisle_order_set(*, store: Store, order: list[str], actor: User | None) -> Store:
    """Arrange a store's aisles by hand: the new base order; learning restarts from it."""
    with transaction.atomic():
        locked = Store.objects.select_for_update().get(pk=store.pk)
        locked.aisle_order = complete_order(order)
        locked.aisle_order_set_at = timezone.now()
        locked.save(update_fields=["aisle_order", "aisle_order_set_at", "updated_at"])
    store.aisle_order, store.aisle_order_set_at = locked.aisle_order, locked.aisle_order_set_at
    return store


def store_aisle_move(
    *, store: Store, category: str, direction: str, actor: User | None, current: list[str]
) -> Store:
    """Move one category an aisle earlier ("up") or later ("down") in `current`."""
    if category not in DEFAULT_ORDER or direction not in ("up", "down"):
        raise ValidationError({"category": gettext("Unknown aisle or direction.")})
    order = complete_order(current)
    index = order.index(category)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return store_aisle_order_set(store=store, order=order, actor=actor)


def store_trip_record_check(*, grocery_list: GroceryList, category: str) -> None:
    """Note a check-off in today's trip at the family's chosen store (first per category)."""
    store_id = chosen_store_id(family_id=grocery_list.family_id)
    if store_id is None:
        return
    with transaction.atomic():
        trip, _ = StoreTrip.objects.select_for_update().get_or_create(
            store_id=store_id,
            grocery_list=grocery_list,
            day=timezone.localdate(),
            defaults={"family_id": grocery_list.family_id},
        )
        if category not in trip.categories:
            trip.categories = [*trip.categories, category]
            trip.save(update_fields=["categories", "updated_at"])


def shopper_link_create(
    *, grocery_list: GroceryList, actor: User | None, name: str, hours: int
) -> ShopperLink:
    with transaction.atomic():
        link = ShopperLink(
            grocery_list=grocery_list,
            family_id=grocery_list.family_id,
            name=normalize_spaces(name),
            expires_at=timezone.now() + timedelta(hours=hours),
            created_by=actor,
        )
        link.full_clean(exclude=["created_by", "family"])
        link.save()
    return link


def shopper_link_revoke(*, link: ShopperLink, actor: User | None) -> ShopperLink:
    """Close a link now; its page answers 410 from the next request on."""
    with transaction.atomic():
        ShopperLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        link.refresh_from_db(fields=["revoked_at"])
    return link
