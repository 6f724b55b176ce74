"""Enqueue Celery tasks so that a broker outage can neither fail the request nor lose them.

`outbox_enqueue` writes an `OutboxMessage` in the caller's transaction and, once it
commits, tries to publish it at once (the fast path) and delete the row. When the broker is
unreachable that attempt is logged and swallowed (the data is already committed, the
request must not answer 500), and the row stays: `outbox_relay` (a beat task every
OUTBOX_RELAY_SECONDS) publishes whatever is left once the broker is back.

Delivery is at least once: a fast path that stalls longer than OUTBOX_RELAY_GRACE_SECONDS
may race the relay and publish twice, so the tasks behind it are idempotent (a push
carries a Topic, a thumbnail is rebuilt identically, webhook statuses are deduplicated).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)


def outbox_enqueue(*, task: str, args: list[Any] | tuple[Any, ...] = (), **kwargs: Any) -> None:
    """Queue `task(*args, **kwargs)` to run after the surrounding transaction commits.

    Arguments must be JSON-serializable (ids, not model instances). Outside a transaction
    the row is committed at once and published right after.
    """
    message = OutboxMessage.objects.create(task=task, args=list(args), kwargs=kwargs)
    transaction.on_commit(
        partial(_publish_now, message_id=message.pk, task=task, args=list(args), kwargs=kwargs),
        robust=True,
    )


def _task(name: str):
    """The task object for a dotted name (its module imported: the web process has not
    necessarily loaded every app's tasks)."""
    module, _, attribute = name.rpartition(".")
    return getattr(import_module(module), attribute)


def _publish(*, task: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    # One immediate reconnect (a pooled connection may predate a broker restart), then
    # give up instead of blocking the request in kombu's reconnect loop: the relay
    # tries again later.
    _task(task).apply_async(
        args=args,
        kwargs=kwargs,
        retry=True,
        retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0},
    )


def _publish_now(*, message_id: int, task: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    try:
        _publish(task=task, args=args, kwargs=kwargs)
    except Exception as exc:
        logger.warning("Broker unavailable; %s stays in the outbox for the relay: %s", task, exc)
        return
    OutboxMessage.objects.filter(pk=message_id).delete()


def outbox_relay(*, batch: int = 200) -> int:
    """Publish the messages the fast path could not; returns how many went out.

    Rows younger than the grace period are left to their own fast path. Rows are locked
    with SKIP LOCKED, so two relays never publish the same row; the first publish error
    (the broker is still down) ends the run, keeping the order.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_RELAY_GRACE_SECONDS)
    published: list[int] = []
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(created_at__lte=cutoff)
            .order_by("id")[:batch]
        )
        for row in rows:
            try:
                _publish(task=row.task, args=row.args, kwargs=row.kwargs)
            except Exception as exc:
                OutboxMessage.objects.filter(pk=row.pk).update(
                    attempts=row.attempts + 1, last_error=str(exc)[:1000]
                )
                logger.warning("Outbox relay stopped: %s", exc)
                break
            published.append(row.pk)
        OutboxMessage.objects.filter(pk__in=published).delete()
    return len(published)
