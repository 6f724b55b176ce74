"""Reads for the shop: a store's learned aisle order and the "shopping at" panel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models.functions import Lower
from django.utils import timezone

from families.models import Family

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


def shopping_at(*, family: Family) -> ShoppingAt:
    """The family's current store with its learned order (four queries, three without one)."""
    choice = (
        ShoppingChoice.objects.filter(family=family, store__deleted_at=None)
        .select_related("store")
        .first()
    )
    store = choice.store if choice else None
    stores = list(Store.objects.filter(family=family).order_by(Lower("name")))
    with_store = {s.vendor_id for s in stores if s.vendor_id}
    vendors = [v for v in hooks.vendors_for(family=family) if v.pk not in with_store]
    return ShoppingAt(
        store=store,
        stores=stores,
        vendors=vendors,
        order=store_aisle_order(store=store) if store else None,
    )
