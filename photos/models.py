"""One row per stored photo: item photos, vendor logos and user avatars.

A row exists only for an upload the server has checked (present, at most the size
limit, a real image). The objects live in the default storage under `key` and
`thumbnail_key`; the row is the only record of them, so rows are deleted only together
with their objects (see `services.photo_remove` and `services.photos_purge_deleted`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from grocer.models import TimeStampedModel


class Photo(TimeStampedModel):
    class Kind(models.TextChoices):
        ITEM = "item", "Item photo"
        LOGO = "logo", "Vendor logo"
        AVATAR = "avatar", "Avatar"

    class Status(models.TextChoices):
        PENDING = "pending", "Preparing thumbnail"
        READY = "ready", "Ready"
        FAILED = "failed", "Thumbnail failed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The tenant, for item photos and family vendors' logos: every query starts here.
    family = models.ForeignKey(
        "families.Family",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # led by `photo_family_kind_idx (family, kind)`
    )
    item = models.OneToOneField(
        "lists.ListItem", on_delete=models.CASCADE, null=True, blank=True, related_name="photo"
    )
    vendor = models.OneToOneField(
        "vendors.Vendor", on_delete=models.CASCADE, null=True, blank=True, related_name="logo"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="avatar",
    )
    key = models.CharField(max_length=300, unique=True, editable=False)
    thumbnail_key = models.CharField(max_length=300, blank=True, editable=False)
    content_type = models.CharField(max_length=40, editable=False)
    size = models.PositiveIntegerField(editable=False)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["family", "kind"], name="photo_family_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="item", item__isnull=False, vendor__isnull=True, user__isnull=True)
                    | Q(kind="logo", item__isnull=True, vendor__isnull=False, user__isnull=True)
                    | Q(kind="avatar", item__isnull=True, vendor__isnull=True, user__isnull=False)
                ),
                name="photo_one_owner_of_its_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="item") | Q(family__isnull=False),
                name="photo_item_has_family",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"

    @property
    def owner_id(self):
        return self.item_id or self.vendor_id or self.user_id
