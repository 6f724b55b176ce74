"""Bulk add: the "Add several" box, and a comma list or pasted lines in the add box.

Thin like the item views: validate (`BulkAddForm`), call `lists.bulk_services` (through
the idempotency key when the form carries one), answer with what was added, merged or
already there: the rows and counts for htmx, a message and a redirect without JS.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors
from . import sync as sync_services
from .access import list_member_required
from .bulk_services import BulkAddResult, Entry, items_add_bulk
from .forms import BulkAddForm, ItemAddForm
from .models import GroceryList, ListItem
from .views import detail_page, detail_url


def _named(item: ListItem) -> str:
    return f"{item.name} ({item.quantity_text})" if item.quantity_text else item.name


def bulk_feedback(result: BulkAddResult) -> str:
    """One sentence per outcome: "Added milk, eggs (6). Now more: rice (2 kg). Already …"."""
    parts = []
    if result.added:
        parts.append(_("Added %(items)s.") % {"items": ", ".join(map(_named, result.added))})
    if result.merged:
        parts.append(
            _("Already on the list, now: %(items)s.")
            % {"items": ", ".join(map(_named, result.merged))}
        )
    if result.already:
        parts.append(
            _("Already on the list: %(items)s.")
            % {"items": ", ".join(item.name for item in result.already)}
        )
    return " ".join(parts)


def add_entries(
    request: HttpRequest,
    grocery_list: GroceryList,
    *,
    entries: list[Entry],
    key,
    form: ItemAddForm | BulkAddForm,
) -> HttpResponse:
    """Add the entries and answer; the form (the add box or the bulk box) gets the errors."""
    from_box = isinstance(form, ItemAddForm)
    try:
        if key:
            result = sync_services.items_add_bulk_once(
                grocery_list=grocery_list, actor=request.user, key=key, entries=entries
            )
        else:
            result = items_add_bulk(grocery_list=grocery_list, actor=request.user, entries=entries)
    except ValidationError as error:
        form.add_error("text", error.messages)
        return _bad_request(request, grocery_list, form)
    return bulk_answer(request, grocery_list, result=result, answer="box" if from_box else "bulk")


def bulk_answer(
    request: HttpRequest,
    grocery_list: GroceryList,
    *,
    result: BulkAddResult,
    answer: str,
    extra: dict | None = None,
) -> HttpResponse:
    """What was added, merged or already there: a message and a redirect without JS; for
    htmx the new rows, the merged rows and the counts, with either the form that was
    sent (`answer` "box" or "bulk", the swap target) or the feedback line ("feedback")."""
    feedback = bulk_feedback(result)
    if not request.htmx:
        messages.info(request, feedback)
        return redirect(detail_url(grocery_list))
    # The rows with their photos and assignees in one query, for the out-of-band swaps
    # (open pages get them by push too; this page must not depend on its socket).
    rows = {
        item.pk: item
        for item in ListItem.objects.filter(pk__in=[item.pk for item in result.items])
        .select_related("assigned_to", "photo")
        .order_by()
    }
    for row in rows.values():
        row.grocery_list = grocery_list
    return TemplateResponse(
        request,
        "lists/_bulk.html#bulk-added",
        {
            "grocery_list": grocery_list,
            "answer": answer,
            "add_form": ItemAddForm(),
            "bulk_form": BulkAddForm(),
            "added": [rows[item.pk] for item in result.added if item.pk in rows],
            "merged": [rows[item.pk] for item in result.merged if item.pk in rows],
            "feedback": feedback,
            "members": selectors.family_members(family_id=grocery_list.family_id),
            "counts": selectors.list_counts(grocery_list=grocery_list),
            **(extra or {}),
        },
    )


def _bad_request(
    request: HttpRequest, grocery_list: GroceryList, form: ItemAddForm | BulkAddForm
) -> HttpResponse:
    if isinstance(form, ItemAddForm):
        if request.htmx:
            return TemplateResponse(
                request,
                "lists/detail.html#add-errors",
                {"grocery_list": grocery_list, "add_form": form},
                status=400,
            )
        return detail_page(request, grocery_list, add_form=form, status=400)
    if request.htmx:
        return TemplateResponse(
            request,
            "lists/_bulk.html#bulk-errors",
            {"grocery_list": grocery_list, "bulk_form": form},
            status=400,
        )
    return detail_page(request, grocery_list, add_form=ItemAddForm(), bulk_form=form, status=400)


@require_POST
@list_member_required
def items_add_bulk_view(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    form = BulkAddForm(request.POST)
    if not form.is_valid():
        return _bad_request(request, grocery_list, form)
    return add_entries(
        request,
        grocery_list,
        entries=form.cleaned_data["entries"],
        key=form.cleaned_data.get("idempotency_key"),
        form=form,
    )
