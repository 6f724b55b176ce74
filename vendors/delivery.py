"""Sending a share to its vendor over WhatsApp: one delivery at most once (runs in the
Celery task, see `vendors.tasks`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import whatsapp
from .models import (
    ShareDelivery,
    Vendor,
    VendorShare,
)
from .services import INTERRUPTED_REASON, STATUS_RANK, share_status_set, share_text


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

    1. Claim: a conditional UPDATE queued → sending with a fresh claim token, committed
       before any HTTP. A row that is not queued is never posted again.
    2. POST outside any transaction (web requests and other rows never wait on it).
    3. Record the message id in one UPDATE guarded by the claim token.
    A worker killed between 1 and 3 leaves the row "sending"; the redelivered task
    marks it interrupted after WHATSAPP_CLAIM_STALE_SECONDS instead of posting again.
    """
    breaker_wait = whatsapp.breaker_retry_in()
    if breaker_wait > 0:
        return Wait(breaker_wait)
    claim = uuid.uuid4()
    now = timezone.now()
    claimed = ShareDelivery.objects.filter(
        pk=delivery_id, state=ShareDelivery.State.QUEUED, whatsapp_message_id=""
    ).update(state=ShareDelivery.State.SENDING, claim_token=claim, send_started_at=now)
    delivery = (
        ShareDelivery.objects.select_related("share__vendor", "share__grocery_list__family")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return "missing"
    if not claimed:
        return _not_claimable(delivery)
    share = delivery.share
    if share.is_deleted or share.send_count != delivery.number:
        ShareDelivery.objects.filter(pk=delivery.pk, claim_token=claim).update(
            state=ShareDelivery.State.SUPERSEDED, finished_at=timezone.now()
        )
        return "superseded"
    with transaction.atomic():
        ShareDelivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1)
        # No list event for pending → sending: pages show both as "Sending…", and the
        # event would cost a list-row lock and a publish per attempt.
        VendorShare.objects.filter(pk=share.pk).update(
            attempts=F("attempts") + 1,
            status=Case(
                When(status=VendorShare.Status.PENDING, then=Value(VendorShare.Status.SENDING)),
                default=F("status"),
            ),
        )

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
        _release(delivery=delivery, claim=claim, error="circuit open", code=None)
        return Wait(exc.retry_in)
    except whatsapp.WhatsAppError as exc:
        if exc.retryable:
            _release(delivery=delivery, claim=claim, error=str(exc), code=exc.code)
            return Retry(str(exc))
        _fail(delivery=delivery, claim=claim, reason=exc.reason, error=str(exc), code=exc.code)
        return "failed"

    # The crash window: the message is out, and until this UPDATE commits we do not
    # know its id. Nothing else happens between the POST returning and this write.
    with transaction.atomic():
        recorded = ShareDelivery.objects.filter(pk=delivery.pk, claim_token=claim).update(
            state=ShareDelivery.State.SENT,
            whatsapp_message_id=result.message_id,
            kind=kind,
            finished_at=timezone.now(),
            last_error="",
            error_code=None,
        )
        if recorded:
            current = VendorShare.objects.filter(pk=share.pk).values_list("status", flat=True)
            status = current.first()
            if STATUS_RANK.get(status, -1) < STATUS_RANK[VendorShare.Status.SENT]:
                share_status_set(
                    share_id=share.pk,
                    status=VendorShare.Status.SENT,
                    whatsapp_message_id=result.message_id,
                    last_error="",
                )
            else:
                VendorShare.objects.filter(pk=share.pk).update(
                    whatsapp_message_id=result.message_id
                )
    return "sent"


def _not_claimable(delivery: ShareDelivery) -> str | Wait:
    """Another run claimed this row: finished, or still posting, or died mid-send."""
    if delivery.state != ShareDelivery.State.SENDING or delivery.whatsapp_message_id:
        return delivery.state
    stale_at = delivery.send_started_at + timedelta(seconds=settings.WHATSAPP_CLAIM_STALE_SECONDS)
    if timezone.now() < stale_at:
        # Possibly still in flight in another worker: look again once it cannot be.
        return Wait((stale_at - timezone.now()).total_seconds() + 1)
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


def _release(*, delivery: ShareDelivery, claim: uuid.UUID, error: str, code: int | None) -> None:
    """Hand the row back to the queue after a send that certainly or probably failed."""
    with transaction.atomic():
        ShareDelivery.objects.filter(pk=delivery.pk, claim_token=claim).update(
            state=ShareDelivery.State.QUEUED, claim_token=None, last_error=error, error_code=code
        )
        VendorShare.objects.filter(pk=delivery.share_id).update(last_error=error)


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


def delivery_give_up(*, delivery_id: uuid.UUID | str) -> None:
    """Retries exhausted: the share fails with a reason the family can act on."""
    delivery = ShareDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return
    _fail(
        delivery=delivery,
        claim=None,
        reason="WhatsApp kept failing, so we stopped trying. Re-send later or use the link.",
        error=delivery.last_error or "retries exhausted",
        code=delivery.error_code,
    )


# Longer than the largest retry backoff (600 s): a queued row not attempted for this
# long has no task waiting for it.
QUEUED_STUCK_AFTER = timedelta(minutes=15)


def deliveries_stuck() -> list[str]:
    """Sends whose task may have been lost: queued and untouched for QUEUED_STUCK_AFTER,
    or claimed without an answer past the stale limit. Re-running their task is
    harmless (see delivery_send)."""
    now = timezone.now()
    claim_cutoff = now - timedelta(seconds=settings.WHATSAPP_CLAIM_STALE_SECONDS + 60)
    # The last attempt (or the creation) of a queued row: a row between retries keeps the
    # send_started_at of its last attempt.
    last_touch = Coalesce("send_started_at", "created_at")
    stuck = (
        ShareDelivery.objects.annotate(last_touch=last_touch)
        .filter(
            Q(state=ShareDelivery.State.QUEUED, last_touch__lt=now - QUEUED_STUCK_AFTER)
            | Q(state=ShareDelivery.State.SENDING, send_started_at__lt=claim_cutoff)
        )
        .values_list("pk", flat=True)
    )
    return [str(pk) for pk in stuck[:500]]
