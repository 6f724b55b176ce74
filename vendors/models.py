from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from families.models import new_token
from grocer.models import SoftDeleteModel, TimeStampedModel

E164_VALIDATOR = RegexValidator(
    r"^\+[1-9]\d{6,14}$",
    _("Enter the number in international format, e.g. +34600111222."),
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
        db_index=False,  # led by `vendor_family_name_idx (family, name)`
    )
    name = models.CharField(max_length=120)
    whatsapp_number = models.CharField(
        max_length=16, validators=[E164_VALIDATOR], help_text="E.164, e.g. +34600111222"
    )
    contact_info = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True, max_length=2000)
    # What the vendor reads: their share page and the WhatsApp message (text or template)
    # are in this language, whoever in the family sends the list.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # The vendor's last message to us (from the webhook): free-form text may be sent for
    # 24 hours after it; outside that window only an approved template may be.
    last_inbound_at = models.DateTimeField(null=True, blank=True, editable=False)

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
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")
        RESPONDED = "responded", _("Responded")

    grocery_list = models.ForeignKey(
        "lists.GroceryList",
        on_delete=models.CASCADE,
        related_name="shares",
        db_index=False,  # led by `share_list_status_idx (grocery_list, status)`
    )
    # The tenant (the shard key, docs/scaling.md): always the list's family, enforced on
    # PostgreSQL by the composite foreign key `(grocery_list_id, family_id)`; the share's
    # answer, its lines and its deliveries carry it too, tied to the share's the same way.
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="+", editable=False
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
    # Shown to the family when the share failed: "The vendor's number is not on WhatsApp".
    failure_reason = models.CharField(max_length=300, blank=True)
    # Bumped by every (re-)send; the ShareDelivery with this number is the live one.
    send_count = models.PositiveIntegerField(default=0, editable=False)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        "families.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["grocery_list", "status"], name="share_list_status_idx")]
        constraints = [
            # The target of the answers' and deliveries' composite foreign keys (vendors 0009).
            models.UniqueConstraint(fields=["id", "family"], name="share_id_family_unique"),
            models.UniqueConstraint(
                fields=["grocery_list", "vendor"],
                condition=Q(deleted_at__isnull=True),
                name="share_one_live_per_list_vendor",
                violation_error_message="This list is already shared with that vendor.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grocery_list} → {self.vendor} ({self.status})"

    @property
    def link_state(self) -> str:
        """One of "revoked", "expired" or "open": whether the vendor's page answers."""
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"


class ShareDelivery(TimeStampedModel):
    """One send of a share over the API, and its idempotency record.

    The task claims the row (queued → sending, with a fresh claim token) with a
    conditional UPDATE committed *before* the POST, and writes the message id right
    after it. A run that finds the row already claimed never posts: at most one
    message per send. See README "Vendors and WhatsApp" for the crash window.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # A worker died between claiming and recording the answer: the message may or
        # may not have left. Never re-sent automatically; a webhook can still settle it.
        INTERRUPTED = "interrupted", "Interrupted"
        SUPERSEDED = "superseded", "Superseded"

    # Led by `delivery_one_per_send (share, number)`: no index of its own.
    share = models.ForeignKey(
        VendorShare, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    # The share's family (composite foreign key `(share_id, family_id)` on PostgreSQL).
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="+", editable=False
    )
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    send_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=10, blank=True, help_text="template or text")
    vendor_url = models.URLField(max_length=500)
    whatsapp_message_id = models.CharField(max_length=128, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    # Transient failures so far: the retry count. Kept here, not in a task, so neither a
    # breaker wait nor a dead worker resets it.
    retries = models.PositiveIntegerField(default=0)
    # A queued send is due at this time (retry backoff, breaker wait); the beat task
    # `dispatch_due_deliveries` hands due rows to a worker. PostgreSQL holds every wait,
    # so a worker killed while sends wait loses none of them.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a task was last enqueued for the row: the sweep does not enqueue it again
    # until WHATSAPP_DISPATCH_LEASE_SECONDS have passed (the task was lost).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "share deliveries"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "send_started_at"], name="delivery_state_idx"),
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["share", "number"], name="delivery_one_per_send"),
        ]

    def __str__(self) -> str:
        return f"{self.share_id} #{self.number} ({self.state})"


class WebhookReceipt(TimeStampedModel):
    """One (message id, status) seen from the webhook: Meta retries for days, so a
    repeat finds this row and changes nothing."""

    whatsapp_message_id = models.CharField(max_length=128)
    status = models.CharField(max_length=20)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["whatsapp_message_id", "status"], name="receipt_unique_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.whatsapp_message_id} {self.status}"


class VendorAnswer(TimeStampedModel):
    """The vendor's reply to a share: one per share, edited in place until ordered."""

    share = models.OneToOneField(VendorShare, on_delete=models.CASCADE, related_name="answer")
    # The share's family (composite foreign key `(share_id, family_id)` on PostgreSQL).
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="+", editable=False
    )
    note = models.TextField(blank=True, max_length=1000)
    delivery_time = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Hash of the submitted content: an identical re-submit changes nothing.
    fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        constraints = [
            # The target of the lines' composite foreign key (vendors 0009, PostgreSQL).
            models.UniqueConstraint(fields=["id", "family"], name="answer_id_family_unique"),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.share}"


class VendorAnswerLine(TimeStampedModel):
    class Availability(models.TextChoices):
        AVAILABLE = "available", _("Available")
        UNAVAILABLE = "unavailable", _("Not available")
        SUBSTITUTE = "substitute", _("Substitute")

    # Led by `answerline_one_per_item (answer, list_item)`: no index of its own.
    answer = models.ForeignKey(
        VendorAnswer, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    # The answer's family (composite foreign key `(answer_id, family_id)` on PostgreSQL).
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="+", editable=False
    )
    list_item = models.ForeignKey(
        "lists.ListItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Snapshot of the item as the vendor saw it.
    name = models.CharField(max_length=200)
    quantity_text = models.CharField(max_length=50, blank=True)
    availability = models.CharField(
        max_length=12, choices=Availability.choices, default=Availability.AVAILABLE
    )
    substitute = models.CharField(max_length=200, blank=True)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    position = models.IntegerField(default=0)

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "list_item"], name="answerline_one_per_item"),
            models.CheckConstraint(
                condition=Q(unit_price__isnull=True) | Q(unit_price__gte=0),
                name="answerline_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name
