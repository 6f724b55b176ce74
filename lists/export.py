"""A list as plain text and as a printable page: what is still to buy, aisle by aisle.

Aisles come in the order of the store the family is shopping at (the shop app answers
through `lists.hooks.shopping_for`), else the built-in walking order. Purchased items
are left out: the printout is for the shop.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import hooks
from .cache import cached_list_items, items_from_json, items_to_json
from .models import GroceryList, ListItem
from .selectors import CategoryGroup, group_by_category, list_items


@dataclass
class ListExport:
    grocery_list: GroceryList
    groups: list[CategoryGroup]  # only aisles with something to buy
    store: object | None
    count: int


def list_for_export(*, grocery_list: GroceryList) -> ListExport:
    """The items still to buy (needed or in the cart) by aisle: one query, or none when cached."""
    shopping = hooks.shopping_for(family=grocery_list.family)
    # The list page's cache entry (same key, same encoding): a page view warms it for this.
    items = cached_list_items(
        grocery_list=grocery_list,
        load=lambda: list_items(grocery_list=grocery_list),
        encode=items_to_json,
        decode=items_from_json,
    )
    to_buy = [item for item in items if item.status != ListItem.Status.PURCHASED]
    groups = [
        group
        for group in group_by_category(to_buy, shopping.order if shopping else None)
        if group.items
    ]
    return ListExport(
        grocery_list=grocery_list,
        groups=groups,
        store=shopping.store if shopping else None,
        count=len(to_buy),
    )


def list_as_text(export: ListExport) -> str:
    """ "Weekly shop\\n\\nProduce\\n- tomatoes (2 kg)\\n..." : readable in any chat or notes app."""
    lines = [export.grocery_list.name]
    if export.store is not None:
        lines.append(_("Aisles as at %(store)s") % {"store": export.store})
    if not export.groups:
        lines += ["", _("Nothing left to buy.")]
    for group in export.groups:
        lines += ["", str(group.label)]
        for item in group.items:
            quantity = f" ({item.quantity_text})" if item.quantity_text else ""
            done = _(" [in the cart]") if item.status == ListItem.Status.IN_CART else ""
            lines.append(f"- {item.name}{quantity}{done}")
    return "\n".join(lines) + "\n"
