"""The vendor's answer to a share: availability, substitutes and prices per item.

Locked once the family orders from it; the orders app says when (`vendors.hooks`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lists.models import ListItem
from lists.services import list_event_record, lock_list_row

from . import hooks
from .models import (
    VendorAnswer,
    VendorAnswerLine,
    VendorShare,
)


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
    fingerprint = answer_fingerprint(lines=lines, note=note, delivery_time=delivery_time)
    with transaction.atomic():
        # The list's row first, like every write to the list (lists/services.py): a
        # re-send locks the list, then the share, and would deadlock with this otherwise.
        lock_list_row(list_id=share.grocery_list_id)
        share = (
            VendorShare.objects.select_for_update(of=("self",))
            .select_related("vendor", "grocery_list")
            .get(pk=share.pk)
        )
        if hooks.answer_locked(share=share):
            raise AnswerLocked(gettext("The family has already ordered from this answer."))
        answer, _ = VendorAnswer.objects.get_or_create(
            share=share, defaults={"family_id": share.family_id}
        )
        if answer.fingerprint == fingerprint:
            return answer, False
        answer.note = note.strip()
        answer.delivery_time = delivery_time
        answer.submitted_at = timezone.now()
        answer.fingerprint = fingerprint
        answer.full_clean(exclude=["share", "family"])
        answer.save()
        kept = []
        for position, line in enumerate(lines):
            values = {
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
            }
            row, _ = VendorAnswerLine.objects.update_or_create(
                answer=answer,
                list_item=line.list_item,
                defaults=values,
                create_defaults={**values, "family_id": answer.family_id},
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
