from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grocer.models import SoftDeleteModel, TimeStampedModel


def default_currency() -> str:
    return settings.GROCER_CURRENCY


class Order(SoftDeleteModel):
    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        CONFIRMED = "confirmed", _("Confirmed")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    # Led by `order_family_status_idx (family, status)`: no index of its own.
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="orders", db_index=False
    )
    grocery_list = models.ForeignKey(
        "lists.GroceryList", on_delete=models.PROTECT, related_name="orders"
    )
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="orders")
    share = models.ForeignKey(
        "vendors.VendorShare",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLACED)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default=default_currency)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    delivery_time = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, max_length=1000)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["family", "status"], name="order_family_status_idx")]
        constraints = [
            # The target of the lines' composite foreign key (orders 0006, PostgreSQL).
            models.UniqueConstraint(fields=["id", "family"], name="order_id_family_unique"),
            # A double click on "Place order" must not order twice.
            models.UniqueConstraint(
                fields=["share"],
                condition=Q(deleted_at__isnull=True) & ~Q(status="cancelled"),
                name="order_one_open_per_share",
                violation_error_message="An order was already placed from this answer.",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="order_currency_iso"
            ),
        ]

    def __str__(self) -> str:
        return f"Order {str(self.id)[:8]} ({self.status})"


class OrderLine(TimeStampedModel):
    """A snapshot of one item as ordered: later edits to the list never change it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # The tenant (the shard key, docs/scaling.md): always the order's family, which the
    # composite foreign key `(order_id, family_id)` enforces on PostgreSQL.
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="+", editable=False
    )
    list_item = models.ForeignKey(
        "lists.ListItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    quantity_text = models.CharField(max_length=50, blank=True)
    available = models.BooleanField(default=True)
    substitute = models.CharField(max_length=200, blank=True)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    line_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__isnull=True) | Q(unit_price__gte=0),
                name="orderline_price_not_negative",
            ),
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="orderline_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name
