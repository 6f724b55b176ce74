"""In the shop: the "shopping at" selector, stores' aisle order, and shopper links.

The shopper pages answer people without an account: everything here that takes a
token goes through `shopper_link_required`, and the only writes it can reach are an
item's status and its note.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from families.models import Membership
from grocer.ratelimit import ratelimit
from lists import item_services
from lists import selectors as list_selectors
from lists.access import list_member_required
from lists.forms import ItemAddForm, StatusForm
from lists.models import Category, GroceryList, ListItem
from lists.views import detail_page, detail_url

from . import hooks, selectors, services
from .forms import AisleMoveForm, ShopperLinkForm, ShopperNoteForm, ShoppingAtForm, StoreForm
from .models import ShopperLink, Store

SHOPPER_WRITE_RATE = "120/m"  # a fast shopper checks an item every second or two


# --- "Shopping at" and stores ----------------------------------------------------------


@require_POST
@list_member_required
def shopping_at(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    """Choose where the family is shopping; remembered for the whole family."""
    form = ShoppingAtForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a store from the list."))
        return detail_page(request, grocery_list, add_form=ItemAddForm(), status=400)
    family = grocery_list.family
    kind, pk = form.cleaned_data["store"]
    store = None
    if kind == "vendor":
        vendor = hooks.vendor_for(family=family, vendor_id=pk)
        if vendor is None:
            raise Http404("No such vendor.")
        store = services.store_for_vendor(family=family, vendor=vendor, actor=request.user)
    elif kind == "store":
        store = Store.objects.filter(family=family, pk=pk).first()
        if store is None:
            raise Http404("No such store.")
    services.shopping_choice_set(family=family, store=store)
    if store is not None:
        messages.info(
            request,
            _("Shopping at %(store)s: the list follows its aisles.") % {"store": store.name},
        )
    return redirect(detail_url(grocery_list))


@require_POST
@list_member_required
def store_add(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    """Add a store just for its aisle order, and shop there."""
    form = StoreForm(request.POST)
    if form.is_valid():
        try:
            store = services.store_create(
                family=grocery_list.family, actor=request.user, name=form.cleaned_data["name"]
            )
        except (ValidationError, IntegrityError):
            form.add_error("name", _("The family already has a store with that name."))
        else:
            services.shopping_choice_set(family=grocery_list.family, store=store)
            messages.success(
                request, _("Added %(store)s. Shopping there now.") % {"store": store.name}
            )
            return redirect(detail_url(grocery_list))
    return detail_page(request, grocery_list, add_form=ItemAddForm(), status=400, store_form=form)


@require_http_methods(["GET", "POST"])
@list_member_required(with_membership=True)
def store_aisles(
    request: HttpRequest, *, grocery_list: GroceryList, membership: Membership, store_id: UUID
) -> HttpResponse:
    """The store's aisle order; family admins move aisles earlier or later by hand."""
    store = Store.objects.filter(family_id=grocery_list.family_id, pk=store_id).first()
    if store is None:
        raise Http404("No such store.")
    order = selectors.store_aisle_order(store=store)
    status = 200
    if request.method == "POST":
        if not membership.is_admin:
            raise PermissionDenied(_("Only family admins can arrange the aisles."))
        form = AisleMoveForm(request.POST)
        if form.is_valid():
            services.store_aisle_move(
                store=store, actor=request.user, current=order, **form.cleaned_data
            )
            url = reverse(
                "shop:store_aisles", kwargs={"list_id": grocery_list.id, "store_id": store.id}
            )
            return redirect(f"{url}#aisle-{form.cleaned_data['category']}")
        messages.error(request, _("Choose an aisle and a direction."))
        status = 400
    labels = dict(Category.choices)
    return TemplateResponse(
        request,
        "shop/store_aisles.html",
        {
            "grocery_list": grocery_list,
            "family": grocery_list.family,
            "store": store,
            "aisles": [(value, labels[value]) for value in order],
            "can_arrange": membership.is_admin,
        },
        status=status,
    )


# --- Shopper links: the family's side --------------------------------------------------


@require_http_methods(["GET", "POST"])
@list_member_required
def shopper_links(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    form = ShopperLinkForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            created = services.shopper_link_create(
                grocery_list=grocery_list, actor=request.user, **form.cleaned_data
            )
            form = ShopperLinkForm()
        else:
            status = 400
    links = list(grocery_list.shopper_links.order_by("-created_at")[:50])
    return TemplateResponse(
        request,
        "shop/shopper_links.html",
        {
            "grocery_list": grocery_list,
            "family": grocery_list.family,
            "form": form,
            "links": links,
            "created": created,
            "created_url": request.build_absolute_uri(
                reverse("shopper:page", kwargs={"token": created.token})
            )
            if created
            else "",
        },
        status=status,
    )


@require_POST
@list_member_required
def shopper_link_revoke(
    request: HttpRequest, *, grocery_list: GroceryList, link_id: UUID
) -> HttpResponse:
    link = grocery_list.shopper_links.filter(pk=link_id).first()
    if link is None:
        raise Http404("No such link.")
    services.shopper_link_revoke(link=link, actor=request.user)
    messages.success(request, _("The link for %(name)s no longer works.") % {"name": link.name})
    return redirect("shop:shopper_links", list_id=grocery_list.id)


# --- Shopper links: the shopper's side -------------------------------------------------


def _by_token(request: HttpRequest, *args, token: str = "", **kwargs) -> str:
    return f"shopper:{token}"


def shopper_link_required(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For views with a `token` URL kwarg: the open link, else 404 (unknown) or 410
    (revoked, expired, or its list gone). The view receives `link` with its list."""

    @wraps(func)
    def wrapper(request: HttpRequest, *args, token: str, **kwargs) -> HttpResponse:
        link = (
            ShopperLink.objects.filter(token=token).select_related("grocery_list__family").first()
            if len(token) <= 64
            else None
        )
        if link is None:
            raise Http404("No such link.")
        grocery_list = link.grocery_list
        if (
            not link.is_open
            or grocery_list.deleted_at is not None
            or grocery_list.family.deleted_at is not None
        ):
            return TemplateResponse(request, "shop/shopper_gone.html", {"link": link}, status=410)
        return func(request, *args, link=link, **kwargs)

    return wrapper


def _shopper_item_or_404(link: ShopperLink, item_id: UUID) -> ListItem:
    item = ListItem.objects.filter(pk=item_id, grocery_list=link.grocery_list).first()
    if item is None:
        raise Http404("No such item.")
    item.grocery_list = link.grocery_list
    return item


def _shopper_context(link: ShopperLink) -> dict:
    page = list_selectors.list_for_page(grocery_list=link.grocery_list)
    return {"link": link, "grocery_list": link.grocery_list, "page": page, "counts": page.counts}


@require_GET
@shopper_link_required
def shopper_page(request: HttpRequest, *, link: ShopperLink) -> TemplateResponse:
    template = "shop/shopper.html#shopper-items" if request.htmx else "shop/shopper.html"
    return TemplateResponse(request, template, _shopper_context(link))


def _shopper_row(request: HttpRequest, link: ShopperLink, item: ListItem, *, status: int = 200):
    if not request.htmx:
        if status >= 400:  # bad input or a clash: the page again, with the current state
            return TemplateResponse(
                request, "shop/shopper.html", _shopper_context(link), status=status
            )
        url = reverse("shopper:page", kwargs={"token": link.token})
        return HttpResponseRedirect(f"{url}#item-{item.id}")
    return TemplateResponse(
        request, "shop/shopper.html#shopper-row", {"link": link, "item": item}, status=status
    )


@require_POST
@ratelimit("shopper-write", SHOPPER_WRITE_RATE, key=_by_token)
@shopper_link_required
def shopper_item_status(request: HttpRequest, *, link: ShopperLink, item_id: UUID):
    item = _shopper_item_or_404(link, item_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _shopper_row(request, link, item, status=400)
    try:
        item = item_services.item_set_status(
            item_id=item.id,
            grocery_list=link.grocery_list,
            actor=None,
            actor_label=link.actor_label,
            status=form.cleaned_data["status"],
        )
    except ListItem.DoesNotExist:
        raise Http404("No such item.") from None
    item.grocery_list = link.grocery_list
    return _shopper_row(request, link, item)


@require_POST
@ratelimit("shopper-write", SHOPPER_WRITE_RATE, key=_by_token)
@shopper_link_required
def shopper_item_note(request: HttpRequest, *, link: ShopperLink, item_id: UUID):
    """The shopper's note ("only the big pack left"); merged like any edit of the note."""
    item = _shopper_item_or_404(link, item_id)
    form = ShopperNoteForm(request.POST)
    if not form.is_valid():
        return _shopper_row(request, link, item, status=400)
    base = {"note": form.cleaned_data["base_note"] if "base_note" in request.POST else item.note}
    try:
        item = item_services.item_update(
            item_id=item.id,
            grocery_list=link.grocery_list,
            actor=None,
            actor_label=link.actor_label,
            changes={"note": form.cleaned_data["note"]},
            base=base,
        )
    except item_services.ConflictError as conflict:
        item = conflict.item
        item.grocery_list = link.grocery_list
        return _shopper_row(request, link, item, status=409)
    except ListItem.DoesNotExist:
        raise Http404("No such item.") from None
    item.grocery_list = link.grocery_list
    return _shopper_row(request, link, item)
