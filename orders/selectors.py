"""Reads for the order pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypedDict
from uuid import UUID

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404

from families.models import Family
from lists.models import ListItem
from vendors.models import VendorAnswerLine, VendorShare

from .models import Order
from .services import line_total


class MonthlySpend(TypedDict):
    month: date
    currency: str
    total: Decimal
    orders: int


def orders_for_family(*, family: Family) -> QuerySet[Order]:
    return (
        Order.objects.filter(family=family)
        .select_related("vendor", "grocery_list")
        .order_by("-created_at")
    )


def order_for_family_or_404(*, family: Family, order_id: UUID | str) -> Order:
    order = (
        Order.objects.filter(family=family, pk=order_id)
        .select_related("vendor", "grocery_list", "placed_by")
        .prefetch_related("lines")
        .first()
    )
    if order is None:
        raise Http404("No such order.")
    return order


def monthly_spend(*, family: Family) -> list[MonthlySpend]:
    """Spend per calendar month (newest first) in one query; cancelled orders excluded."""
    rows = (
        Order.objects.filter(family=family)
        .exclude(status=Order.Status.CANCELLED)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "currency")
        .annotate(total=Sum("total"), orders=Count("id"))
        .order_by("-month", "currency")
    )
    return [
        MonthlySpend(
            month=row["month"].date() if hasattr(row["month"], "date") else row["month"],
            currency=row["currency"],
            total=row["total"],
            orders=row["orders"],
        )
        for row in rows
    ]


def open_order_exists(*, share: VendorShare) -> bool:
    """Has the family ordered from this share's answer (and not cancelled)?"""
    return Order.objects.filter(share=share).exclude(status=Order.Status.CANCELLED).exists()


def answer_review(*, share: VendorShare) -> dict:
    """The vendor's answer line by line with amounts and total, and the open order if any."""
    answer = getattr(share, "answer", None)
    lines = []
    total = None
    if answer is not None and answer.submitted_at:
        total = Decimal("0.00")
        for line in answer.lines.all():
            available = line.availability != VendorAnswerLine.Availability.UNAVAILABLE
            amount = line_total(
                unit_price=line.unit_price, quantity_text=line.quantity_text, available=available
            )
            total += amount
            lines.append({"line": line, "available": available, "amount": amount})
    order = share.orders.exclude(status=Order.Status.CANCELLED).first()
    return {"share": share, "answer": answer, "lines": lines, "total": total, "order": order}


def items_still_to_buy(*, order: Order) -> list[str]:
    """Names of the order's list items not bought yet (what a delivery left open)."""
    return list(
        ListItem.objects.filter(grocery_list_id=order.grocery_list_id)
        .exclude(status=ListItem.Status.PURCHASED)
        .order_by("position", "name")
        .values_list("name", flat=True)
    )
