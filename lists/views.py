"""Thin views: authorize, validate a form, call a service, render a partial or redirect.

An htmx request gets the matching partial of `lists/detail.html`; a plain request is
redirected back to the page (POST-redirect-GET), so everything works without JavaScript.
Bad input is a 400 with the form's errors, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from families import notifications
from families.access import family_member_required
from families.models import Membership
from grocer import ratelimit
from grocer.jsonbody import read_json
from grocer.problems import ProblemError, problem_response

from . import hooks, selectors, services
from . import sync as sync_services
from .forms import (
    AssignForm,
    ItemAddForm,
    ItemEditForm,
    ListForm,
    QuantityStepForm,
    RestoreForm,
    ShoppingForm,
    StatusForm,
    SyncForm,
)
from .models import GroceryList, ListItem
from .rendering import item_row_context

UNDO_SESSION_KEY = "lists.undo"


LIST_WRITE_RATE = "300/5m"


def list_member_required(
    view: Callable[..., HttpResponse] | None = None, *, include_deleted: bool = False
) -> Callable[..., HttpResponse]:
    """For views with a `list_id` URL kwarg: the list, loaded with the user's membership.

    One query checks both; a list of another family (or none) is a 404. The view
    receives `grocery_list` instead of `list_id`.
    """

    def decorator(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(func)
        def wrapper(request: HttpRequest, *args, list_id: UUID, **kwargs) -> HttpResponse:
            manager = GroceryList.all_objects if include_deleted else GroceryList.objects
            grocery_list = (
                manager.filter(
                    pk=list_id,
                    family__memberships__user=request.user,
                    family__deleted_at__isnull=True,
                )
                .select_related("family")
                .first()
            )
            if grocery_list is None:
                raise Http404("No such list.")
            if request.method == "POST":
                # Generous: a shopper ticking a long list fast never meets it; a runaway
                # script does. Counted after the membership check, so outsiders get 404.
                retry_after = ratelimit.hit(
                    scope="list-writes", key=f"user:{request.user.pk}", rate=LIST_WRITE_RATE
                )
                if retry_after is not None:
                    return ratelimit.too_many_requests(request, retry_after)
            return func(request, *args, grocery_list=grocery_list, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def _item_or_404(grocery_list: GroceryList, item_id: UUID) -> ListItem:
    item = (
        ListItem.objects.filter(pk=item_id, grocery_list=grocery_list)
        .select_related("assigned_to", "photo")
        .first()
    )
    if item is None:
        raise Http404("No such item.")
    item.grocery_list = grocery_list
    return item


def _detail_url(grocery_list: GroceryList, anchor: str = "") -> str:
    url = reverse("lists:detail", kwargs={"list_id": grocery_list.id})
    return f"{url}#{anchor}" if anchor else url


def _set_undo(request: HttpRequest, *, label: str, action: str, item_ids: list[str]) -> None:
    """Remember one undo offer for the next page the user sees (no-JS flow)."""
    request.session[UNDO_SESSION_KEY] = {"label": label, "action": action, "item_ids": item_ids}


def _pop_undo(request: HttpRequest) -> dict | None:
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
            "undo": _pop_undo(request),
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
        return redirect(_detail_url(grocery_list))
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
    return _detail_page(request, grocery_list, add_form=ItemAddForm())


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


def _page_for(grocery_list: GroceryList) -> tuple[selectors.ListPage, hooks.Shopping | None]:
    """The list's items in the aisle order of the store the family is shopping at."""
    shopping = hooks.shopping_for(family=grocery_list.family)
    page = selectors.list_for_page(
        grocery_list=grocery_list,
        order=shopping.order if shopping else None,
        split_done=shopping is not None and shopping.store is not None,
    )
    return page, shopping


def _detail_page(
    request: HttpRequest,
    grocery_list: GroceryList,
    *,
    add_form: ItemAddForm,
    status: int = 200,
    store_form=None,
) -> TemplateResponse:
    page, shopping = _page_for(grocery_list)
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
            "undo": _pop_undo(request),
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
        return redirect(_detail_url(grocery_list))
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
    messages.success(request, f"Archived “{grocery_list.name}”. You can restore it below.")
    return redirect("lists:dashboard", family_id=grocery_list.family_id)


@require_POST
@list_member_required(include_deleted=True)
def list_restore(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    services.list_restore(grocery_list=grocery_list, actor=request.user)
    messages.success(request, f"Restored “{grocery_list.name}”.")
    return redirect(_detail_url(grocery_list))


@require_POST
@list_member_required
def list_delete(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    services.list_delete(grocery_list=grocery_list, actor=request.user)
    _set_undo(
        request,
        label=f"Deleted “{grocery_list.name}”",
        action=reverse("lists:restore", kwargs={"list_id": grocery_list.id}),
        item_ids=[],
    )
    return redirect("lists:dashboard", family_id=grocery_list.family_id)


# --- Items -----------------------------------------------------------------------------


def _row_response(
    request: HttpRequest,
    item: ListItem,
    *,
    members: list | None = None,
    status: int = 200,
    row_errors: dict | None = None,
) -> HttpResponse:
    if not request.htmx:
        return HttpResponseRedirect(_detail_url(item.grocery_list, f"item-{item.id}"))
    context = {
        **item_row_context(item=item, members=members),
        "counts": selectors.list_counts(grocery_list=item.grocery_list),
        "row_errors": row_errors,
    }
    return TemplateResponse(request, "lists/detail.html#row-response", context, status=status)


@require_POST
@list_member_required
def item_add(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    form = ItemAddForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return TemplateResponse(
                request,
                "lists/detail.html#add-errors",
                {"grocery_list": grocery_list, "add_form": form},
                status=400,
            )
        return _detail_page(request, grocery_list, add_form=form, status=400)
    try:
        add = dict(
            grocery_list=grocery_list,
            actor=request.user,
            name=form.cleaned_data["name"],
            quantity_text=form.cleaned_data["quantity_text"],
        )
        key = form.cleaned_data.get("idempotency_key")
        # With a key (the page's form has one) a double click or a retried POST adds once.
        result = sync_services.item_add_once(key=key, **add) if key else services.item_add(**add)
    except ValidationError as error:
        form.add_error("text", error.messages)
        status_context = {"grocery_list": grocery_list, "add_form": form}
        if request.htmx:
            return TemplateResponse(
                request, "lists/detail.html#add-errors", status_context, status=400
            )
        return _detail_page(request, grocery_list, add_form=form, status=400)
    item = result.item
    if result.created:
        quantity = f" ({item.quantity_text})" if item.quantity_text else ""
        feedback = f"Added {item.name}{quantity} to {item.get_category_display()}."
    elif result.merged:
        feedback = f"{item.name} was already on the list: now {item.quantity_text}."
    else:
        feedback = f"{item.name} is already on the list."
    if not request.htmx:
        messages.info(request, feedback)
        return redirect(_detail_url(grocery_list, f"item-{item.id}"))
    return TemplateResponse(
        request,
        "lists/detail.html#item-added",
        {
            "grocery_list": grocery_list,
            "add_form": ItemAddForm(),
            "item": item,
            "created": result.created,
            "feedback": feedback,
            "members": selectors.family_members(family_id=grocery_list.family_id),
            "counts": selectors.list_counts(grocery_list=grocery_list),
        },
    )


@require_GET
@list_member_required
def item_suggest(request: HttpRequest, *, grocery_list: GroceryList) -> TemplateResponse:
    query = request.GET.get("text", "")[:100]
    suggestions = selectors.item_suggestions(family_id=grocery_list.family_id, query=query)
    return TemplateResponse(request, "lists/detail.html#suggestions", {"suggestions": suggestions})


@require_GET
@list_member_required
def item_row(request: HttpRequest, *, grocery_list: GroceryList, item_id: UUID) -> HttpResponse:
    return _row_response(request, _item_or_404(grocery_list, item_id))


@require_http_methods(["GET", "POST"])
@list_member_required
def item_edit(request: HttpRequest, *, grocery_list: GroceryList, item_id: UUID) -> HttpResponse:
    item = _item_or_404(grocery_list, item_id)
    template = "lists/detail.html#item-form" if request.htmx else "lists/item_edit.html"
    context = {"grocery_list": grocery_list, "item": item, "conflict": None}
    if request.method == "GET":
        return TemplateResponse(request, template, {**context, "form": ItemEditForm.for_item(item)})
    form = ItemEditForm(request.POST)
    if not form.is_valid():
        return TemplateResponse(request, template, {**context, "form": form}, status=400)
    try:
        item = services.item_update(
            item_id=item.id,
            grocery_list=grocery_list,
            actor=request.user,
            changes=form.changes(),
            base=form.base(),
        )
    except services.ConflictError as conflict:
        form.rebase(conflict.current)
        return TemplateResponse(
            request, template, {**context, "form": form, "conflict": conflict}, status=409
        )
    except ValidationError as error:
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
        return TemplateResponse(request, template, {**context, "form": form}, status=400)
    except ListItem.DoesNotExist:
        raise Http404("No such item.") from None
    return _row_response(request, item)


def _item_action(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """POST-only item actions: the item must exist (404) before the action runs."""

    @require_POST
    @list_member_required
    @wraps(func)
    def wrapper(request: HttpRequest, *, grocery_list: GroceryList, item_id: UUID):
        item = _item_or_404(grocery_list, item_id)
        try:
            return func(request, grocery_list=grocery_list, item=item)
        except ListItem.DoesNotExist:
            raise Http404("No such item.") from None

    return wrapper


def _bad_row_request(request: HttpRequest, item: ListItem, form) -> HttpResponse:
    """400 with the form's errors, shown inside the row (htmx) or as a message."""
    if request.htmx:
        context = {**item_row_context(item=item), "row_errors": form.errors}
        return TemplateResponse(request, "lists/detail.html#item-row", context, status=400)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return HttpResponseRedirect(_detail_url(item.grocery_list, f"item-{item.id}"))


@_item_action
def item_status(request: HttpRequest, *, grocery_list: GroceryList, item: ListItem):
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _bad_row_request(request, item, form)
    item = services.item_set_status(
        item_id=item.id, grocery_list=grocery_list, actor=request.user, **form.cleaned_data
    )
    return _row_response(request, item)


@_item_action
def item_quantity(request: HttpRequest, *, grocery_list: GroceryList, item: ListItem):
    """+ / -: 409 with the current row when the item changed since the buttons were drawn."""
    form = QuantityStepForm(request.POST)
    if not form.is_valid():
        return _bad_row_request(request, item, form)
    try:
        item = services.item_quantity_step(
            item_id=item.id, grocery_list=grocery_list, actor=request.user, **form.cleaned_data
        )
    except services.StaleVersionError as stale:
        item = stale.item
        item.grocery_list = grocery_list
        notice = f"{item.name} changed meanwhile: it is now {item.quantity_text or 'one'}."
        if not request.htmx:
            messages.warning(request, notice)
        return _row_response(request, item, status=409, row_errors={"version": [notice]})
    except ValidationError as error:
        form.add_error(None, error.messages)
        return _bad_row_request(request, item, form)
    return _row_response(request, item)


@_item_action
def item_assign(request: HttpRequest, *, grocery_list: GroceryList, item: ListItem):
    members = selectors.family_members(family_id=grocery_list.family_id)
    form = AssignForm(request.POST, members=members)
    if not form.is_valid():
        return _bad_row_request(request, item, form)
    item = services.item_assign(
        item_id=item.id, grocery_list=grocery_list, actor=request.user, assignee=form.assignee()
    )
    return _row_response(request, item, members=members)


@_item_action
def item_delete(request: HttpRequest, *, grocery_list: GroceryList, item: ListItem):
    item = services.item_delete(item_id=item.id, grocery_list=grocery_list, actor=request.user)
    undo = {
        "label": f"Deleted {item.name}",
        "action": reverse("lists:item_restore", kwargs={"list_id": grocery_list.id}),
        "item_ids": [str(item.id)],
    }
    if request.htmx:
        # The toast is the swap target and the row goes out of band: a real-time push
        # may already have removed the row, and a swap into a detached row would be lost.
        counts = selectors.list_counts(grocery_list=grocery_list)
        return TemplateResponse(
            request, "lists/detail.html#item-deleted", {"undo": undo, "counts": counts}
        )
    _set_undo(request, **undo)
    return redirect(_detail_url(grocery_list))


@require_POST
@list_member_required
def items_clear_purchased(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    items = services.items_clear_purchased(grocery_list=grocery_list, actor=request.user)
    undo = None
    if items:
        count = len(items)
        undo = {
            "label": f"Cleared {count} purchased item{'s' if count != 1 else ''}",
            "action": reverse("lists:item_restore", kwargs={"list_id": grocery_list.id}),
            "item_ids": [str(item.id) for item in items],
        }
    if request.htmx:
        return _items_area(request, grocery_list, undo=undo)
    if undo:
        _set_undo(request, **undo)
    else:
        messages.info(request, "Nothing purchased to clear.")
    return redirect(_detail_url(grocery_list))


@require_POST
@list_member_required
def item_restore(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    form = RestoreForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return HttpResponse("That is not an item of this list.", status=400)
        messages.error(request, "That is not an item of this list.")
        return redirect(_detail_url(grocery_list))
    restored = services.item_restore(
        item_ids=form.cleaned_data["item"], grocery_list=grocery_list, actor=request.user
    )
    if request.htmx:
        return _items_area(request, grocery_list, undo=None, restored=restored)
    if restored:
        messages.success(request, f"Restored {', '.join(item.name for item in restored)}.")
    return redirect(_detail_url(grocery_list))


def _items_area(
    request: HttpRequest,
    grocery_list: GroceryList,
    *,
    undo: dict | None,
    restored: list[ListItem] | None = None,
) -> TemplateResponse:
    """The whole grouped item area (after bulk changes), plus the toast out of band."""
    page, _ = _page_for(grocery_list)
    return TemplateResponse(
        request,
        "lists/detail.html#items-area-oob",
        {
            "grocery_list": grocery_list,
            "page": page,
            "counts": page.counts,
            "members": page.members,
            "undo": undo,
            "restored": restored,
        },
    )


# --- Offline sync ----------------------------------------------------------------------


def _sync_error(message: str, errors: dict | None = None) -> JsonResponse:
    # `outcome` and `error` are what offline.js reads; the rest is the problem document.
    return problem_response(
        status=400, detail=message, outcome="error", error=message, errors=errors or {}
    )


@require_POST
@list_member_required
def sync(request: HttpRequest, *, grocery_list: GroceryList) -> JsonResponse:
    """Apply one queued change: `{"key", "kind", "item_id", "fields", "base"}` as JSON.

    200 with `{"outcome": "applied" | "duplicate" | "conflict", ...}`; 400 for malformed
    input (nothing is stored, so the client may fix and retry with the same key).
    """
    try:
        body = read_json(request)
    except ProblemError as error:
        return error.response(outcome="error", error=error.detail, errors={})
    form = SyncForm(body)
    if not form.is_valid():
        return _sync_error("Invalid change.", form.errors.get_json_data())
    try:
        result = sync_services.change_apply(
            grocery_list=grocery_list, actor=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        return _sync_error("; ".join(m for ms in errors.values() for m in ms), errors)
    return JsonResponse(result.as_json())


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
        return redirect(_detail_url(grocery_list))
    notifications.shopping_start(
        grocery_list=grocery_list, actor=request.user, store=form.cleaned_data["store"]
    )
    store = form.cleaned_data["store"]
    feedback = "Told the family you are going shopping" + (f" at {store}." if store else ".")
    if request.htmx:
        return TemplateResponse(
            request, "lists/detail.html#feedback", {"feedback": feedback, "oob": False}
        )
    messages.success(request, feedback)
    return redirect(_detail_url(grocery_list))
