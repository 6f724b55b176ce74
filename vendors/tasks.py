"""Thin Celery tasks: load by id, call a service, retry."""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from .delivery import Retry, Wait, deliveries_stuck, delivery_give_up, delivery_send
from .webhook import webhook_process

logger = get_task_logger(__name__)

# Backoff: 2, 4, 8 ... seconds with full jitter, capped well under the broker's one-hour
# visibility timeout (a longer countdown would be redelivered while still waiting).
BACKOFF_FACTOR = 2
BACKOFF_MAX = 600


@shared_task(bind=True, acks_late=True, soft_time_limit=30, time_limit=45, ignore_result=True)
def deliver_share(self, delivery_id: str) -> str:
    """Send one ShareDelivery over WhatsApp at most once (see delivery_send)."""
    outcome = delivery_send(delivery_id=delivery_id)
    if isinstance(outcome, Wait):
        # Not an attempt: the circuit is open or another run may still be posting.
        if self.request.is_eager:
            return "waiting"  # inline there is no later; the row stays queued
        self.apply_async(args=[delivery_id], countdown=min(outcome.seconds, BACKOFF_MAX))
        return "waiting"
    if isinstance(outcome, Retry):
        max_retries = settings.WHATSAPP_MAX_RETRIES
        if self.request.retries >= max_retries:
            delivery_give_up(delivery_id=delivery_id)
            return "gave up"
        countdown = get_exponential_backoff_interval(
            BACKOFF_FACTOR, self.request.retries, BACKOFF_MAX, full_jitter=True
        )
        logger.info("WhatsApp send %s: %s; retry in %ss", delivery_id, outcome.reason, countdown)
        raise self.retry(countdown=max(1, countdown), max_retries=max_retries)
    return outcome


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def requeue_stuck_deliveries() -> int:
    """Beat, every 5 minutes: sends whose task was never enqueued (broker down at commit)
    or lost get their task again. The claim makes a second task for a row harmless."""
    ids = deliveries_stuck()
    for delivery_id in ids:
        deliver_share.delay(delivery_id)
    return len(ids)


@shared_task(acks_late=True, soft_time_limit=30, time_limit=45, ignore_result=True)
def process_webhook(payload: dict) -> None:
    """Statuses and messages from a verified webhook POST."""
    webhook_process(payload=payload)
