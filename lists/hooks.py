"""What lists offers the apps built on it: lists never imports them, they subscribe here.

Subscribers connect from their `AppConfig.ready()`:

- `item_checked` (a signal) is sent by the services inside the write's transaction when
  an item leaves "needed" (into the cart or bought); receivers get `grocery_list` and
  `item`, and whatever they write commits or rolls back with the check-off.
- `shopping_provider` answers "where is this family shopping?" for the list page: an
  object with `order` (aisle order, or None for the built-in one), `store` (None when no
  store is chosen) and `template` (the panel the page includes), or None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.dispatch import Signal

from families.models import Family

item_checked = Signal()


class Shopping(Protocol):
    order: list[str] | None
    store: Any
    template: str


_shopping_provider: list[Callable[..., Shopping | None]] = []


def shopping_provider(func: Callable[..., Shopping | None]) -> Callable[..., Shopping | None]:
    """Register the one function called as `func(family=...)` for the list page."""
    _shopping_provider[:] = [func]
    return func


def shopping_for(*, family: Family) -> Shopping | None:
    if not _shopping_provider:
        return None
    return _shopping_provider[0](family=family)
