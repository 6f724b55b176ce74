from __future__ import annotations

from datetime import timedelta

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from families.models import new_token
from grocer.models import SoftDeleteModel

E164_VALIDATOR = RegexValidator(
    r"^\+[1-9]\d{6,14}$",
    "Enter the number in international format, e.g. +34600111222.",
)
SHARE_LINK_LIFETIME = timedelta(days=14)


def share_link_expiry():
    return timezone.now() + SHARE_LINK_LIFETIME


class Vendor(SoftDeleteModel):
    """A shop the family can send lists to; global when `family` is empty."""

    family = models.ForeignKey(
        "families.Family",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="vendors",
        help_text="Empty for a vendor every family can use.",
    )
    name = models.CharField(max_length=120)
    whatsapp_number = models.CharField(
        max_length=16, validators=[E164_VALIDATOR], help_text="E.164, e.g. +34600111222"
    )
    contact_info = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True, max_length=2000)

    class Meta:
        indexes = [models.Index(fields=["family", "name"], name="vendor_family_name_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="vendor_name_not_blank"),
            models.CheckConstraint(
                condition=Q(whatsapp_number__regex=r"^\+[1-9][0-9]{6,14}$"),
                name="vendor_whatsapp_e164",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_global(self) -> bool:
        return self.family_id is None


class VendorShare(SoftDeleteModel):
    """A list sent to a vendor: the WhatsApp delivery and the vendor's private link."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        READ = "read", "Read"
        FAILED = "failed", "Failed"
        RESPONDED = "responded", "Responded"

    grocery_list = models.ForeignKey(
        "lists.GroceryList", on_delete=models.CASCADE, related_name="shares"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="shares")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(blank=True, max_length=1000)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    expires_at = models.DateTimeField(default=share_link_expiry)
    revoked_at = models.DateTimeField(null=True, blank=True)
    whatsapp_message_id = models.CharField(max_length=128, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        "families.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["grocery_list", "status"], name="share_list_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["grocery_list", "vendor"],
                condition=Q(deleted_at__isnull=True),
                name="share_one_live_per_list_vendor",
                violation_error_message="This list is already shared with that vendor.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grocery_list} → {self.vendor} ({self.status})"
