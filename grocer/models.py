"""Abstract base models shared by every app: UUID keys, timestamps and soft delete."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone


class TimeStampedModel(models.Model):
    """UUID primary key plus database-maintained timestamps.

    `created_at` is filled by the database. On PostgreSQL a trigger (see
    `grocer.db.updated_at_trigger`) keeps `updated_at` correct for `QuerySet.update()` and
    bulk writes too, which skip `auto_now`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now(), editable=False)

    class Meta:
        abstract = True


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self) -> SoftDeleteQuerySet:
        return self.filter(deleted_at__isnull=True)

    def dead(self) -> SoftDeleteQuerySet:
        return self.filter(deleted_at__isnull=False)

    def delete(self) -> tuple[int, dict[str, int]]:  # type: ignore[override]
        """Soft-delete: rows stay, hidden from the default manager, restorable."""
        count = self.filter(deleted_at__isnull=True).update(deleted_at=timezone.now())
        return count, {self.model._meta.label: count}

    def hard_delete(self) -> tuple[int, dict[str, int]]:
        return super().delete()

    def restore(self) -> int:
        return self.filter(deleted_at__isnull=False).update(deleted_at=None)


class AliveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):  # type: ignore[misc]
    """The default manager: hides soft-deleted rows."""

    def get_queryset(self) -> SoftDeleteQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


AllObjectsManager = models.Manager.from_queryset(SoftDeleteQuerySet)


class SoftDeleteModel(TimeStampedModel):
    """`delete()` hides a row; `restore()` brings it back; `hard_delete()` really deletes.

    Children are not cascaded automatically (CASCADE fires on real deletes only):
    services soft-delete what belongs together. Related-object access goes through
    the unfiltered base manager so that history (an order pointing at a deleted item)
    still resolves.
    """

    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)

    objects = AliveManager()
    all_objects = AllObjectsManager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def delete(self, using=None, keep_parents=False):  # type: ignore[override]
        if self.deleted_at is None:
            self.deleted_at = timezone.now()
            type(self).all_objects.filter(pk=self.pk).update(deleted_at=self.deleted_at)
        return 1, {self._meta.label: 1}

    def hard_delete(self, using=None, keep_parents=False):
        return super().delete(using=using, keep_parents=keep_parents)

    def restore(self) -> None:
        if self.deleted_at is not None:
            type(self).all_objects.filter(pk=self.pk).update(deleted_at=None)
            self.deleted_at = None
