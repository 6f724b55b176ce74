"""Every write to orders: placing one from a vendor's answer and moving its status."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from families.models import User
from grocer.transactions import retry_on_conflict
from lists.item_services import item_set_status
from lists.models import GroceryList, ListItem
from lists.services import list_event_record, lock_list_row
from vendors.models import VendorAnswer, VendorAnswerLine, VendorShare

from .models import Order, OrderLine

CENT = Decimal("0.01")
# A quantity that is just a number ("2", "1.5", "2,5") multiplies the unit price.
PLAIN_NUMBER = re.compile(r"^\s*(\d{1,6}(?:[.,]\d{1,3})?)\s*$")

TRANSITIONS = {
    Order.Status.PLACED: {Order.Status.CONFIRMED, Order.Status.CANCELLED},
    Order.Status.CONFIRMED: {Order.Status.DELIVERED, Order.Status.CANCELLED},
    Order.Status.DELIVERED: set(),
    Order.Status.CANCELLED: set(),
}


class OrderError(ValidationError):
    """A request the order's state does not allow: the view answers 400 with the text."""


def line_total(*, unit_price: Decimal | None, quantity_text: str, available: bool) -> Decimal:
    """The money rule, in one place.

    - Not available, or no price: 0.
    - Quantity a plain number ("2", "1.5", "2,5"): unit price * quantity.
    - Anything else ("500 g", "a dozen", "2 kg", empty): the unit price once: the vendor
      priced the item as asked.
    Rounded half-up to cents per line; the order's total is the sum of its lines.
    """
    if not available or unit_price is None:
        return Decimal("0.00")
    match = PLAIN_NUMBER.match(quantity_text or "")
    quantity = Decimal(match.group(1).replace(",", ".")) if match else Decimal(1)
    return (unit_price * quantity).quantize(CENT, rounding=ROUND_HALF_UP)


class AnswerChanged(OrderError):  # noqa: N818 - a state the view explains, like AnswerLocked
    """The vendor changed the answer after the family's review: the view answers 409 and
    shows the review again, with the new total."""


def order_place(*, share: VendorShare, actor: User, answer_version: str | None = None) -> Order:
    """Snapshot the vendor's answer into an order. Placing twice gives one order.

    `answer_version` is the answer's fingerprint the family reviewed (the order form
    carries it): if the vendor changed the answer since, nothing is ordered and
    AnswerChanged is raised, so no order is placed at a total the family never saw.
    None skips the check (a caller that showed no answer).
    """
    with transaction.atomic():
        # The list's row first, like every write to the list: a re-send locks the list,
        # then the share, and this would otherwise deadlock with it (share, then list).
        lock_list_row(list_id=share.grocery_list_id)
        share = (
            VendorShare.objects.select_for_update(of=("self",))
            .select_related("grocery_list__family", "vendor")
            .get(pk=share.pk)
        )
        existing = share.orders.exclude(status=Order.Status.CANCELLED).first()
        if existing is not None:
            return existing
        # Read under the share's lock, which answer_submit takes too: a changed answer
        # either committed before this check or is refused once the order exists.
        answer = VendorAnswer.objects.filter(share=share).first()
        if answer is None or answer.submitted_at is None:
            raise OrderError(gettext("The vendor has not answered yet."))
        if answer_version is not None and answer_version != answer.fingerprint:
            raise AnswerChanged(
                gettext(
                    "The vendor changed their answer after you reviewed it. Check the new "
                    "total, then place the order again."
                )
            )
        lines = list(answer.lines.order_by("position"))
        unavailable = VendorAnswerLine.Availability.UNAVAILABLE
        if not any(line.availability != unavailable for line in lines):
            raise OrderError(
                gettext("The vendor has none of the items: there is nothing to order.")
            )
        order = Order(
            family=share.grocery_list.family,
            grocery_list=share.grocery_list,
            vendor=share.vendor,
            share=share,
            currency=settings.GROCER_CURRENCY,
            placed_by=actor,
            delivery_time=answer.delivery_time,
            note=answer.note,
            status_changed_at=timezone.now(),
        )
        order_lines = []
        for line in lines:
            available = line.availability != VendorAnswerLine.Availability.UNAVAILABLE
            order_lines.append(
                OrderLine(
                    order=order,
                    family_id=order.family_id,
                    list_item_id=line.list_item_id,
                    name=line.name,
                    quantity_text=line.quantity_text,
                    available=available,
                    substitute=line.substitute,
                    unit_price=line.unit_price,
                    line_total=line_total(
                        unit_price=line.unit_price,
                        quantity_text=line.quantity_text,
                        available=available,
                    ),
                )
            )
        order.total = sum((line.line_total for line in order_lines), Decimal("0.00"))
        try:
            with transaction.atomic():
                order.save()
        except IntegrityError:  # a concurrent click won the unique constraint
            return share.orders.exclude(status=Order.Status.CANCELLED).get()
        OrderLine.objects.bulk_create(order_lines)
        list_event_record(
            grocery_list=share.grocery_list,
            type="order.placed",
            actor=actor,
            payload={
                "order_id": str(order.id),
                "share_id": str(share.id),
                "vendor": share.vendor.name,
                "total": str(order.total),
                "currency": order.currency,
            },
        )
    return order


def _deliver_items(*, order: Order, actor: User) -> list[str]:
    """Mark the delivered lines' items purchased, through the item service.

    One `item.status_changed` event per item, like a check-off by hand, so every open page
    sees the rows change live. The list becomes Ordered only when nothing on it is still
    needed: the vendor may have had no eggs, and the eggs are still to buy.
    Caller holds the order's row lock.
    """
    item_ids = list(
        order.lines.filter(available=True, list_item__isnull=False)
        .order_by("pk")
        .values_list("list_item_id", flat=True)
    )
    pending = ListItem.objects.filter(pk__in=item_ids, grocery_list_id=order.grocery_list_id)
    pending = pending.exclude(status=ListItem.Status.PURCHASED)
    purchased = []
    for item_id in pending.order_by("pk").values_list("pk", flat=True):
        try:
            item_set_status(
                item_id=item_id,
                grocery_list=order.grocery_list,
                actor=actor,
                status=ListItem.Status.PURCHASED,
            )
        except ListItem.DoesNotExist:  # deleted from the list since the order was placed
            continue
        purchased.append(str(item_id))
    still_open = order.grocery_list.items.exclude(status=ListItem.Status.PURCHASED).exists()
    if not still_open:
        GroceryList.objects.filter(
            pk=order.grocery_list_id, status=GroceryList.Status.ACTIVE
        ).update(status=GroceryList.Status.ORDERED)
    return purchased


@retry_on_conflict
def order_set_status(*, order: Order, status: str, actor: User) -> Order:
    """placed → confirmed → delivered, or cancelled before delivery; nothing else.

    On delivered the ordered items become purchased (see `_deliver_items`).
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("grocery_list").get(pk=order.pk)
        if status not in TRANSITIONS.get(order.status, set()):
            wanted = Order.Status(status).label if status in Order.Status.values else status
            raise OrderError(
                gettext("An order that is %(status)s cannot become %(wanted)s.")
                % {
                    "status": order.get_status_display().lower(),
                    "wanted": str(wanted).lower() or gettext("that"),
                }
            )
        # The list's row before its items, as every list write (lists.services).
        lock_list_row(list_id=order.grocery_list_id)
        order.status = status
        order.status_changed_at = timezone.now()
        order.save(update_fields=["status", "status_changed_at", "updated_at"])
        purchased: list[str] = []
        if status == Order.Status.DELIVERED:
            purchased = _deliver_items(order=order, actor=actor)
        list_event_record(
            grocery_list=order.grocery_list,
            type="order.status_changed",
            actor=actor,
            payload={
                "order_id": str(order.id),
                "status": order.status,
                "purchased_item_ids": purchased,
            },
        )
    return order
