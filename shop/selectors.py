"""Reads for the shop: a store's learned aisle order and the "shopping at" panel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models.functions import Lower
from django.utils import timezone

from families.models import Family
from grocer.compiled import CompiledQuery

from . import hooks
from .aisles import learn_order
from .models import ShoppingChoice, Store, StoreTrip

TRIPS_LEARNED = 60  # with a 0.3 moving average, older trips weigh nothing anyway


def store_aisle_order(*, store: Store) -> list[str]:
    """The store's walking order: its base order plus what earlier days' trips taught.

    Today's trips do not count yet, so categories never move while someone shops.
    """
    trips = StoreTrip.objects.filter(store=store, day__lt=timezone.localdate())
    if store.aisle_order_set_at is not None:
        trips = trips.filter(created_at__gt=store.aisle_order_set_at)
    recent = list(trips.order_by("-day", "-created_at").values_list("categories", flat=True))
    return learn_order(store.aisle_order, reversed(recent[:TRIPS_LEARNED]))


@dataclass
class ShoppingAt:
    """The "shopping at" selector: the family's choice and what it can choose from."""

    store: Store | None
    stores: list[Store]
    vendors: list[Any]  # vendors the family can see that have no store yet
    order: list[str] | None
    # The panel `lists/detail.html` includes (see `lists.hooks.shopping_provider`).
    template: str = "shop/_shopping_at.html"


def _choice_query(*, family_id):
    return (
        ShoppingChoice.objects.filter(family_id=family_id, store__deleted_at=None)
        .select_related("store")
        .order_by("pk")[:1]
    )


def _stores_query(*, family_id):
    return Store.objects.filter(family_id=family_id).order_by(Lower("name"))


# Compiled once (grocer/compiled.py): every list page asks both, and building and
# compiling the querysets cost more CPU than the statements themselves.
_CHOICE = CompiledQuery(ShoppingChoice, _choice_query)
_STORES = CompiledQuery(Store, _stores_query)


def shopping_at(*, family: Family) -> ShoppingAt:
    """The family's current store with its learned order (four queries, three without one)."""
    choices = _CHOICE.run(family_id=family.pk)
    store = choices[0].store if choices else None
    stores = _STORES.run(family_id=family.pk)
    with_store = {s.vendor_id for s in stores if s.vendor_id}
    vendors = [v for v in hooks.vendors_list_for(family=family) if v.pk not in with_store]
    return ShoppingAt(
        store=store,
        stores=stores,
        vendors=vendors,
        order=store_aisle_order(store=store) if store else None,
    )
