from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grocer.models import SoftDeleteQuerySet

if TYPE_CHECKING:
    from families.models import Family


class GroceryListQuerySet(SoftDeleteQuerySet):
    def for_family(self, family: Family) -> GroceryListQuerySet:
        return self.filter(family=family)

    def for_member(self, user: Any) -> GroceryListQuerySet:
        """Lists of the live families `user` belongs to: the family scoping of every list
        reached by id (see `lists.access`). Nothing for an anonymous user."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(family__deleted_at__isnull=True, family__memberships__user=user)

    def active(self) -> GroceryListQuerySet:
        return self.filter(status="active")


class ListItemQuerySet(SoftDeleteQuerySet):
    def for_member(self, user: Any) -> ListItemQuerySet:
        """Items on live lists of the live families `user` belongs to."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        # Through the item's own family: one join less than through its list.
        return self.filter(
            grocery_list__deleted_at__isnull=True,
            family__deleted_at__isnull=True,
            family__memberships__user=user,
        )
