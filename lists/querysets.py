from __future__ import annotations

from typing import TYPE_CHECKING

from grocer.models import SoftDeleteQuerySet

if TYPE_CHECKING:
    from families.models import Family


class GroceryListQuerySet(SoftDeleteQuerySet):
    def for_family(self, family: Family) -> GroceryListQuerySet:
        return self.filter(family=family)

    def active(self) -> GroceryListQuerySet:
        return self.filter(status="active")


class ListItemQuerySet(SoftDeleteQuerySet):
    def for_family(self, family: Family) -> ListItemQuerySet:
        return self.filter(grocery_list__family=family)
