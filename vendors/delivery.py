"""Sending a share to its vendor over WhatsApp: one delivery at most once (runs in the
Celery task, see `vendors.tasks`)."""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone

from . import whatsapp
from .models import (
    ShareDelivery,
    Vendor,
    VendorShare,
)
from .services import (
    DUE_TOLERANCE,
    INTERRUPTED_REASON,
    share_sent,
    share_status_set,
    share_text,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retry:
    """The send hit a transient error: the task backs off and tries again."""

    reason: str


@dataclass(frozen=True)
class Wait:
    """The breaker is open or another run may still be posting: try again later,
    without counting an attempt."""

    seconds: float


def _payload_for(delivery: ShareDelivery, *, kind: str) -> dict[str, Any]:
    share = delivery.share
    callback = str(delivery.id)
    if kind == "template":
        return whatsapp.template_payload(
            to=share.vendor.whatsapp_number,
            params=[share.grocery_list.name, share.grocery_list.family.name, delivery.vendor_url],
            callback_data=callback,
            language=share.vendor.language,
        )
    return whatsapp.text_payload(
        to=share.vendor.whatsapp_number,
        body=share_text(share=share, vendor_url=delivery.vendor_url),
        callback_data=callback,
    )


def _preferred_kind(vendor: Vendor) -> str:
    """Free-form text inside the 24-hour window the vendor opened, a template outside."""
    window_open = vendor.last_inbound_at and vendor.last_inbound_at > timezone.now() - timedelta(
        hours=24
    )
    if window_open or not settings.WHATSAPP_TEMPLATE_NAME:
        return "text"
    return "template"


def delivery_send(*, delivery_id: uuid.UUID | str) -> str | Retry | Wait:
    """Send one queued delivery at most once. Returns the outcome for the task.

    1. Claim: a conditional UPDATE queued → sending with a fresh claim token (counting
       the attempt), committed before any HTTP. A row that is not queued is never
       posted again.
    2. POST outside any transaction (web requests and other rows never wait on it).
    3. Record the outcome in one transaction guarded by the claim token: the message id
       (or the failure), and the share's status and attempt count.
    Two commits per send: the claim must be durable before the POST and the message id
    after it, and nothing else needs a commit of its own (commits were most of a send's
    time in the bench). The claim locks the delivery row alone, so it cannot deadlock
    with a re-send (list, share, then its deliveries). A worker killed between 1 and 3
    leaves the row "sending"; the redelivered task marks it interrupted after
    WHATSAPP_CLAIM_STALE_SECONDS instead of posting again.
    """
    breaker_wait = whatsapp.breaker_retry_in()
    if breaker_wait > 0 and _postpone(delivery_id=delivery_id, wait=breaker_wait):
        # Not an attempt: the row stays queued, due when the breaker lets a trial
        # through, and its retry count stays as it is.
        return Wait(breaker_wait)
    claim = uuid.uuid4()
    now = timezone.now()
    with transaction.atomic():
        # Only a due row: a task that arrives early (or twice) finds nothing to claim,
        # and only the run that claimed a row may schedule its next attempt: tasks never
        # multiply.
        claimed = _due(ShareDelivery.objects.filter(pk=delivery_id), now=now).update(
            state=ShareDelivery.State.SENDING,
            claim_token=claim,
            send_started_at=now,
            attempts=F("attempts") + 1,
        )
        delivery = (
            ShareDelivery.objects.select_related("share__vendor", "share__grocery_list__family")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "missing"
        share = delivery.share
        if claimed and (share.is_deleted or share.send_count != delivery.number):
            ShareDelivery.objects.filter(pk=delivery.pk, claim_token=claim).update(
                state=ShareDelivery.State.SUPERSEDED,
                finished_at=now,
                attempts=F("attempts") - 1,
            )
            return "superseded"
    if not claimed:
        return _not_claimable(delivery)

    kind = _preferred_kind(share.vendor)
    try:
        try:
            result = whatsapp.send(_payload_for(delivery, kind=kind))
        except whatsapp.WhatsAppError as exc:
            # Text outside the window was refused, so nothing went out: use the template.
            if (
                kind == "text"
                and exc.code == whatsapp.OUTSIDE_WINDOW_CODE
                and settings.WHATSAPP_TEMPLATE_NAME
            ):
                kind = "template"
                result = whatsapp.send(_payload_for(delivery, kind=kind))
            else:
                raise
    except whatsapp.CircuitOpen as exc:
        # Another worker's trial call is deciding the breaker: nothing went out, so
        # this was not an attempt either.
        _release(
            delivery=delivery, claim=claim, wait=exc.retry_in, error="circuit open", attempt=False
        )
        return Wait(exc.retry_in)
    except whatsapp.WhatsAppError as exc:
        if not exc.retryable:
            _fail(delivery=delivery, claim=claim, reason=exc.reason, error=str(exc), code=exc.code)
            return "failed"
        if delivery.retries >= settings.WHATSAPP_MAX_RETRIES:
            _fail(
                delivery=delivery,
                claim=claim,
                reason=GAVE_UP_REASON,
                error=str(exc),
                code=exc.code,
            )
            return "gave up"
        wait = retry_backoff(retries=delivery.retries)
        _release(
            delivery=delivery, claim=claim, wait=wait, error=str(exc), code=exc.code, retry=True
        )
        logger.info("WhatsApp send %s: %s; retry in %.0fs", delivery.pk, exc, wait)
        return Retry(str(exc))

    # The crash window: the message is out, and until this transaction commits we do not
    # know its id. Nothing else happens between the POST returning and this write.
    with transaction.atomic():
        # The list's row, then the share (lock_shares_lists), then the delivery row.
        share_sent(share=share, whatsapp_message_id=result.message_id)
        recorded = ShareDelivery.objects.filter(pk=delivery.pk, claim_token=claim).update(
            state=ShareDelivery.State.SENT,
            whatsapp_message_id=result.message_id,
            kind=kind,
            finished_at=timezone.now(),
            last_error="",
            error_code=None,
        )
        if not recorded:
            # The claim was taken from us (marked interrupted after the stale limit):
            # the row's own outcome stands, and a status webhook settles the share.
            transaction.set_rollback(True)
    return "sent"


def _due(rows: QuerySet[ShareDelivery], *, now: datetime) -> QuerySet[ShareDelivery]:
    """The rows a task may claim now: queued, never sent, and due."""
    return rows.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + DUE_TOLERANCE),
        state=ShareDelivery.State.QUEUED,
        whatsapp_message_id="",
    )


def _postpone(*, delivery_id: uuid.UUID | str, wait: float) -> bool:
    """The breaker is open: a due row waits `wait` seconds more, unclaimed and with no
    attempt counted (one transaction, where claiming and releasing it took two).
    False when the row is not ours to postpone (not due, finished, claimed elsewhere)."""
    now = timezone.now()
    with transaction.atomic():
        # The share before its delivery row, in the order a re-send locks them.
        VendorShare.objects.filter(deliveries__pk=delivery_id).update(last_error="circuit open")
        postponed = _due(ShareDelivery.objects.filter(pk=delivery_id), now=now).update(
            last_error="circuit open",
            error_code=None,
            next_attempt_at=now + timedelta(seconds=wait),
            dispatched_at=None,
        )
        if not postponed:
            transaction.set_rollback(True)
    return bool(postponed)


def _not_claimable(delivery: ShareDelivery) -> str:
    """No claim: not due yet, finished, still posting elsewhere, or died mid-send."""
    if delivery.state == ShareDelivery.State.QUEUED:
        return "not due"  # an early or duplicate task: the row's own schedule stands
    if delivery.state != ShareDelivery.State.SENDING or delivery.whatsapp_message_id:
        return delivery.state
    stale_at = delivery.send_started_at + timedelta(seconds=settings.WHATSAPP_CLAIM_STALE_SECONDS)
    if timezone.now() < stale_at:
        # Possibly still in flight in another worker; the sweep looks again once it
        # cannot be (see deliveries_due).
        return "busy"
    with transaction.atomic():
        marked = ShareDelivery.objects.filter(
            pk=delivery.pk, state=ShareDelivery.State.SENDING, claim_token=delivery.claim_token
        ).update(
            state=ShareDelivery.State.INTERRUPTED,
            finished_at=timezone.now(),
            last_error="worker lost between claim and answer",
        )
        if marked and delivery.share.send_count == delivery.number:
            share_status_set(
                share_id=delivery.share_id,
                status=VendorShare.Status.FAILED,
                reason=INTERRUPTED_REASON,
                last_error="worker lost between claim and answer",
            )
    return "interrupted"


def _release(
    *,
    delivery: ShareDelivery,
    claim: uuid.UUID,
    wait: float,
    error: str,
    code: int | None = None,
    retry: bool = False,
    attempt: bool = True,
) -> None:
    """Hand the row back to the queue, due in `wait` seconds (the sweep hands it out then);
    `retry` counts a transient failure. `attempt=False`: nothing went out, so the attempt
    the claim counted is taken back."""
    now = timezone.now()
    with transaction.atomic():
        ShareDelivery.objects.filter(pk=delivery.pk, claim_token=claim).update(
            state=ShareDelivery.State.QUEUED,
            claim_token=None,
            last_error=error,
            error_code=code,
            next_attempt_at=now + timedelta(seconds=wait),
            dispatched_at=None,
            retries=F("retries") + (1 if retry else 0),
            attempts=F("attempts") - (0 if attempt else 1),
        )
        if not attempt:
            VendorShare.objects.filter(pk=delivery.share_id).update(last_error=error)
            return
        # No list event for pending → sending: pages show both as "Sending…", and the
        # event would cost a list-row lock and a publish per attempt.
        VendorShare.objects.filter(pk=delivery.share_id).update(
            last_error=error,
            attempts=F("attempts") + 1,
            status=Case(
                When(status=VendorShare.Status.PENDING, then=Value(VendorShare.Status.SENDING)),
                default=F("status"),
            ),
        )


def retry_backoff(*, retries: int) -> float:
    """Seconds before the next attempt: exponential in the retries so far, with jitter
    over the upper half (so a backoff never collapses to nothing)."""
    ceiling = min(
        settings.WHATSAPP_RETRY_BACKOFF_MAX_SECONDS,
        settings.WHATSAPP_RETRY_BACKOFF_SECONDS * (2**retries),
    )
    return max(1.0, random.uniform(ceiling / 2, ceiling))  # noqa: S311 - jitter, not crypto


def _fail(
    *, delivery: ShareDelivery, claim: uuid.UUID | None, reason: str, error: str, code: int | None
) -> None:
    with transaction.atomic():
        rows = ShareDelivery.objects.filter(pk=delivery.pk)
        if claim is not None:
            rows = rows.filter(claim_token=claim)
        else:
            rows = rows.filter(state=ShareDelivery.State.QUEUED)
        failed = rows.update(
            state=ShareDelivery.State.FAILED,
            finished_at=timezone.now(),
            last_error=error,
            error_code=code,
        )
        if failed:
            share_status_set(
                share_id=delivery.share_id,
                status=VendorShare.Status.FAILED,
                reason=reason,
                last_error=error,
            )
            # The attempt that failed: a share counts its attempts with their outcome.
            VendorShare.objects.filter(pk=delivery.share_id).update(attempts=F("attempts") + 1)


GAVE_UP_REASON = "WhatsApp kept failing, so we stopped trying. Re-send later or use the link."


def deliveries_due(*, limit: int = 500) -> list[str]:
    """Hand out the sends a worker should try now, marking them dispatched.

    Due: queued with its next attempt time passed, or claimed by a worker that died
    (past the stale limit: its task marks it interrupted). A row handed out less than
    WHATSAPP_DISPATCH_LEASE_SECONDS ago has a task queued or running and is left alone,
    so the sweep never piles tasks onto a row; past the lease the task was lost (a dead
    worker's unacknowledged message) and the row is handed out again. Running a row's
    task twice is harmless (the claim, see delivery_send).
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            ShareDelivery.objects.select_for_update(skip_locked=True)
            .filter(_to_hand_out(now=now))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        ShareDelivery.objects.filter(pk__in=ids).update(dispatched_at=now)
    return [str(pk) for pk in ids]


def deliveries_waiting_until(*, delivery_ids: Sequence[str]) -> float | None:
    """Seconds until the last of these rows that wait for their next attempt is due
    (None: none of them waits)."""
    last = (
        ShareDelivery.objects.filter(
            pk__in=delivery_ids,
            state=ShareDelivery.State.QUEUED,
            dispatched_at__isnull=True,
            next_attempt_at__isnull=False,
        )
        .order_by("-next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if last is None:
        return None
    return max(0.0, (last - timezone.now()).total_seconds())


def _to_hand_out(*, now: datetime) -> Q:
    not_handed_out = Q(dispatched_at__isnull=True) | Q(
        dispatched_at__lt=now - timedelta(seconds=settings.WHATSAPP_DISPATCH_LEASE_SECONDS)
    )
    due = Q(state=ShareDelivery.State.QUEUED) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    dead_claim = Q(
        state=ShareDelivery.State.SENDING,
        send_started_at__lt=now - timedelta(seconds=settings.WHATSAPP_CLAIM_STALE_SECONDS),
    )
    return (due | dead_claim) & not_handed_out


# The process's sending threads, shared by every drain it runs (created on first use, so
# after a prefork child forks). Each keeps its own PostgreSQL connection between sends.
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _send_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=send_threads(), thread_name_prefix="whatsapp-send"
            )
        return _pool


def send_threads(database: dict[str, Any] | None = None) -> int:
    """WHATSAPP_SEND_THREADS, within the process's psycopg pool when it has one: a sending
    thread holds a connection from its claim to its record, and a thread waiting longer
    than the pool's timeout for one fails its send. Half the pool, so the Celery
    threads' own queries (handing out batches) still find connections."""
    database = settings.DATABASES["default"] if database is None else database
    threads = settings.WHATSAPP_SEND_THREADS
    pool = database.get("OPTIONS", {}).get("pool")
    if isinstance(pool, dict) and pool.get("max_size"):
        threads = min(threads, max(1, pool["max_size"] // 2))
    return threads


def _send_outcome(delivery_id: str) -> str:
    try:
        outcome = delivery_send(delivery_id=delivery_id)
    except Exception:
        # The row stays as the failure left it: queued (handed out again after the
        # lease) or claimed (marked interrupted once stale). Never posted twice.
        logger.exception("WhatsApp send %s failed", delivery_id)
        return "error"
    if isinstance(outcome, Wait):
        return "waiting"
    if isinstance(outcome, Retry):
        return "retrying"
    return outcome


def _send_in_pool(delivery_id: str) -> str:
    """One send on a pool thread, its connection handled as Celery handles a task's."""
    close_old_connections()
    try:
        return _send_outcome(delivery_id)
    finally:
        close_old_connections()


def deliveries_send(*, delivery_ids: Sequence[str]) -> list[str]:
    """Send rows handed out by `deliveries_due`, concurrently on the process's bounded
    pool (WHATSAPP_SEND_THREADS), each with `delivery_send`'s own claim, record, retry
    and breaker; returns when every one has an outcome.

    The caller inside a transaction sends them one after the other on its own
    connection: other connections would not see its uncommitted rows (eager tasks).
    """
    if len(delivery_ids) <= 1 or transaction.get_connection().in_atomic_block:
        return [_send_outcome(delivery_id) for delivery_id in delivery_ids]
    return list(_send_pool().map(_send_in_pool, delivery_ids))
