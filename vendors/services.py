"""Every write to vendors, shares, their WhatsApp deliveries and the vendors' answers."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from families.models import Family, User
from lists.models import GroceryList, ListItem
from lists.services import list_event_record

from . import whatsapp
from .models import (
    SHARE_LINK_LIFETIME,
    ShareDelivery,
    Vendor,
    VendorAnswer,
    VendorAnswerLine,
    VendorShare,
    WebhookReceipt,
    new_token,
)

logger = logging.getLogger(__name__)

# Statuses only move forward; "failed" is handled apart (terminal for its send).
STATUS_RANK = {
    VendorShare.Status.PENDING: 0,
    VendorShare.Status.SENDING: 1,
    VendorShare.Status.SENT: 2,
    VendorShare.Status.DELIVERED: 3,
    VendorShare.Status.READ: 4,
    VendorShare.Status.RESPONDED: 5,
}
IN_FLIGHT = (VendorShare.Status.PENDING, VendorShare.Status.SENDING)
# A task arriving this early still counts as on time (clocks of web, worker, database).
DUE_TOLERANCE = timedelta(seconds=1)
INTERRUPTED_REASON = (
    "Sending was interrupted: the vendor may or may not have received the message. "
    "Re-send if they did not."
)


# --- vendors ---------------------------------------------------------------------------


def vendor_create(
    *,
    family: Family | None,
    name: str,
    whatsapp_number: str,
    description: str = "",
    contact_info: str = "",
) -> Vendor:
    vendor = Vendor(
        family=family,
        name=name.strip(),
        whatsapp_number=whatsapp_number,
        description=description,
        contact_info=contact_info,
    )
    vendor.full_clean()
    with transaction.atomic():
        vendor.save()
    return vendor


def vendor_update(
    *,
    vendor: Vendor,
    name: str,
    whatsapp_number: str,
    description: str = "",
    contact_info: str = "",
) -> Vendor:
    vendor.name = name.strip()
    vendor.whatsapp_number = whatsapp_number
    vendor.description = description
    vendor.contact_info = contact_info
    vendor.full_clean()
    with transaction.atomic():
        vendor.save()
    return vendor


def vendor_delete(*, vendor: Vendor) -> None:
    with transaction.atomic():
        vendor.delete()


# --- sharing ---------------------------------------------------------------------------


def share_vendor_url(*, share: VendorShare, base_url: str) -> str:
    base = (settings.GROCER_BASE_URL or base_url).rstrip("/")
    return base + reverse("vendors:vendor_page", kwargs={"token": share.token})


def share_text(*, share: VendorShare, vendor_url: str) -> str:
    """The message the vendor reads (free-form text, the wa.me fallback)."""
    grocery_list = share.grocery_list
    lines = [
        f"Hello {share.vendor.name}! {grocery_list.family.name} would like to order "
        f"“{grocery_list.name}” from you."
    ]
    if share.message.strip():
        lines.append(share.message.strip())
    lines.append(f"Please tell us what you have and the prices here: {vendor_url}")
    return "\n\n".join(lines)


def _record_share_status(
    *, share: VendorShare, actor: User | None = None, actor_label: str = ""
) -> None:
    list_event_record(
        grocery_list=share.grocery_list,
        type="share.status_changed",
        actor=actor,
        actor_label=actor_label or (actor.name if actor else "WhatsApp"),
        payload={
            "share_id": str(share.id),
            "vendor": share.vendor.name,
            "status": share.status,
            "reason": share.failure_reason,
        },
    )


def share_send(
    *,
    grocery_list: GroceryList,
    vendor: Vendor,
    message: str,
    actor: User,
    base_url: str,
) -> VendorShare:
    """Create or re-send the one live share of this list with this vendor.

    A share already waiting to go out is left alone (a double click sends once). With
    WhatsApp configured a delivery row is queued and its task enqueued after commit;
    without it the share page offers the click-to-chat link instead.
    """
    if vendor.family_id not in (None, grocery_list.family_id):
        raise ValidationError("That vendor is not available to this family.")
    with transaction.atomic():
        # Serializes concurrent shares of one list: at most one live share per vendor.
        GroceryList.objects.select_for_update().filter(pk=grocery_list.pk).first()
        share = (
            VendorShare.objects.select_for_update()
            .filter(grocery_list=grocery_list, vendor=vendor)
            .first()
        )
        if share is None:
            share = VendorShare(grocery_list=grocery_list, vendor=vendor, created_by=actor)
        elif share.status in IN_FLIGHT and share.send_count and whatsapp.is_configured():
            return share
        share.message = message.strip()
        share.status = VendorShare.Status.PENDING
        share.failure_reason = ""
        share.last_error = ""
        share.whatsapp_message_id = ""
        share.status_changed_at = timezone.now()
        if not share._state.adding and share.link_state != "open":
            # A re-send revives the vendor's page with a fresh, unguessable link.
            share.token = new_token()
            share.revoked_at = None
        share.expires_at = timezone.now() + SHARE_LINK_LIFETIME
        share.full_clean(exclude=["grocery_list", "vendor", "created_by"])
        share.save()
        share.grocery_list = grocery_list
        share.vendor = vendor
        if whatsapp.is_configured():
            VendorShare.objects.filter(pk=share.pk).update(send_count=F("send_count") + 1)
            share.refresh_from_db(fields=["send_count"])
            # An older queued send must never go out after this one.
            ShareDelivery.objects.filter(
                share=share, state__in=[ShareDelivery.State.QUEUED]
            ).update(state=ShareDelivery.State.SUPERSEDED)
            now = timezone.now()
            delivery = ShareDelivery.objects.create(
                share=share,
                number=share.send_count,
                vendor_url=share_vendor_url(share=share, base_url=base_url),
                # Due now, and handed to the task enqueued on commit; if that enqueue is
                # lost (broker down), the sweep hands it out once the lease is over.
                next_attempt_at=now,
                dispatched_at=now,
            )
            from .tasks import deliver_share

            # robust: a broker outage must not fail the member's request; the beat task
            # `dispatch_due_deliveries` picks the row up later (the row is its own outbox).
            def enqueue(delivery_id: str = str(delivery.id)) -> None:
                deliver_share.delay(delivery_id)

            transaction.on_commit(enqueue, robust=True)
        _record_share_status(share=share, actor=actor)
    return share


def share_revoke(*, share: VendorShare, actor: User) -> VendorShare:
    with transaction.atomic():
        if share.revoked_at is None:
            share.revoked_at = timezone.now()
            VendorShare.objects.filter(pk=share.pk).update(revoked_at=share.revoked_at)
            list_event_record(
                grocery_list=share.grocery_list,
                type="share.revoked",
                actor=actor,
                payload={"share_id": str(share.id), "vendor": share.vendor.name},
            )
    return share


# --- delivery (runs in the Celery task) --------------------------------------------------


@dataclass(frozen=True)
class Retry:
    """The send hit a transient error: the task backs off and tries again."""

    reason: str


@dataclass(frozen=True)
class Wait:
    """The breaker is open or another run may still be posting: try again later,
    without counting an attempt."""

    seconds: float


def _set_share_status(*, share_id: uuid.UUID, status: str, reason: str = "", **fields: Any) -> None:
    """Move a share's status and tell the list page. Caller is inside a transaction."""
    # Only the share's row: FOR UPDATE over the join would lock the vendor's row too, and
    # every delivery to one vendor would wait for the one before it to commit (bench).
    share = (
        VendorShare.objects.select_for_update(of=("self",))
        .select_related("vendor", "grocery_list")
        .get(pk=share_id)
    )
    share.status = status
    share.failure_reason = reason
    share.status_changed_at = timezone.now()
    for name, value in fields.items():
        setattr(share, name, value)
    share.save(
        update_fields=["status", "failure_reason", "status_changed_at", "updated_at", *fields]
    )
    _record_share_status(share=share, actor_label="WhatsApp")


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
    claim = uuid.uuid4()
    now = timezone.now()
    # Only a due row: a task that arrives early (or twice) finds nothing to claim, and
    # only the run that claimed a row may schedule its next attempt: tasks never multiply.
    claimed = (
        ShareDelivery.objects.filter(
            pk=delivery_id, state=ShareDelivery.State.QUEUED, whatsapp_message_id=""
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + DUE_TOLERANCE))
        .update(state=ShareDelivery.State.SENDING, claim_token=claim, send_started_at=now)
    )
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
    breaker_wait = whatsapp.breaker_retry_in()
    if breaker_wait > 0:
        # Not an attempt: back to the queue, due when the breaker lets a trial through.
        # The retry count is the row's and stays as it is.
        _release(delivery=delivery, claim=claim, wait=breaker_wait, error="circuit open")
        return Wait(breaker_wait)
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
        # Another worker's trial call is deciding the breaker: nothing went out.
        _release(delivery=delivery, claim=claim, wait=exc.retry_in, error="circuit open")
        ShareDelivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") - 1)
        VendorShare.objects.filter(pk=share.pk).update(attempts=F("attempts") - 1)
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
                _set_share_status(
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
            _set_share_status(
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
) -> None:
    """Hand the row back to the queue, due in `wait` seconds (the sweep hands it out then);
    `retry` counts a transient failure."""
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
        )
        VendorShare.objects.filter(pk=delivery.share_id).update(last_error=error)


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
            _set_share_status(
                share_id=delivery.share_id,
                status=VendorShare.Status.FAILED,
                reason=reason,
                last_error=error,
            )


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
    with transaction.atomic():
        ids = list(
            ShareDelivery.objects.select_for_update(skip_locked=True)
            .filter((due | dead_claim) & not_handed_out)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        ShareDelivery.objects.filter(pk__in=ids).update(dispatched_at=now)
    return [str(pk) for pk in ids]


# --- webhook ------------------------------------------------------------------------------


def webhook_process(*, payload: dict[str, Any]) -> None:
    """Apply a verified webhook body: statuses (deduplicated, forward only) and the
    vendors' own messages (which open the 24-hour text window)."""
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            for status in _dicts(value.get("statuses")):
                webhook_status_apply(status=status)
            for message in _dicts(value.get("messages")):
                if message.get("from"):
                    _vendor_wrote(number=str(message["from"]), timestamp=message.get("timestamp"))


def _dicts(value: Any) -> list[dict]:
    """The dict items of a list from a webhook body; anything else is ignored."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _vendor_wrote(*, number: str, timestamp: Any) -> None:
    try:
        at = datetime.fromtimestamp(int(timestamp), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        at = timezone.now()
    Vendor.objects.filter(whatsapp_number=whatsapp.from_digits(number)).update(last_inbound_at=at)


WEBHOOK_STATUSES = {
    "sent": VendorShare.Status.SENT,
    "delivered": VendorShare.Status.DELIVERED,
    "read": VendorShare.Status.READ,
    "failed": VendorShare.Status.FAILED,
}


def webhook_status_apply(*, status: dict[str, Any]) -> str:
    """One status item. Returns what happened, for logs and tests."""
    wamid = str(status.get("id") or "")
    new = WEBHOOK_STATUSES.get(str(status.get("status") or ""))
    if not wamid or new is None:
        return "ignored"
    with transaction.atomic():
        _, created = WebhookReceipt.objects.get_or_create(
            whatsapp_message_id=wamid, status=new, defaults={"payload": status}
        )
        if not created:
            return "duplicate"
        delivery = (
            ShareDelivery.objects.select_for_update().filter(whatsapp_message_id=wamid).first()
        )
        if delivery is None:
            # A send whose worker died before recording the id: our own id comes back
            # in biz_opaque_callback_data and settles it.
            delivery = _delivery_from_callback(status.get("biz_opaque_callback_data"))
            if delivery is None:
                return "unknown"
            settles = delivery.state == ShareDelivery.State.INTERRUPTED or (
                # Still "sending": the worker posted and has not recorded the answer yet,
                # or died before it could. WhatsApp has the message, so it went out:
                # settle it now, whichever comes first, this status or the interruption.
                delivery.state == ShareDelivery.State.SENDING and not delivery.whatsapp_message_id
            )
            if settles:
                delivery.state = ShareDelivery.State.SENT
                delivery.whatsapp_message_id = wamid
                # The claim is spent: a late answer from a live worker, or the stale sweep,
                # finds nothing to record or interrupt (their updates match the token).
                delivery.claim_token = None
                delivery.finished_at = delivery.finished_at or timezone.now()
                delivery.save(
                    update_fields=[
                        "state",
                        "whatsapp_message_id",
                        "claim_token",
                        "finished_at",
                        "updated_at",
                    ]
                )
            elif delivery.whatsapp_message_id != wamid:
                return "unknown"
        share = VendorShare.objects.select_for_update().get(pk=delivery.share_id)
        if share.send_count != delivery.number:
            return "stale"
        current = share.status
        if new == VendorShare.Status.FAILED:
            if current in (VendorShare.Status.READ, VendorShare.Status.RESPONDED):
                return "backwards"
            if current == VendorShare.Status.FAILED:
                return "unchanged"
            errors = status.get("errors") or [{}]
            code = errors[0].get("code") if isinstance(errors[0], dict) else None
            _set_share_status(
                share_id=share.pk,
                status=VendorShare.Status.FAILED,
                reason=whatsapp.WhatsAppError("", code=code, retryable=False).reason,
                last_error=json.dumps(errors)[:1000],
            )
            return "failed"
        reconciling = (
            current == VendorShare.Status.FAILED
            and delivery.state == ShareDelivery.State.SENT
            and share.failure_reason == INTERRUPTED_REASON
        )
        if current == VendorShare.Status.FAILED and not reconciling:
            return "backwards"
        if not reconciling and STATUS_RANK[new] <= STATUS_RANK.get(current, -1):
            return "backwards"
        _set_share_status(share_id=share.pk, status=new, whatsapp_message_id=wamid, last_error="")
        return "applied"


def _delivery_from_callback(data: Any) -> ShareDelivery | None:
    try:
        delivery_id = uuid.UUID(str(data))
    except ValueError:
        return None
    return ShareDelivery.objects.select_for_update().filter(pk=delivery_id).first()


# --- the vendor's answer --------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerLineInput:
    list_item: ListItem
    availability: str
    substitute: str
    unit_price: Decimal | None


class AnswerLocked(Exception):  # noqa: N818 - a state the view explains
    """The family already ordered from this answer."""


def answer_fingerprint(
    *, lines: list[AnswerLineInput], note: str, delivery_time: datetime | None
) -> str:
    data = {
        "lines": sorted(
            [
                str(line.list_item.pk),
                line.availability,
                line.substitute.strip(),
                None if line.unit_price is None else str(line.unit_price.normalize()),
            ]
            for line in lines
        ),
        "note": note.strip(),
        "delivery_time": delivery_time.isoformat() if delivery_time else None,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def answer_submit(
    *,
    share: VendorShare,
    lines: list[AnswerLineInput],
    note: str,
    delivery_time: datetime | None,
) -> tuple[VendorAnswer, bool]:
    """Save the vendor's answer; returns (answer, changed).

    Idempotent: the same answer submitted twice is one answer and one event. Editable
    until the family places an order from it.
    """
    from orders.models import Order

    fingerprint = answer_fingerprint(lines=lines, note=note, delivery_time=delivery_time)
    with transaction.atomic():
        share = (
            VendorShare.objects.select_for_update(of=("self",))
            .select_related("vendor", "grocery_list")
            .get(pk=share.pk)
        )
        if Order.objects.filter(share=share).exclude(status=Order.Status.CANCELLED).exists():
            raise AnswerLocked("The family has already ordered from this answer.")
        answer, _ = VendorAnswer.objects.get_or_create(share=share)
        if answer.fingerprint == fingerprint:
            return answer, False
        answer.note = note.strip()
        answer.delivery_time = delivery_time
        answer.submitted_at = timezone.now()
        answer.fingerprint = fingerprint
        answer.full_clean(exclude=["share"])
        answer.save()
        kept = []
        for position, line in enumerate(lines):
            row, _ = VendorAnswerLine.objects.update_or_create(
                answer=answer,
                list_item=line.list_item,
                defaults={
                    "name": line.list_item.name,
                    "quantity_text": line.list_item.quantity_text,
                    "availability": line.availability,
                    "substitute": line.substitute.strip()
                    if line.availability == VendorAnswerLine.Availability.SUBSTITUTE
                    else "",
                    "unit_price": None
                    if line.availability == VendorAnswerLine.Availability.UNAVAILABLE
                    else line.unit_price,
                    "position": position,
                },
            )
            kept.append(row.pk)
        answer.lines.exclude(pk__in=kept).delete()
        share.status = VendorShare.Status.RESPONDED
        share.failure_reason = ""
        share.status_changed_at = timezone.now()
        share.save(update_fields=["status", "failure_reason", "status_changed_at", "updated_at"])
        list_event_record(
            grocery_list=share.grocery_list,
            type="share.answered",
            actor=None,
            actor_label=share.vendor.name,
            payload={
                "share_id": str(share.id),
                "vendor": share.vendor.name,
                "status": share.status,
                "lines": len(kept),
            },
        )
    return answer, True
