"""Family-side pages: the vendor directory and sharing a list. (Reviewing an answer and
ordering from it: `orders.views`.)"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from families.access import family_member_required
from families.models import Membership
from lists.access import access_list
from lists.models import GroceryList

from . import selectors, services, whatsapp
from .forms import ShareForm, VendorForm
from .models import VendorShare

IN_FLIGHT = {VendorShare.Status.PENDING, VendorShare.Status.SENDING}
AWAITING_ANSWER = {VendorShare.Status.SENT, VendorShare.Status.DELIVERED, VendorShare.Status.READ}


# --- the family's vendor directory ---------------------------------------------------------


@family_member_required
@require_http_methods(["GET", "POST"])
def directory(request: HttpRequest, membership: Membership) -> HttpResponse:
    family = membership.family
    form = VendorForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not membership.is_admin:
            raise PermissionDenied(_("Only family admins can add vendors."))
        if form.is_valid():
            try:
                vendor = services.vendor_create(family=family, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("%(vendor)s was added.") % {"vendor": vendor.name})
                return redirect("vendors:directory", family_id=family.id)
        status = 400
    vendors = selectors.vendors_for_family(family=family)
    return TemplateResponse(
        request,
        "vendors/directory.html",
        {"family": family, "membership": membership, "vendors": vendors, "form": form},
        status=status,
    )


@family_member_required(admin=True)
@require_http_methods(["GET", "POST"])
def vendor_edit(request: HttpRequest, membership: Membership, vendor_id) -> HttpResponse:
    family = membership.family
    vendor = selectors.vendor_for_family_or_404(family=family, vendor_id=vendor_id)
    if vendor.is_global:
        # The global directory is managed in the Django admin.
        raise PermissionDenied(_("Global vendors are managed by the site's administrators."))
    initial = {
        "name": vendor.name,
        "whatsapp_number": vendor.whatsapp_number,
        "description": vendor.description,
        "language": vendor.language,
    }
    form = VendorForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.vendor_update(vendor=vendor, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("%(vendor)s was saved.") % {"vendor": vendor.name})
                return redirect("vendors:directory", family_id=family.id)
        status = 400
    return TemplateResponse(
        request,
        "vendors/vendor_edit.html",
        {"family": family, "vendor": vendor, "form": form},
        status=status,
    )


@family_member_required(admin=True)
@require_POST
def vendor_delete(request: HttpRequest, membership: Membership, vendor_id) -> HttpResponse:
    vendor = selectors.vendor_for_family_or_404(family=membership.family, vendor_id=vendor_id)
    if vendor.is_global:
        raise PermissionDenied(_("Global vendors are managed by the site's administrators."))
    services.vendor_delete(vendor=vendor)
    messages.success(request, _("%(vendor)s was removed.") % {"vendor": vendor.name})
    return redirect("vendors:directory", family_id=membership.family_id)


# --- sharing a list --------------------------------------------------------------------------


def _share_rows(request: HttpRequest, grocery_list: GroceryList) -> list[dict]:
    """What the statuses partial shows per share, prepared so the template stays dumb."""
    configured = whatsapp.is_configured()
    rows = []
    for share in selectors.shares_for_list(grocery_list=grocery_list):
        share.grocery_list = grocery_list
        row = {"share": share, "chat_url": "", "answered": hasattr(share, "answer")}
        # After ordering, the share's story is the order's: Ordered, then Delivered.
        order = next((o for o in share.orders.all() if o.status != "cancelled"), None)
        if order is not None:
            row["order_state"] = "Delivered" if order.status == "delivered" else "Ordered"
            row["order_label"] = _("Delivered") if order.status == "delivered" else _("Ordered")
            row["order_url"] = reverse(
                "orders:detail", kwargs={"family_id": grocery_list.family_id, "order_id": order.id}
            )
        elif share.link_state == "open":
            # The private link on its own, to copy into an SMS or another app.
            row["vendor_url"] = services.share_vendor_url(
                share=share, base_url=request.build_absolute_uri("/")
            )
            if not configured:
                row["chat_url"] = whatsapp.click_to_chat_url(
                    number=share.vendor.whatsapp_number,
                    text=services.share_text(share=share, vendor_url=row["vendor_url"]),
                )
        rows.append(row)
    return rows


def _statuses_context(request: HttpRequest, grocery_list: GroceryList) -> dict:
    rows = _share_rows(request, grocery_list)
    statuses = {row["share"].status for row in rows}
    if whatsapp.is_configured() and statuses & IN_FLIGHT:
        poll = "every 2s"
    elif statuses & (AWAITING_ANSWER | IN_FLIGHT):
        poll = "every 5s"  # waiting for the answer; on the list page the socket is faster
    else:
        poll = ""
    return {
        "grocery_list": grocery_list,
        "share_rows": rows,
        "poll": poll,
        "configured": whatsapp.is_configured(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def share(request: HttpRequest, list_id) -> HttpResponse:
    grocery_list, membership = access_list(user=request.user, list_id=list_id)
    vendors = selectors.vendors_for_family(family=grocery_list.family)
    form = ShareForm(request.POST or None, vendors=vendors)
    context = {"membership": membership, "has_vendors": vendors.exists()}
    if request.method == "POST":
        if form.is_valid():
            try:
                shared = services.share_send(
                    grocery_list=grocery_list,
                    vendor=form.cleaned_data["vendor"],
                    message=form.cleaned_data["message"],
                    actor=request.user,
                    base_url=request.build_absolute_uri("/"),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if request.htmx:
                    # The statuses, plus a fresh form swapped out of band.
                    context["form"] = ShareForm(vendors=vendors)
                    context.update(_statuses_context(request, grocery_list))
                    return TemplateResponse(request, "vendors/_share_htmx.html", context)
                if whatsapp.is_configured():
                    messages.info(
                        request, _("Sending to %(vendor)s…") % {"vendor": shared.vendor.name}
                    )
                else:
                    messages.info(
                        request,
                        _("Ready: open WhatsApp to send the list to %(vendor)s.")
                        % {"vendor": shared.vendor.name},
                    )
                return redirect("vendors:share", list_id=grocery_list.id)
        context.update(form=form, **_statuses_context(request, grocery_list))
        if request.htmx:
            response = TemplateResponse(request, "vendors/_share_form.html", context, status=400)
            response["HX-Retarget"] = "#share-form"
            response["HX-Reswap"] = "outerHTML"
            return response
        return TemplateResponse(request, "vendors/share.html", context, status=400)
    context.update(form=form, **_statuses_context(request, grocery_list))
    return TemplateResponse(request, "vendors/share.html", context)


@login_required
def share_statuses(request: HttpRequest, list_id) -> HttpResponse:
    """The statuses partial: polled by htmx while something is in flight, and included
    on the list page."""
    grocery_list, _membership = access_list(user=request.user, list_id=list_id)
    return TemplateResponse(
        request, "vendors/_share_statuses.html", _statuses_context(request, grocery_list)
    )


@login_required
@require_POST
def share_revoke(request: HttpRequest, list_id, share_id) -> HttpResponse:
    grocery_list, _membership = access_list(user=request.user, list_id=list_id)
    shared = selectors.share_for_list_or_404(grocery_list=grocery_list, share_id=share_id)
    services.share_revoke(share=shared, actor=request.user)
    if request.htmx:
        return TemplateResponse(
            request, "vendors/_share_statuses.html", _statuses_context(request, grocery_list)
        )
    messages.success(
        request,
        _("The link for %(vendor)s no longer works.") % {"vendor": shared.vendor.name},
    )
    return redirect("vendors:share", list_id=grocery_list.id)
