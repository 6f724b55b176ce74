"""Thin Celery tasks: load by id, call a service.

A send that must wait (retry backoff, open breaker) keeps its due time in PostgreSQL
(`ShareDelivery.next_attempt_at`) and no task at all: `dispatch_due_deliveries`, on beat
every WHATSAPP_DUE_SWEEP_SECONDS, enqueues the sends that are due. A countdown task would
sit unacknowledged in a worker that dies, and come back only after the broker's one-hour
visibility timeout. (A drain may ask for a wake-up when a retry is due before the next
sweep: only a wake-up, the wait itself stays in the row.)

Sends go out in batches (`drain_deliveries`): one Celery message hands out up to
WHATSAPP_DRAIN_BATCH due rows and sends them on the process's thread pool. Celery's
handling of a message cost about half of a send's CPU when every send was a task of its
own (bench/README.md). `deliver_share` stays for messages already queued.
"""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger
from django.conf import settings
from django.core.cache import cache

from .delivery import (
    Retry,
    Wait,
    deliveries_due,
    deliveries_send,
    deliveries_waiting_until,
    delivery_send,
)
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


# Set from the moment a drain is asked for until a drain finds the end of the queue: a
# burst of shares is one message, not one per share.
DRAIN_PENDING_KEY = "vendors:drain-pending"


def drain_soon() -> None:
    """Have a worker drain the due sends, unless a drain asked for earlier will reach them.

    A drain clears the mark only after it found fewer due rows than a batch, and then
    looks once more: a row committed before this call is seen by that look if not by the
    drain itself. A lost message costs at most the mark's lifetime or the next sweep.
    """
    if not cache.add(DRAIN_PENDING_KEY, 1, timeout=settings.WHATSAPP_DUE_SWEEP_SECONDS):
        return
    try:
        drain_deliveries.delay()
    except Exception:
        cache.delete(DRAIN_PENDING_KEY)
        raise


def _hand_out_batch() -> list[str]:
    """Up to WHATSAPP_DRAIN_BATCH due rows, marked handed out; a full batch means more may
    be due, so another drain takes the next batch while this one sends."""
    ids = deliveries_due(limit=settings.WHATSAPP_DRAIN_BATCH)
    if len(ids) >= settings.WHATSAPP_DRAIN_BATCH:
        drain_deliveries.delay()
    return ids


# The limits of one send (deliver_share's) bound the batch too: its sends run side by
# side. A pool busy with another drain's batch can make this one wait a batch's time
# more, still well inside WHATSAPP_CLAIM_STALE_SECONDS, as a row is claimed only when
# its send starts.
def _wake_for_retries(*, delivery_ids: list[str], outcomes: list[str]) -> None:
    """A retry waits in PostgreSQL for the sweep (every WHATSAPP_DUE_SWEEP_SECONDS); when
    a batch's retries are all due before that, one drain is asked for when the last is
    due. Only a wake-up: the wait is the row's, and a wake-up lost with its worker costs
    nothing (the sweep finds the rows; a drain that finds nothing due does nothing)."""
    if "retrying" not in outcomes:
        return
    wait = deliveries_waiting_until(delivery_ids=delivery_ids)
    if wait is not None and wait < settings.WHATSAPP_DUE_SWEEP_SECONDS:
        drain_deliveries.apply_async(countdown=wait)


def _send(ids: list[str]) -> None:
    _wake_for_retries(delivery_ids=ids, outcomes=deliveries_send(delivery_ids=ids))


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, ignore_result=True)
def drain_deliveries() -> int:
    """Send a batch of due sends (see `_hand_out_batch`); the outbox is the table."""
    ids = _hand_out_batch()
    _send(ids)
    sent = len(ids)
    for _ in range(DRAIN_LAST_LOOKS):
        if len(ids) >= settings.WHATSAPP_DRAIN_BATCH:
            break  # the drain that batch asked for carries on
        # The end of the queue: from now on new shares start a drain of their own, and
        # rows committed while the mark was set are looked for once more, here.
        cache.delete(DRAIN_PENDING_KEY)
        ids = _hand_out_batch()
        if not ids:
            break
        _send(ids)
        sent += len(ids)
    else:
        if ids:
            drain_soon()  # a steady stream of shares: a fresh task, inside the time limits
    return sent


# Rounds of "clear the mark, look once more" one drain makes before handing over.
DRAIN_LAST_LOOKS = 10


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, ignore_result=True)
def send_deliveries(delivery_ids: list[str]) -> int:
    """Send rows the sweep handed out, as a drain sends its batch."""
    _send(delivery_ids)
    return len(delivery_ids)


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def dispatch_due_deliveries() -> int:
    """Beat: hand a batch of due sends (and of sends a dead worker left claimed) to a
    worker, and start draining the rest."""
    ids = _hand_out_batch()
    if ids:
        send_deliveries.delay(ids)
    return len(ids)


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def requeue_stuck_deliveries() -> int:
    """The previous beat entry's name, for messages already queued at deploy time."""
    return dispatch_due_deliveries()


@shared_task(acks_late=True, soft_time_limit=30, time_limit=45, ignore_result=True)
def process_webhook(payload: dict) -> None:
    """Statuses and messages from a verified webhook POST."""
    webhook_process(payload=payload)
