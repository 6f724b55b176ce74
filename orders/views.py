from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from families.access import family_member_required
from families.models import Membership
from lists.access import access_list
from vendors import selectors as vendor_selectors

from . import selectors, services
from .models import Order


@login_required
def share_detail(request: HttpRequest, list_id, share_id) -> HttpResponse:
    """The vendor's answer with amounts and total, and the button that orders from it."""
    grocery_list, _membership = access_list(user=request.user, list_id=list_id)
    share = vendor_selectors.share_for_list_or_404(grocery_list=grocery_list, share_id=share_id)
    context = {
        "grocery_list": grocery_list,
        "currency": settings.GROCER_CURRENCY,
        **selectors.answer_review(share=share),
    }
    return TemplateResponse(request, "orders/share_detail.html", context)


@login_required
@require_POST
def place(request: HttpRequest, list_id, share_id) -> HttpResponse:
    grocery_list, _membership = access_list(user=request.user, list_id=list_id)
    share = vendor_selectors.share_for_list_or_404(grocery_list=grocery_list, share_id=share_id)
    try:
        # The form carries the version of the answer the family reviewed (never None
        # here: a form without it is refused like a changed answer).
        order = services.order_place(
            share=share,
            actor=request.user,
            answer_version=request.POST.get("answer_version", ""),
        )
    except services.OrderError as exc:
        changed = isinstance(exc, services.AnswerChanged)
        context = {
            "grocery_list": grocery_list,
            "currency": settings.GROCER_CURRENCY,
            "error": " ".join(exc.messages),
            "changed": changed,
            "seen_total": request.POST.get("seen_total", "")[:20] if changed else "",
            **selectors.answer_review(share=share),
        }
        status = 409 if changed else 400
        return TemplateResponse(request, "orders/share_detail.html", context, status=status)
    messages.success(request, _("Order placed with %(vendor)s.") % {"vendor": share.vendor.name})
    return redirect("orders:detail", family_id=grocery_list.family_id, order_id=order.id)


@family_member_required
def history(request: HttpRequest, membership: Membership) -> HttpResponse:
    family = membership.family
    context = {
        "family": family,
        "orders": selectors.orders_for_family(family=family),
        "monthly": selectors.monthly_spend(family=family),
    }
    return TemplateResponse(request, "orders/history.html", context)


def _detail(request, family, order, *, error: str = "", status: int = 200) -> TemplateResponse:
    nexts = [
        (value, label)
        for value, label in (
            (Order.Status.CONFIRMED, _("Mark confirmed")),
            (Order.Status.DELIVERED, _("Mark delivered")),
            (Order.Status.CANCELLED, _("Cancel order")),
        )
        if value in services.TRANSITIONS[order.status]
    ]
    context = {"family": family, "order": order, "next_statuses": nexts, "error": error}
    return TemplateResponse(request, "orders/detail.html", context, status=status)


@family_member_required
def detail(request: HttpRequest, membership: Membership, order_id) -> HttpResponse:
    order = selectors.order_for_family_or_404(family=membership.family, order_id=order_id)
    return _detail(request, membership.family, order)


@family_member_required
@require_POST
def set_status(request: HttpRequest, membership: Membership, order_id) -> HttpResponse:
    order = selectors.order_for_family_or_404(family=membership.family, order_id=order_id)
    try:
        services.order_set_status(
            order=order, status=request.POST.get("status", ""), actor=request.user
        )
    except services.OrderError as exc:
        return _detail(request, membership.family, order, error=" ".join(exc.messages), status=400)
    order.refresh_from_db(fields=["status"])
    messages.success(request, _status_message(order))
    return redirect("orders:detail", family_id=membership.family_id, order_id=order.id)


def _status_message(order: Order) -> str:
    """Say what the change did, above all what a delivery left to buy."""
    if order.status != Order.Status.DELIVERED:
        return _("Order marked %(status)s.") % {"status": order.get_status_display().lower()}
    list_name = order.grocery_list.name
    still = selectors.items_still_to_buy(order=order)
    if not still:
        return _("Delivered: everything on %(list)s is bought. The list moved to Ordered.") % {
            "list": list_name
        }
    shown = ", ".join(still[:5])
    if len(still) > 5:
        shown = _("%(items)s and %(count)d more") % {"items": shown, "count": len(still) - 5}
    return _(
        "Delivered: the delivered items are marked bought on %(list)s. "
        "Still needed: %(items)s, so the list stays active."
    ) % {"list": list_name, "items": shown}
