"""Staples and saved sets: the family's page for them, and adding them to a list.

Thin views: the family (`family_member_required`) or the list (`list_member_required`)
first, a set always looked up inside that family (another family's set is a 404), then
a form, a service from `lists.set_services`, and a page, a redirect or an htmx answer.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from families.access import family_member_required
from families.models import Membership

from . import selectors, selectors_sets, set_services
from .access import list_member_required
from .bulk_views import bulk_answer
from .categories import normalize_name
from .forms import AddSetForm, AddStaplesForm, ItemSetForm, ListFromStaplesForm, StapleForm
from .models import GroceryList, ItemSet, ListItem
from .views import detail_url

STAPLES_FRESH_FOR = timedelta(days=1)


def _set_or_404(*, family_id, set_id: UUID | str) -> ItemSet:
    item_set = ItemSet.objects.filter(family_id=family_id, pk=set_id).first()
    if item_set is None:
        raise Http404("No such set.")
    return item_set


def _sets_url(family_id) -> str:
    return reverse("lists:sets", kwargs={"family_id": family_id})


# --- the family's page --------------------------------------------------------------------


def _sets_page(
    request: HttpRequest,
    membership: Membership,
    *,
    form: ItemSetForm | None = None,
    staple_form: StapleForm | None = None,
    status: int = 200,
) -> TemplateResponse:
    family = membership.family
    return TemplateResponse(
        request,
        "lists/sets.html",
        {
            "family": family,
            "item_sets": selectors_sets.family_item_sets(family_id=family.id),
            "staples": selectors_sets.family_staples(family_id=family.id),
            "active_lists": selectors.lists_for_dashboard(family=family)[0],
            "form": form or ItemSetForm(),
            "staple_form": staple_form or StapleForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@family_member_required
def sets(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    """The family's staples (pinned and learned) and saved sets; POST creates a set."""
    if request.method == "GET":
        return _sets_page(request, membership)
    form = ItemSetForm(request.POST)
    if form.is_valid():
        try:
            item_set = set_services.item_set_create(
                family=membership.family,
                actor=request.user,
                name=form.cleaned_data["name"],
                entries=form.cleaned_data["entries"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": item_set.name})
            return redirect(_sets_url(membership.family_id))
    return _sets_page(request, membership, form=form, status=400)


def _form_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_http_methods(["GET", "POST"])
@family_member_required
def set_edit(request: HttpRequest, *, membership: Membership, set_id: UUID) -> HttpResponse:
    item_set = _set_or_404(family_id=membership.family_id, set_id=set_id)
    form = ItemSetForm(request.POST) if request.method == "POST" else ItemSetForm.for_set(item_set)
    if request.method == "POST" and form.is_valid():
        try:
            set_services.item_set_update(
                item_set=item_set,
                actor=request.user,
                name=form.cleaned_data["name"],
                entries=form.cleaned_data["entries"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": item_set.name})
            return redirect(_sets_url(membership.family_id))
    return TemplateResponse(
        request,
        "lists/set_form.html",
        {"family": membership.family, "item_set": item_set, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@family_member_required
def set_delete(request: HttpRequest, *, membership: Membership, set_id: UUID) -> HttpResponse:
    item_set = _set_or_404(family_id=membership.family_id, set_id=set_id)
    set_services.item_set_delete(item_set=item_set, actor=request.user)
    messages.success(request, _("Deleted “%(name)s”.") % {"name": item_set.name})
    return redirect(_sets_url(membership.family_id))


@require_POST
@family_member_required
def set_add_to_list(request: HttpRequest, *, membership: Membership, set_id: UUID) -> HttpResponse:
    """From the family's page: a set onto one of the family's lists (chosen in a select)."""
    item_set = _set_or_404(family_id=membership.family_id, set_id=set_id)
    return _add_to_chosen_list(
        request,
        membership,
        lambda grocery_list: set_services.list_add_set(
            grocery_list=grocery_list, item_set=item_set, actor=request.user
        ),
    )


@require_POST
@family_member_required
def staples_add_to_list(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    """From the family's page: all the staples onto one of the family's lists."""
    return _add_to_chosen_list(
        request,
        membership,
        lambda grocery_list: set_services.list_add_staples(
            grocery_list=grocery_list, actor=request.user
        ),
    )


def _add_to_chosen_list(request: HttpRequest, membership: Membership, add) -> HttpResponse:
    """The list named by the form's `grocery_list`, looked up in the family only."""
    try:
        list_id = UUID(request.POST.get("grocery_list", ""))
    except ValueError:
        list_id = None
    grocery_list = (
        GroceryList.objects.for_family(membership.family).filter(pk=list_id).first()
        if list_id
        else None
    )
    if grocery_list is None:
        messages.error(request, _("Choose one of your family's lists."))
        return redirect(_sets_url(membership.family_id))
    try:
        result = add(grocery_list)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_sets_url(membership.family_id))
    # A plain form: the answer is the list itself, with what was added as its message.
    return bulk_answer(request, grocery_list, result=result, answer="feedback")


@require_POST
@family_member_required
def staple_pin(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    form = StapleForm(request.POST)
    if not form.is_valid():
        return _sets_page(request, membership, staple_form=form, status=400)
    pin = set_services.staple_pin(
        family=membership.family, actor=request.user, name=form.cleaned_data["name"]
    )
    messages.success(request, _("Pinned %(name)s as a staple.") % {"name": pin.name})
    return redirect(f"{_sets_url(membership.family_id)}#staples-heading")


@require_POST
@family_member_required
def staple_unpin(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    form = StapleForm(request.POST)
    if form.is_valid():
        set_services.staple_unpin(
            family=membership.family, actor=request.user, name=form.cleaned_data["name"]
        )
        messages.success(request, _("Unpinned %(name)s.") % {"name": form.cleaned_data["name"]})
    return redirect(f"{_sets_url(membership.family_id)}#staples-heading")


@require_POST
@family_member_required
def list_from_staples(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    form = ListFromStaplesForm(request.POST)
    name = (form.is_valid() and form.cleaned_data["name"]) or _("Staples, %(date)s") % {
        "date": formats.date_format(timezone.localdate(), "MONTH_DAY_FORMAT")
    }
    try:
        grocery_list = set_services.list_create_from_staples(
            family=membership.family, actor=request.user, name=name
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_sets_url(membership.family_id))
    return redirect(detail_url(grocery_list))


# --- on a list ---------------------------------------------------------------------------


def _offers_context(grocery_list: GroceryList) -> dict:
    needed = {
        normalize_name(name)
        for name in ListItem.objects.filter(
            grocery_list=grocery_list, status=ListItem.Status.NEEDED
        ).values_list("name", flat=True)
    }
    # Offered at the start of a shop: on an empty list (new, or everything bought) and
    # for the first day of a new one, so several can be tapped in; not those already needed.
    fresh = grocery_list.created_at >= timezone.now() - STAPLES_FRESH_FOR
    return {
        "grocery_list": grocery_list,
        "family": grocery_list.family,
        "staples": selectors_sets.staples_to_offer(
            family_id=grocery_list.family_id, needed_names=needed
        )
        if fresh or not needed
        else [],
        "item_sets": selectors_sets.family_item_sets(family_id=grocery_list.family_id),
    }


@require_GET
@list_member_required
def list_offers(request: HttpRequest, *, grocery_list: GroceryList) -> TemplateResponse:
    """The list page's staples and saved sets panel, loaded after the page (htmx)."""
    return TemplateResponse(request, "lists/_sets.html#list-offers", _offers_context(grocery_list))


def _list_error(request: HttpRequest, grocery_list: GroceryList, message: str) -> HttpResponse:
    if request.htmx:
        return TemplateResponse(
            request,
            "lists/detail.html#feedback",
            {"feedback": message, "oob": False},
            status=400,
        )
    messages.error(request, message)
    return redirect(detail_url(grocery_list))


@require_POST
@list_member_required
def list_add_set(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    form = AddSetForm(request.POST)
    if not form.is_valid():
        return _list_error(request, grocery_list, _("Choose one of your saved sets."))
    item_set = _set_or_404(family_id=grocery_list.family_id, set_id=form.cleaned_data["item_set"])
    try:
        result = set_services.list_add_set(
            grocery_list=grocery_list, item_set=item_set, actor=request.user
        )
    except ValidationError as error:
        return _list_error(request, grocery_list, " ".join(error.messages))
    return _answer_with_offers(request, grocery_list, result)


def _answer_with_offers(request: HttpRequest, grocery_list: GroceryList, result) -> HttpResponse:
    """The bulk answer, plus the offers panel again (out of band): what was just added
    is no longer offered."""
    extra = {**_offers_context(grocery_list), "offers": True} if request.htmx else None
    return bulk_answer(request, grocery_list, result=result, answer="feedback", extra=extra)


@require_POST
@list_member_required
def list_add_staples(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    """One staple (one tap on its button), or all of them."""
    form = AddStaplesForm(request.POST)
    if not form.is_valid():
        return _list_error(request, grocery_list, _("That is not one of your staples."))
    name = form.cleaned_data["name"]
    try:
        result = set_services.list_add_staples(
            grocery_list=grocery_list, actor=request.user, names=[name] if name else None
        )
    except ValidationError as error:
        return _list_error(request, grocery_list, " ".join(error.messages))
    return _answer_with_offers(request, grocery_list, result)
