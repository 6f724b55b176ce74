"""Reads for the vendor, share and answer pages."""

from __future__ import annotations

import re
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from families.models import Family
from grocer.compiled import CompiledQuery
from lists.models import GroceryList, ListItem

from .models import Vendor, VendorAnswerLine, VendorShare

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def vendors_for_family(*, family: Family) -> QuerySet[Vendor]:
    """The global directory plus the family's own vendors; other families' stay hidden."""
    return (
        Vendor.objects.filter(Q(family__isnull=True) | Q(family=family))
        .select_related("logo")
        .order_by("name", "id")
    )


# Compiled once (grocer/compiled.py): every list page's "shopping at" panel lists them,
# and building and compiling the queryset cost more CPU than its statement.
_VENDORS = CompiledQuery(
    Vendor, lambda *, family_id: vendors_for_family(family=Family(pk=family_id))
)


def vendors_list_for_family(*, family: Family) -> list[Vendor]:
    """`vendors_for_family`'s vendors as a list (one query)."""
    return _VENDORS.run(family_id=family.pk)


def vendor_for_family_or_404(*, family: Family, vendor_id: UUID | str) -> Vendor:
    vendor = vendors_for_family(family=family).filter(pk=vendor_id).first()
    if vendor is None:
        raise Http404("No such vendor.")
    return vendor


def shares_for_list(*, grocery_list: GroceryList) -> QuerySet[VendorShare]:
    return (
        VendorShare.objects.filter(grocery_list=grocery_list)
        .select_related("vendor", "answer")
        # Orders placed from each share (the orders app's reverse relation, by name).
        .prefetch_related("orders")
        .order_by("-created_at")
    )


def share_for_list_or_404(*, grocery_list: GroceryList, share_id: UUID | str) -> VendorShare:
    share = (
        VendorShare.objects.filter(grocery_list=grocery_list, pk=share_id)
        .select_related("vendor", "grocery_list__family")
        .prefetch_related(
            Prefetch("answer__lines", queryset=VendorAnswerLine.objects.order_by("position"))
        )
        .first()
    )
    if share is None:
        raise Http404("No such share.")
    return share


def share_for_token(*, token: str) -> VendorShare | None:
    """The share behind a vendor link (alive, with a live list and family), or None."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None  # never let junk (NUL bytes, megabytes) reach the database
    return (
        VendorShare.objects.filter(
            token=token,
            grocery_list__deleted_at__isnull=True,
            grocery_list__family__deleted_at__isnull=True,
        )
        .select_related("vendor", "grocery_list__family")
        .first()
    )


def items_for_vendor(*, share: VendorShare) -> QuerySet[ListItem]:
    """What the vendor is asked for: the list's items not yet bought."""
    return (
        ListItem.objects.filter(grocery_list_id=share.grocery_list_id)
        .exclude(status=ListItem.Status.PURCHASED)
        .order_by("position", "created_at")
    )
