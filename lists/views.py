"""Thin views: authorize, validate a form, call a service, render a partial or redirect.

An htmx request gets the matching partial of `lists/detail.html`; a plain request is
redirected back to the page (POST-redirect-GET), so everything works without JavaScript.
Bad input is a 400 with the form's errors, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from families.access import family_member_required
from families.models import Membership

from . import hooks, selectors, services
from .access import list_member_required
from .forms import (
    BulkAddForm,
    ItemAddForm,
    ListForm,
    ShoppingForm,
)
from .models import GroceryList
from .rendering import keep_items_area, kept_items_area

UNDO_SESSION_KEY = "lists.undo"


def detail_url(grocery_list: GroceryList, anchor: str = "") -> str:
    url = reverse("lists:detail", kwargs={"list_id": grocery_list.id})
    return f"{url}#{anchor}" if anchor else url


def set_undo(request: HttpRequest, *, label: str, action: str, item_ids: list[str]) -> None:
    """Remember one undo offer for the next page the user sees (no-JS flow)."""
    request.session[UNDO_SESSION_KEY] = {"label": label, "action": action, "item_ids": item_ids}


def pop_undo(request: HttpRequest) -> dict | None:
    return request.session.pop(UNDO_SESSION_KEY, None)


# --- Dashboard and lists ---------------------------------------------------------------


@require_GET
@family_member_required
def dashboard(request: HttpRequest, *, membership: Membership) -> TemplateResponse:
    active, archived = selectors.lists_for_dashboard(family=membership.family)
    return TemplateResponse(
        request,
        "lists/dashboard.html",
        {
            "family": membership.family,
            "membership": membership,
            "active_lists": active,
            "archived_lists": archived,
            "form": ListForm(),
            "undo": pop_undo(request),
        },
    )


@require_http_methods(["GET", "POST"])
@family_member_required
def list_create(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    form = ListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        grocery_list = services.list_create(
            family=membership.family, actor=request.user, **form.cleaned_data
        )
        return redirect(detail_url(grocery_list))
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        "lists/list_form.html",
        {"form": form, "family": membership.family, "grocery_list": None},
        status=status,
    )


@require_GET
@list_member_required
def detail(request: HttpRequest, *, grocery_list: GroceryList) -> TemplateResponse:
    return detail_page(request, grocery_list, add_form=ItemAddForm())


@require_GET
@list_member_required
def activity(request: HttpRequest, *, grocery_list: GroceryList) -> TemplateResponse:
    """The list's whole activity feed, thirty entries a page, newest first."""
    try:
        before = int(request.GET["before"]) if "before" in request.GET else None
    except ValueError:
        before = None
    events, older = selectors.list_activity_page(grocery_list=grocery_list, before=before)
    context = {
        "grocery_list": grocery_list,
        "family": grocery_list.family,
        "events": events,
        "older": older,
        "first_page": before is None,
    }
    return TemplateResponse(request, "lists/activity.html", context)


def page_for(grocery_list: GroceryList) -> tuple[selectors.ListPage, hooks.Shopping | None]:
    """The list's items in the aisle order of the store the family is shopping at."""
    shopping = hooks.shopping_for(family=grocery_list.family)
    page = selectors.list_for_page(
        grocery_list=grocery_list,
        order=shopping.order if shopping else None,
        split_done=shopping is not None and shopping.store is not None,
    )
    return page, shopping


def _page_with_items_area(
    request: HttpRequest, grocery_list: GroceryList
) -> tuple[selectors.ListPage, hooks.Shopping | None]:
    """`page_for`, with the item area as HTML: kept (the items are not even loaded) or
    rendered and kept for the next page (lists.rendering)."""
    shopping = hooks.shopping_for(family=grocery_list.family)
    order = shopping.order if shopping else None
    split_done = shopping is not None and shopping.store is not None
    members = selectors.family_members(family_id=grocery_list.family_id)
    area = kept_items_area(
        grocery_list=grocery_list,
        members=members,
        order=order,
        split_done=split_done,
        request=request,
    )
    if area is not None:
        page = selectors.list_page_around_items(
            grocery_list=grocery_list, members=members, counts=area.counts
        )
    else:
        page = selectors.list_for_page(
            grocery_list=grocery_list, order=order, split_done=split_done, members=members
        )
        area = keep_items_area(
            page=page,
            grocery_list=grocery_list,
            order=order,
            split_done=split_done,
            request=request,
        )
    page.items_html = area.html
    return page, shopping


def detail_page(
    request: HttpRequest,
    grocery_list: GroceryList,
    *,
    add_form: ItemAddForm,
    status: int = 200,
    store_form=None,
    bulk_form=None,
) -> TemplateResponse:
    page, shopping = _page_with_items_area(request, grocery_list)
    return TemplateResponse(
        request,
        "lists/detail.html",
        {
            "grocery_list": grocery_list,
            "family": grocery_list.family,
            "shopping": shopping,
            "store_form": store_form,
            "page": page,
            "counts": page.counts,
            "members": page.members,
            "suggestions": page.suggestions,
            "add_form": add_form,
            "bulk_form": bulk_form or BulkAddForm(),
            "undo": pop_undo(request),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@list_member_required
def list_edit(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    initial = {"name": grocery_list.name, "description": grocery_list.description}
    form = ListForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.list_update(grocery_list=grocery_list, actor=request.user, **form.cleaned_data)
        return redirect(detail_url(grocery_list))
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        "lists/list_form.html",
        {"form": form, "family": grocery_list.family, "grocery_list": grocery_list},
        status=status,
    )


@require_POST
@list_member_required
def list_archive(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    services.list_archive(grocery_list=grocery_list, actor=request.user)
    messages.success(
        request,
        _("Archived “%(list)s”. You can restore it below.") % {"list": grocery_list.name},
    )
    return redirect("lists:dashboard", family_id=grocery_list.family_id)


@require_POST
@list_member_required(include_deleted=True)
def list_restore(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    services.list_restore(grocery_list=grocery_list, actor=request.user)
    messages.success(request, _("Restored “%(list)s”.") % {"list": grocery_list.name})
    return redirect(detail_url(grocery_list))


@require_POST
@list_member_required
def list_delete(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    services.list_delete(grocery_list=grocery_list, actor=request.user)
    set_undo(
        request,
        label=_("Deleted “%(list)s”") % {"list": grocery_list.name},
        action=reverse("lists:restore", kwargs={"list_id": grocery_list.id}),
        item_ids=[],
    )
    return redirect("lists:dashboard", family_id=grocery_list.family_id)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """`static/js/sw.js` served from the site root, so its scope covers every list page.

    Public (it holds no data); `no-cache` makes browsers check for a new version on
    every visit instead of keeping an old worker for a day.
    """
    path = finders.find("js/sw.js")
    if not path:
        raise Http404("No service worker.")
    with open(path, "rb") as handle:
        body = handle.read()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_POST
@list_member_required
def shopping_start(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    """ "Going shopping": tells the family (feed and push). Locks nothing."""
    form = ShoppingForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(detail_url(grocery_list))
    services.shopping_start(
        grocery_list=grocery_list, actor=request.user, store=form.cleaned_data["store"]
    )
    store = form.cleaned_data["store"]
    feedback = (
        _("Told the family you are going shopping at %(store)s.") % {"store": store}
        if store
        else _("Told the family you are going shopping.")
    )
    if request.htmx:
        return TemplateResponse(
            request, "lists/detail.html#feedback", {"feedback": feedback, "oob": False}
        )
    messages.success(request, feedback)
    return redirect(detail_url(grocery_list))
