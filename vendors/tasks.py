"""Thin Celery tasks: load by id, call a service.

A send that must wait (retry backoff, open breaker) keeps its due time in PostgreSQL
(`ShareDelivery.next_attempt_at`) and no task at all: `dispatch_due_deliveries`, on beat
every WHATSAPP_DUE_SWEEP_SECONDS, enqueues the sends that are due. A countdown task would
sit unacknowledged in a worker that dies, and come back only after the broker's one-hour
visibility timeout.
"""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

from .delivery import Retry, Wait, deliveries_due, delivery_send
from .webhook import webhook_process

logger = get_task_logger(__name__)


@shared_task(acks_late=True, soft_time_limit=30, time_limit=45, ignore_result=True)
def deliver_share(delivery_id: str) -> str:
    """Send one ShareDelivery over WhatsApp at most once (see delivery_send)."""
    outcome = delivery_send(delivery_id=delivery_id)
    if isinstance(outcome, Wait):
        return "waiting"  # due again when the breaker lets a trial through
    if isinstance(outcome, Retry):
        return "retrying"  # due again after the backoff, counted on the row
    return outcome


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def dispatch_due_deliveries() -> int:
    """Beat: hand every due send (and every send a dead worker left claimed) to a worker."""
    ids = deliveries_due()
    for delivery_id in ids:
        deliver_share.delay(delivery_id)
    return len(ids)


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def requeue_stuck_deliveries() -> int:
    """The previous beat entry's name, for messages already queued at deploy time."""
    return dispatch_due_deliveries()


@shared_task(acks_late=True, soft_time_limit=30, time_limit=45, ignore_result=True)
def process_webhook(payload: dict) -> None:
    """Statuses and messages from a verified webhook POST."""
    webhook_process(payload=payload)
