"""The shop's subscriptions to the lists app's hooks, connected in `ShopConfig.ready()`."""

from __future__ import annotations

from lists import hooks as list_hooks
from lists.models import GroceryList, ListItem

from . import selectors, services


def _learn_from_check_off(sender, *, grocery_list: GroceryList, item: ListItem, **kwargs) -> None:
    # Inside the check-off's transaction: the trip is recorded with it or not at all.
    services.store_trip_record_check(grocery_list=grocery_list, category=item.category)


def connect() -> None:
    list_hooks.item_checked.connect(
        _learn_from_check_off, sender=ListItem, dispatch_uid="shop.learn_from_check_off"
    )
    list_hooks.shopping_provider(selectors.shopping_at)
