from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Now
from django.utils import timezone

from families.models import new_token
from grocer.models import AliveManager, SoftDeleteModel, TimeStampedModel

from .querysets import GroceryListQuerySet, ListItemQuerySet


class Category(models.TextChoices):
    """Aisle categories, in a sensible default walking order."""

    PRODUCE = "produce", "Produce"
    BAKERY = "bakery", "Bakery"
    DAIRY = "dairy", "Dairy"
    MEAT_FISH = "meat_fish", "Meat & fish"
    FROZEN = "frozen", "Frozen"
    PANTRY = "pantry", "Pantry"
    DRINKS = "drinks", "Drinks"
    HOUSEHOLD = "household", "Household"
    OTHER = "other", "Other"


class GroceryList(SoftDeleteModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"
        ORDERED = "ordered", "Ordered"

    family = models.ForeignKey("families.Family", on_delete=models.CASCADE, related_name="lists")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The seq of the newest ListEvent; bumped under the row lock by services.
    last_seq = models.PositiveBigIntegerField(default=0, editable=False)
    # Bumped by every change to the list itself (not its items): the API's ETag.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = AliveManager.from_queryset(GroceryListQuerySet)()
    all_objects = models.Manager.from_queryset(GroceryListQuerySet)()

    class Meta:
        base_manager_name = "all_objects"
        indexes = [models.Index(fields=["family", "status"], name="list_family_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="list_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class ListItem(SoftDeleteModel):
    class Status(models.TextChoices):
        NEEDED = "needed", "Needed"
        IN_CART = "in_cart", "In cart"
        PURCHASED = "purchased", "Purchased"

    grocery_list = models.ForeignKey(GroceryList, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(max_length=200)
    quantity_text = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEEDED)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_items",
    )
    note = models.TextField(blank=True, max_length=1000)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    position = models.IntegerField(default=0)
    # Optimistic concurrency: every accepted change bumps it; a write based on an older
    # version is merged field by field or refused, never applied blindly.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = AliveManager.from_queryset(ListItemQuerySet)()
    all_objects = models.Manager.from_queryset(ListItemQuerySet)()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["position", "created_at"]
        indexes = [models.Index(fields=["grocery_list", "status"], name="item_list_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="item_name_not_blank"),
            models.CheckConstraint(condition=Q(version__gte=1), name="item_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity_text} {self.name}".strip()


class ListEvent(TimeStampedModel):
    """Append-only log of what happened to a list; `seq` increases by one per list.

    Feeds the activity feed, undo and real-time catch-up. Never updated or deleted
    by the application.
    """

    grocery_list = models.ForeignKey(GroceryList, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who did it, as shown in the feed, kept even if the user goes away (or for a
    # shopper link, which has no user).
    actor_label = models.CharField(max_length=120, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["grocery_list", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["grocery_list", "seq"], name="event_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.type}"


class CategoryPreference(TimeStampedModel):
    """A family's own aisle for an item name, remembered when they move an item.

    Wins over the built-in map the next time anyone in the family adds that name.
    """

    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="category_preferences"
    )
    # `lists.categories.normalize_name` of the item name: case- and spacing-insensitive.
    name_key = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Category.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["family", "name_key"], name="category_pref_one_per_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_key} → {self.category}"


class AppliedChange(models.Model):
    """One client change (add, status, edit), applied at most once per idempotency key.

    The browser queues changes while offline and replays them later, maybe twice (a
    retried request whose answer was lost). The key is claimed in the same transaction as
    the change, so a replay finds it and gets the stored `result` back instead of being
    applied again. Conflicts are stored too: replaying a refused change stays refused.
    """

    key = models.UUIDField(primary_key=True)
    grocery_list = models.ForeignKey(
        GroceryList, on_delete=models.CASCADE, related_name="applied_changes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10)
    # What the client needs to render the outcome: outcome, item_id, messages, current values.
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="applied_change_created_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Store(SoftDeleteModel):
    """Where a family shops: a vendor, or a store added just for its aisle order.

    `aisle_order` is the base walking order (every category, first aisle first): the
    built-in one until a family admin arranges it by hand, which also sets
    `aisle_order_set_at`. The order shown is learned on top of it from the trips
    recorded since (see `lists.aisles`).
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

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="trips")
    grocery_list = models.ForeignKey(GroceryList, on_delete=models.CASCADE, related_name="+")
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
        GroceryList, on_delete=models.CASCADE, related_name="shopper_links"
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
