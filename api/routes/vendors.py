"""Vendors, sharing a list with one, the vendor's answer, and orders."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from orders import services as order_services
from orders.models import Order
from orders.selectors import orders_for_family
from vendors import selectors as vendor_selectors
from vendors import services as vendor_services
from vendors.models import VendorShare

from .. import access
from ..pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from ..problems import Problem
from ..schemas import OrderIn, OrderOut, OrderPatch, OrdersPage, ShareIn, ShareOut, VendorsPage

router = Router(tags=["vendors and orders"])


class PageParams(Schema):
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def share_out(share: VendorShare) -> dict:
    answer = getattr(share, "answer", None)
    order = share.orders.exclude(status=Order.Status.CANCELLED).values_list("id", flat=True).first()
    return {
        "id": share.id,
        "list_id": share.grocery_list_id,
        "vendor_id": share.vendor_id,
        "vendor_name": share.vendor.name,
        "status": share.status,
        "failure_reason": share.failure_reason,
        "message": share.message,
        "link_state": share.link_state,
        "created_at": share.created_at,
        "answer": None
        if answer is None
        else {
            "version": answer.fingerprint,
            "submitted_at": answer.submitted_at,
            "delivery_time": answer.delivery_time,
            "note": answer.note,
            "lines": [
                {
                    "name": line.name,
                    "quantity": line.quantity_text,
                    "availability": line.availability,
                    "substitute": line.substitute,
                    "unit_price": _money(line.unit_price),
                }
                for line in answer.lines.order_by("position")
            ],
        },
        "order_id": order,
    }


def order_out(order: Order) -> dict:
    return {
        "id": order.id,
        "list_id": order.grocery_list_id,
        "vendor_id": order.vendor_id,
        "share_id": order.share_id,
        "status": order.status,
        "total": _money(order.total),
        "currency": order.currency,
        "delivery_time": order.delivery_time,
        "note": order.note,
        "created_at": order.created_at,
        "lines": [
            {
                "name": line.name,
                "quantity": line.quantity_text,
                "available": line.available,
                "substitute": line.substitute,
                "unit_price": _money(line.unit_price),
                "line_total": _money(line.line_total),
            }
            for line in order.lines.all()
        ],
    }


@router.get(
    "/families/{uuid:family_id}/vendors", response=VendorsPage, summary="Vendors the family can use"
)
def vendors(request: HttpRequest, family_id: UUID, params: Query[PageParams]):
    membership = access.family_membership(user=request.user, family_id=family_id)
    page = paginate(
        request,
        vendor_selectors.vendors_for_family(family=membership.family),
        keys=[("name", str), ("id", UUID)],
        cursor=params.cursor,
        limit=params.limit,
    )
    return {
        "results": [
            {
                "id": vendor.id,
                "name": vendor.name,
                "description": vendor.description,
                "whatsapp_number": vendor.whatsapp_number,
                "is_global": vendor.family_id is None,
            }
            for vendor in page.rows
        ],
        "next": page.next,
    }


@router.post(
    "/lists/{uuid:list_id}/shares", response={201: ShareOut}, summary="Send the list to a vendor"
)
def share_create(request: HttpRequest, list_id: UUID, payload: ShareIn, response: HttpResponse):
    grocery_list = access.list_for(user=request.user, list_id=list_id)
    vendor = (
        vendor_selectors.vendors_for_family(family=grocery_list.family)
        .filter(pk=payload.vendor)
        .first()
    )
    if vendor is None:
        raise Problem(
            422,
            "No such vendor for this family.",
            errors=[{"field": "vendor", "message": "Not a vendor this family can use."}],
        )
    share = vendor_services.share_send(
        grocery_list=grocery_list,
        vendor=vendor,
        message=payload.message,
        actor=request.user,
        base_url=request.build_absolute_uri("/"),
    )
    share = access.share_for(user=request.user, share_id=share.pk)
    response["Location"] = f"/api/v1/shares/{share.pk}"
    return Status(201, share_out(share))


@router.get("/shares/{uuid:share_id}", response=ShareOut, summary="A share and the vendor's answer")
def share_detail(request: HttpRequest, share_id: UUID):
    return share_out(access.share_for(user=request.user, share_id=share_id))


@router.post(
    "/shares/{uuid:share_id}/order",
    response={201: OrderOut, 200: OrderOut},
    summary="Order what the vendor offered (Idempotency-Key required)",
)
def share_order(request: HttpRequest, share_id: UUID, payload: OrderIn, response: HttpResponse):
    share = access.share_for(user=request.user, share_id=share_id)
    if not request.headers.get("Idempotency-Key"):
        raise Problem(
            400,
            "Placing an order needs an Idempotency-Key header, so a retry cannot order twice.",
            type="idempotency-key-required",
        )
    existed = share.orders.exclude(status=Order.Status.CANCELLED).exists()
    try:
        order = order_services.order_place(
            share=share, actor=request.user, answer_version=payload.answer_version
        )
    except order_services.AnswerChanged as error:
        # As the order page refuses it: nothing ordered, and the answer as it is now (its
        # new version and total) to review before ordering again.
        current = access.share_for(user=request.user, share_id=share_id)
        raise Problem(
            409, " ".join(error.messages), type="answer-changed", current=share_out(current)
        ) from None
    except order_services.OrderError as error:
        raise Problem(409, " ".join(error.messages)) from None
    response["Location"] = f"/api/v1/orders/{order.pk}"
    return Status(200 if existed else 201, order_out(order))


@router.get("/families/{uuid:family_id}/orders", response=OrdersPage, summary="The family's orders")
def orders(request: HttpRequest, family_id: UUID, params: Query[PageParams]):
    membership = access.family_membership(user=request.user, family_id=family_id)
    page = paginate(
        request,
        orders_for_family(family=membership.family).prefetch_related("lines"),
        keys=[("created_at", datetime), ("id", UUID)],
        cursor=params.cursor,
        limit=params.limit,
        descending=True,
    )
    return {"results": [order_out(order) for order in page.rows], "next": page.next}


@router.patch("/orders/{uuid:order_id}", response=OrderOut, summary="Confirm, deliver or cancel")
def order_patch(request: HttpRequest, order_id: UUID, payload: OrderPatch):
    order, _membership = access.order_for(user=request.user, order_id=order_id)
    try:
        order = order_services.order_set_status(
            order=order, status=payload.status, actor=request.user
        )
    except order_services.OrderError as error:
        raise Problem(409, " ".join(error.messages)) from None
    return order_out(order)
