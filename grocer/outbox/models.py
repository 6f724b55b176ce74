"""The transactional outbox: a Celery task to enqueue, kept in PostgreSQL until it is."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now


class OutboxMessage(models.Model):
    """One task call, written in the same transaction as the change that asks for it.

    The row is deleted once the broker took the message; while it exists the relay
    (`grocer.outbox.tasks.relay_outbox`, on beat) keeps trying. Big integer keys keep the
    relay's order the order of the writes.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["created_at"], name="outbox_created_idx")]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
