from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grocer.models import AliveManager, SoftDeleteModel, TimeStampedModel

from .querysets import GroceryListQuerySet, ListItemQuerySet


class Category(models.TextChoices):
    """Aisle categories, in a sensible default walking order."""

    PRODUCE = "produce", _("Produce")
    BAKERY = "bakery", _("Bakery")
    DAIRY = "dairy", _("Dairy")
    MEAT_FISH = "meat_fish", _("Meat & fish")
    FROZEN = "frozen", _("Frozen")
    PANTRY = "pantry", _("Pantry")
    DRINKS = "drinks", _("Drinks")
    HOUSEHOLD = "household", _("Household")
    OTHER = "other", _("Other")


class GroceryList(SoftDeleteModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")
        ORDERED = "ordered", _("Ordered")

    # Led by `list_family_status_idx (family, status)`: no index of its own.
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="lists", db_index=False
    )
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
            # The target of the items' and events' composite foreign keys
            # `(grocery_list_id, family_id)` (PostgreSQL, migration lists 0010): a row's
            # family is always its list's.
            models.UniqueConstraint(fields=["id", "family"], name="list_id_family_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ListItem(SoftDeleteModel):
    class Status(models.TextChoices):
        NEEDED = "needed", _("Needed")
        IN_CART = "in_cart", _("In cart")
        PURCHASED = "purchased", _("Purchased")

    # Led by `item_list_status_idx (grocery_list, status)`: no index of its own.
    grocery_list = models.ForeignKey(
        GroceryList, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    # The tenant (the shard key, docs/scaling.md): always the list's family, which the
    # composite foreign key `(grocery_list_id, family_id)` enforces on PostgreSQL. Led by
    # `item_family_name_idx (family_id, lower(name) text_pattern_ops)` there.
    family = models.ForeignKey(
        "families.Family",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        editable=False,
    )
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

    # Led by `event_unique_seq (grocery_list, seq)`: no index of its own.
    grocery_list = models.ForeignKey(
        GroceryList, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    # The tenant, always the list's family (composite foreign key on PostgreSQL, as for
    # items). Led by `event_family_created_idx`, which serves the family's feed.
    family = models.ForeignKey(
        "families.Family",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        editable=False,
    )
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
        indexes = [models.Index(fields=["family", "created_at"], name="event_family_created_idx")]
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
        "families.Family",
        on_delete=models.CASCADE,
        related_name="category_preferences",
        db_index=False,  # led by `category_pref_one_per_name (family, name_key)`
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
    # The tenant: the list's family (composite foreign key on PostgreSQL, lists 0013).
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="+", editable=False
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


def shopper_link_expiry():
    """Kept for migration 0004, which created the shopper links here before they moved to
    the shop app (`shop.models.shopper_link_expiry` is the one in use)."""
    return timezone.now() + timedelta(days=1)


class ItemSet(SoftDeleteModel):
    """A saved set of items a family adds to any list at once: a recipe, "party", "baby".

    The entries are a JSON list of `{"name", "quantity"}` rather than rows of their own:
    a set is read and written whole (edited as lines of text, added as one batch), never
    queried by entry, so one row per set is one read and one write.
    """

    family = models.ForeignKey(
        "families.Family",
        on_delete=models.CASCADE,
        related_name="item_sets",
        db_index=False,  # led by `item_set_one_name_per_family (family, lower(name))`
    )
    name = models.CharField(max_length=100)
    entries = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="item_set_name_not_blank"),
            models.UniqueConstraint(
                "family",
                Lower("name"),
                condition=Q(deleted_at__isnull=True),
                name="item_set_one_name_per_family",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StaplePin(SoftDeleteModel):
    """A name the family always wants offered as a staple, bought often or not.

    Unpinning soft-deletes; pinning the same name again brings the row back.
    """

    family = models.ForeignKey(
        "families.Family",
        on_delete=models.CASCADE,
        related_name="staple_pins",
        db_index=False,  # led by `staple_pin_one_per_name (family, name_key)`
    )
    name = models.CharField(max_length=200)
    # `lists.categories.normalize_name` of the name: case- and spacing-insensitive.
    name_key = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["name_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "name_key"],
                condition=Q(deleted_at__isnull=True),
                name="staple_pin_one_per_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name
