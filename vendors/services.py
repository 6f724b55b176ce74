"""Every write to vendors and shares, and the share status rules the delivery
(`vendors.delivery`) and webhook (`vendors.webhook`) modules follow; the vendors'
answers are in `vendors.answers`."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from families.models import Family, User
from lists.models import GroceryList
from lists.services import give_back_seq, list_event_record, lock_list_next_seq

from . import whatsapp
from .models import (
    SHARE_LINK_LIFETIME,
    ShareDelivery,
    Vendor,
    VendorShare,
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
INTERRUPTED_REASON = gettext_noop(
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
    language: str | None = None,
) -> Vendor:
    vendor = Vendor(
        family=family,
        name=name.strip(),
        whatsapp_number=whatsapp_number,
        description=description,
        contact_info=contact_info,
        language=language or settings.LANGUAGE_CODE,
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
    language: str | None = None,
) -> Vendor:
    vendor.name = name.strip()
    if language is not None:
        vendor.language = language
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
    """The message the vendor reads (free-form text, the wa.me fallback), in the vendor's
    language whoever sends it."""
    grocery_list = share.grocery_list
    with translation.override(share.vendor.language or settings.LANGUAGE_CODE):
        lines = [
            gettext("Hello %(vendor)s! %(family)s would like to order “%(list)s” from you.")
            % {
                "vendor": share.vendor.name,
                "family": grocery_list.family.name,
                "list": grocery_list.name,
            }
        ]
        if share.message.strip():
            lines.append(share.message.strip())
        lines.append(
            gettext("Please tell us what you have and the prices here: %(url)s")
            % {"url": vendor_url}
        )
    return "\n\n".join(lines)


def _record_share_status(
    *, share: VendorShare, actor: User | None = None, actor_label: str = "", seq: int | None = None
) -> None:
    list_event_record(
        seq=seq,
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
            share = VendorShare(
                grocery_list=grocery_list,
                family_id=grocery_list.family_id,
                vendor=vendor,
                created_by=actor,
            )
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
        share.full_clean(exclude=["grocery_list", "family", "vendor", "created_by"])
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
            ShareDelivery.objects.create(
                share=share,
                family_id=share.family_id,
                number=share.send_count,
                vendor_url=share_vendor_url(share=share, base_url=base_url),
                # Due at once (no time: no clock of this host to compare with a
                # worker's) and not handed out: the drain started on commit hands it out;
                # if that enqueue is lost (broker down), the next sweep does.
                next_attempt_at=None,
            )
            from .tasks import drain_soon

            # robust: a broker outage must not fail the member's request; the beat task
            # `dispatch_due_deliveries` picks the row up later (the row is its own outbox).
            transaction.on_commit(drain_soon, robust=True)
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


def lock_shares_lists(*, shares: QuerySet[VendorShare]) -> None:
    """Lock the rows of these shares' lists, before the shares themselves.

    The list's row is the first lock of every write to a list (lists/services.py). A
    re-send locks the list, then the share; a status change that locked the share first
    and the list last (recording its event) deadlocked with it.
    """
    GroceryList.all_objects.select_for_update().filter(
        pk__in=shares.values("grocery_list_id")
    ).exists()


def share_sent(*, share: VendorShare, whatsapp_message_id: str) -> None:
    """The API accepted the share's message (one more attempt): move it to "sent" and tell
    the list page, unless a status webhook already moved it further. Caller is inside a
    transaction.

    The list's row first (lock_shares_lists), taking the event's seq in the same
    statement; then one conditional UPDATE of the share instead of reading and locking it
    first: statuses only move forward, so the WHERE decides under the row lock. `share`
    comes with its vendor and list loaded (the delivery's claim read them).
    """
    seq = lock_list_next_seq(share.grocery_list)
    now = timezone.now()
    sent_rank = STATUS_RANK[VendorShare.Status.SENT]
    ahead = [status for status, rank in STATUS_RANK.items() if rank >= sent_rank]
    moved = (
        VendorShare.objects.filter(pk=share.pk)
        .exclude(status__in=ahead)
        .update(
            status=VendorShare.Status.SENT,
            failure_reason="",
            last_error="",
            whatsapp_message_id=whatsapp_message_id,
            status_changed_at=now,
            updated_at=now,
            attempts=F("attempts") + 1,
        )
    )
    if not moved:
        VendorShare.objects.filter(pk=share.pk).update(
            whatsapp_message_id=whatsapp_message_id, attempts=F("attempts") + 1
        )
        give_back_seq(share.grocery_list)
        return
    share.status = VendorShare.Status.SENT
    share.failure_reason = ""
    share.last_error = ""
    share.whatsapp_message_id = whatsapp_message_id
    share.status_changed_at = now
    _record_share_status(share=share, actor_label="WhatsApp", seq=seq)


def share_status_set(*, share_id: uuid.UUID, status: str, reason: str = "", **fields: Any) -> None:
    """Move a share's status and tell the list page. Caller is inside a transaction."""
    lock_shares_lists(shares=VendorShare.objects.filter(pk=share_id))
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
