"""Item views: add, edit, status, quantity, assignee, delete and undo, and the offline
client's sync endpoint. Thin like the list views: authorize (`lists.access`), validate a
form, call `lists.item_services`, render a row partial or redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grocer.jsonbody import read_json
from grocer.problems import ProblemError, problem_response

from . import bulk_services, item_services, selectors
from . import sync as sync_services
from .access import list_member_required
from .bulk_views import add_entries
from .forms import (
    AssignForm,
    ItemAddForm,
    ItemEditForm,
    QuantityStepForm,
    RestoreForm,
    StatusForm,
    SyncForm,
)
from .models import GroceryList, ListItem
from .rendering import item_row_context, page_rows, render_item_row
from .views import detail_page, detail_url, page_for, set_undo

# --- Items -----------------------------------------------------------------------------


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


def _row_response(
    request: HttpRequest,
    item: ListItem,
    *,
    members: list | None = None,
    status: int = 200,
    row_errors: dict | None = None,
    counts: dict[str, int] | None = None,
) -> HttpResponse:
    if not request.htmx:
        return HttpResponseRedirect(detail_url(item.grocery_list, f"item-{item.id}"))
    if row_errors:
        context = {**item_row_context(item=item, members=members), "row_errors": row_errors}
    else:
        # The row every open page was sent for this write, rendered once (rendering.py).
        context = {"item": item, "row_html": render_item_row(item=item, members=members)}
    if counts is None:
        counts = selectors.list_counts(grocery_list=item.grocery_list)
    context["counts"] = counts
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
        return detail_page(request, grocery_list, add_form=form, status=400)
    entries = bulk_services.parse_entries(form.cleaned_data["text"])
    if len(entries) > 1:
        # "milk, eggs, bread" typed (or pasted) in the add box: each one, like the bulk box.
        return add_entries(
            request,
            grocery_list,
            entries=entries,
            key=form.cleaned_data.get("idempotency_key"),
            form=form,
        )
    try:
        add = dict(
            grocery_list=grocery_list,
            actor=request.user,
            name=form.cleaned_data["name"],
            quantity_text=form.cleaned_data["quantity_text"],
        )
        key = form.cleaned_data.get("idempotency_key")
        # With a key (the page's form has one) a double click or a retried POST adds once.
        result = (
            sync_services.item_add_once(key=key, **add) if key else item_services.item_add(**add)
        )
    except ValidationError as error:
        form.add_error("text", error.messages)
        status_context = {"grocery_list": grocery_list, "add_form": form}
        if request.htmx:
            return TemplateResponse(
                request, "lists/detail.html#add-errors", status_context, status=400
            )
        return detail_page(request, grocery_list, add_form=form, status=400)
    item = result.item
    if result.created:
        names = {"name": item.name, "aisle": item.get_category_display()}
        if item.quantity_text:
            feedback = _("Added %(name)s (%(quantity)s) to %(aisle)s.") % {
                **names,
                "quantity": item.quantity_text,
            }
        else:
            feedback = _("Added %(name)s to %(aisle)s.") % names
    elif result.merged:
        feedback = _("%(name)s was already on the list: now %(quantity)s.") % {
            "name": item.name,
            "quantity": item.quantity_text,
        }
    else:
        feedback = _("%(name)s is already on the list.") % {"name": item.name}
    if not request.htmx:
        messages.info(request, feedback)
        return redirect(detail_url(grocery_list, f"item-{item.id}"))
    item.grocery_list = grocery_list
    return TemplateResponse(
        request,
        "lists/detail.html#item-added",
        {
            "grocery_list": grocery_list,
            "add_form": ItemAddForm(),
            "item": item,
            "created": result.created,
            "feedback": feedback,
            # A new item's row is the one every open page was sent (rendered once).
            "row_html": render_item_row(item=item) if result.created else None,
            "counts": result.counts or selectors.list_counts(grocery_list=grocery_list),
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
        item = item_services.item_update(
            item_id=item.id,
            grocery_list=grocery_list,
            actor=request.user,
            changes=form.changes(),
            base=form.base(),
        )
    except item_services.ConflictError as conflict:
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
    """POST-only item actions: an item that is not a live item of the list is a 404.

    The action gets the id, not the item: the services read (and lock) it themselves,
    and a lookup before them would be a statement more on every tap.
    """

    @require_POST
    @list_member_required
    @wraps(func)
    def wrapper(request: HttpRequest, *, grocery_list: GroceryList, item_id: UUID):
        try:
            return func(request, grocery_list=grocery_list, item_id=item_id)
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
    return HttpResponseRedirect(detail_url(item.grocery_list, f"item-{item.id}"))


@_item_action
def item_status(request: HttpRequest, *, grocery_list: GroceryList, item_id: UUID):
    """The row's check button; its + and - post here too, with a `direction`.

    One URL for the row's one form keeps the row light (no formaction per button) and
    works without JavaScript: a form submits only the clicked button's name and value.
    """
    if "direction" in request.POST:
        return _quantity_step(request, grocery_list=grocery_list, item_id=item_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _bad_row_request(request, _item_or_404(grocery_list, item_id), form)
    change = item_services.item_status_change(
        item_id=item_id, grocery_list=grocery_list, actor=request.user, **form.cleaned_data
    )
    change.item.grocery_list = grocery_list
    return _row_response(request, change.item, counts=change.counts)


@_item_action
def item_quantity(request: HttpRequest, *, grocery_list: GroceryList, item_id: UUID):
    return _quantity_step(request, grocery_list=grocery_list, item_id=item_id)


def _quantity_step(request: HttpRequest, *, grocery_list: GroceryList, item_id: UUID):
    """+ / -: 409 with the current row when the item changed since the buttons were drawn."""
    form = QuantityStepForm(request.POST)
    if not form.is_valid():
        return _bad_row_request(request, _item_or_404(grocery_list, item_id), form)
    try:
        item = item_services.item_quantity_step(
            item_id=item_id, grocery_list=grocery_list, actor=request.user, **form.cleaned_data
        )
    except item_services.StaleVersionError as stale:
        item = stale.item
        item.grocery_list = grocery_list
        if item.quantity_text:
            notice = _("%(name)s changed meanwhile: it is now %(quantity)s.") % {
                "name": item.name,
                "quantity": item.quantity_text,
            }
        else:
            notice = _("%(name)s changed meanwhile: it is now one.") % {"name": item.name}
        if not request.htmx:
            messages.warning(request, notice)
        return _row_response(request, item, status=409, row_errors={"version": [notice]})
    except ValidationError as error:
        form.add_error(None, error.messages)
        return _bad_row_request(request, _item_or_404(grocery_list, item_id), form)
    item.grocery_list = grocery_list
    return _row_response(request, item)


@_item_action
def item_assign(request: HttpRequest, *, grocery_list: GroceryList, item_id: UUID):
    members = selectors.family_members(family_id=grocery_list.family_id)
    form = AssignForm(request.POST, members=members)
    if not form.is_valid():
        return _bad_row_request(request, _item_or_404(grocery_list, item_id), form)
    item = item_services.item_assign(
        item_id=item_id, grocery_list=grocery_list, actor=request.user, assignee=form.assignee()
    )
    item.grocery_list = grocery_list
    return _row_response(request, item, members=members)


@_item_action
def item_delete(request: HttpRequest, *, grocery_list: GroceryList, item_id: UUID):
    item = item_services.item_delete(item_id=item_id, grocery_list=grocery_list, actor=request.user)
    undo = {
        "label": _("Deleted %(name)s") % {"name": item.name},
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
    set_undo(request, **undo)
    return redirect(detail_url(grocery_list))


@require_POST
@list_member_required
def items_clear_purchased(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    items = item_services.items_clear_purchased(grocery_list=grocery_list, actor=request.user)
    undo = None
    if items:
        count = len(items)
        undo = {
            "label": ngettext(
                "Cleared %(count)d purchased item", "Cleared %(count)d purchased items", count
            )
            % {"count": count},
            "action": reverse("lists:item_restore", kwargs={"list_id": grocery_list.id}),
            "item_ids": [str(item.id) for item in items],
        }
    if request.htmx:
        return _items_area(request, grocery_list, undo=undo)
    if undo:
        set_undo(request, **undo)
    else:
        messages.info(request, _("Nothing purchased to clear."))
    return redirect(detail_url(grocery_list))


@require_POST
@list_member_required
def item_restore(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    form = RestoreForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return HttpResponse(_("That is not an item of this list."), status=400)
        messages.error(request, _("That is not an item of this list."))
        return redirect(detail_url(grocery_list))
    restored = item_services.item_restore(
        item_ids=form.cleaned_data["item"], grocery_list=grocery_list, actor=request.user
    )
    if request.htmx:
        return _items_area(request, grocery_list, undo=None, restored=restored)
    if restored:
        messages.success(
            request,
            _("Restored %(items)s.") % {"items": ", ".join(item.name for item in restored)},
        )
    return redirect(detail_url(grocery_list))


def _items_area(
    request: HttpRequest,
    grocery_list: GroceryList,
    *,
    undo: dict | None,
    restored: list[ListItem] | None = None,
) -> TemplateResponse:
    """The whole grouped item area (after bulk changes), plus the toast out of band."""
    page, _seq = page_for(grocery_list)
    page_rows(page=page, request=request)
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
