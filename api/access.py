"""Objects reached by id, always through the asking user's memberships.

Another family's object (or one that does not exist) is the same 404. Every route
uses these; nothing under /api/v1 calls `.get(pk=...)` on its own.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from families.access import membership_or_404
from families.models import Membership, User
from lists.access import access_list
from lists.models import GroceryList, ListItem
from orders.models import Order
from vendors.models import VendorShare


def family_membership(*, user: User, family_id: UUID) -> Membership:
    return membership_or_404(user=user, family_id=family_id)


def list_for(*, user: User, list_id: UUID, include_deleted: bool = False) -> GroceryList:
    grocery_list, _ = access_list(user=user, list_id=list_id, include_deleted=include_deleted)
    return grocery_list


def item_for(*, user: User, item_id: UUID, include_deleted: bool = False) -> ListItem:
    manager = ListItem.all_objects if include_deleted else ListItem.objects
    item = (
        manager.for_member(user).filter(pk=item_id).select_related("grocery_list__family").first()
    )
    if item is None:
        raise Http404("No such item.")
    return item


def share_for(*, user: User, share_id: UUID) -> VendorShare:
    share = (
        VendorShare.objects.filter(
            pk=share_id,
            grocery_list__deleted_at__isnull=True,
            grocery_list__family__memberships__user=user,
            grocery_list__family__deleted_at__isnull=True,
        )
        .select_related("grocery_list__family", "vendor")
        .first()
    )
    if share is None:
        raise Http404("No such share.")
    return share


def order_for(*, user: User, order_id: UUID) -> tuple[Order, Membership]:
    order = (
        Order.objects.filter(
            pk=order_id,
            family__memberships__user=user,
            family__deleted_at__isnull=True,
        )
        .select_related("family")
        .first()
    )
    if order is None:
        raise Http404("No such order.")
    return order, family_membership(user=user, family_id=order.family_id)
