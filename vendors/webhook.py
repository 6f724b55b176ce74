"""The WhatsApp webhook's effects: delivery statuses (deduplicated, forward only) and
the vendors' own messages."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import whatsapp
from .models import (
    ShareDelivery,
    Vendor,
    VendorShare,
    WebhookReceipt,
)
from .services import INTERRUPTED_REASON, STATUS_RANK, lock_shares_lists, share_status_set


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
        # The list's row before the delivery and the share (see lock_shares_lists).
        callback_id = _uuid_or_none(status.get("biz_opaque_callback_data"))
        sends = (
            Q(whatsapp_message_id=wamid) | Q(pk=callback_id)
            if callback_id
            else Q(whatsapp_message_id=wamid)
        )
        lock_shares_lists(
            shares=VendorShare.objects.filter(
                pk__in=ShareDelivery.objects.filter(sends).values("share_id")
            )
        )
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
            share_status_set(
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
        share_status_set(share_id=share.pk, status=new, whatsapp_message_id=wamid, last_error="")
        return "applied"


def _uuid_or_none(data: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(data))
    except ValueError:
        return None


def _delivery_from_callback(data: Any) -> ShareDelivery | None:
    delivery_id = _uuid_or_none(data)
    if delivery_id is None:
        return None
    return ShareDelivery.objects.select_for_update().filter(pk=delivery_id).first()
