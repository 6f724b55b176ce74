from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from lists.models import GroceryList

from .models import Membership, User


def family_memberships_for_home(*, user: User) -> QuerySet[Membership]:
    """The user's live families with their active lists, in two queries."""
    return (
        Membership.objects.filter(user=user, family__deleted_at__isnull=True)
        .select_related("family")
        .prefetch_related(
            Prefetch(
                "family__lists",
                queryset=GroceryList.objects.active().order_by("name"),
                to_attr="active_lists",
            )
        )
        .order_by("family__name")
    )
