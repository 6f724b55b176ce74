"""Where a family shops: stores, their aisle order, trips, and shopper links.

The tables were created by the lists app (migration lists 0004) and moved here with
their rows (see shop/migrations/0001_initial.py).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from families.models import new_token
from grocer.models import AliveManager, SoftDeleteModel, TimeStampedModel


class Store(SoftDeleteModel):
    """Where a family shops: a vendor, or a store added just for its aisle order.

    `aisle_order` is the base walking order (every category, first aisle first): the
    built-in one until a family admin arranges it by hand, which also sets
    `aisle_order_set_at`. The order shown is learned on top of it from the trips
    recorded since (see `shop.aisles`).
    """

    family = models.ForeignKey("families.Family", on_delete=models.CASCADE, related_name="stores")
    name = models.CharField(max_length=120)
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    aisle_order = models.JSONField(default=list, blank=True)
    aisle_order_set_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = AliveManager()
    all_objects = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        constraints = [
            # The target of the trips' composite foreign key (shop 0004, PostgreSQL).
            models.UniqueConstraint(fields=["id", "family"], name="store_id_family_unique"),
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="store_name_not_blank"),
            models.UniqueConstraint(
                Lower("name"),
                "family",
                condition=Q(deleted_at__isnull=True),
                name="store_unique_name_per_family",
                violation_error_message="The family already has a store with that name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StoreTrip(TimeStampedModel):
    """One list shopped at one store on one day: the categories in check-off order."""

    # Led by `store_trip_store_day_idx (store, day)`: no index of its own.
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="trips", db_index=False)
    grocery_list = models.ForeignKey(
        "lists.GroceryList", on_delete=models.CASCADE, related_name="+"
    )
    # The tenant: the store's family and the list's, which two composite foreign keys
    # `(store_id, family_id)` and `(grocery_list_id, family_id)` enforce on PostgreSQL: a
    # trip never mixes one family's store with another's list.
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="+", editable=False
    )
    day = models.DateField()
    categories = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "grocery_list", "day"], name="store_trip_one_per_day"
            ),
        ]
        indexes = [models.Index(fields=["store", "day"], name="store_trip_store_day_idx")]

    def __str__(self) -> str:
        return f"{self.store} {self.day}: {', '.join(self.categories)}"


class ShoppingChoice(TimeStampedModel):
    """The store the family last chose in "shopping at", shared by every member."""

    family = models.OneToOneField(
        "families.Family", on_delete=models.CASCADE, related_name="shopping_choice"
    )
    store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.family}: {self.store or 'no store'}"


def shopper_link_expiry():
    return timezone.now() + timedelta(days=1)


class ShopperLink(TimeStampedModel):
    """A revocable, expiring link that lets someone without an account shop a list.

    The shopper can check items and write notes, nothing else; their changes are
    attributed to "shopper (<name>)".
    """

    grocery_list = models.ForeignKey(
        "lists.GroceryList", on_delete=models.CASCADE, related_name="shopper_links"
    )
    # The tenant: the list's family (composite foreign key on PostgreSQL, shop 0006).
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="+", editable=False
    )
    name = models.CharField(max_length=60)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    expires_at = models.DateTimeField(default=shopper_link_expiry)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="shopper_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.grocery_list}"

    @property
    def actor_label(self) -> str:
        return f"shopper ({self.name})"

    @property
    def is_open(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
