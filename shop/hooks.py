"""What the shop offers the apps built on it: the shop never imports them.

A store can be a vendor's (`Store.vendor`); the vendors app, which sits above the shop,
tells it which vendors a family can see by registering `vendor_source` from its
`AppConfig.ready()`: a function called as `func(family=...)` returning a queryset of
vendors (each with `pk` and `name`), other families' own vendors left out, and
optionally `listing`, called the same way, returning the same vendors as a list faster
(every list page's "shopping at" panel asks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from families.models import Family

_vendor_source: list[Callable[..., Any]] = []
_vendor_listing: list[Callable[..., Any]] = []


def vendor_source(
    func: Callable[..., Any], *, listing: Callable[..., list] | None = None
) -> Callable[..., Any]:
    _vendor_source[:] = [func]
    _vendor_listing[:] = [listing] if listing else []
    return func


def vendors_for(*, family: Family) -> Any:
    """The vendors the family can see, as a queryset (empty list without a source)."""
    if not _vendor_source:
        return []
    return _vendor_source[0](family=family)


def vendors_list_for(*, family: Family) -> list:
    """The vendors the family can see, as a list (what `vendors_for` yields)."""
    if _vendor_listing:
        return _vendor_listing[0](family=family)
    return list(vendors_for(family=family))


def vendor_for(*, family: Family, vendor_id: Any) -> Any:
    """One vendor the family can see, or None."""
    if not _vendor_source:
        return None
    return _vendor_source[0](family=family).filter(pk=vendor_id).first()
