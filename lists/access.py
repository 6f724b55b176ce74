"""Who may reach a list: one access check, used by every view, consumer and task.

`GroceryList.objects.for_member(user)` is the family scoping (a live list of a live family
the user belongs to); `access_list` returns the list with the membership or raises the
same 404 for "no such list" and "another family's list".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse

from families.models import Membership, User
from grocer import ratelimit
from grocer.compiled import CompiledQuery

from .models import GroceryList

LIST_WRITE_RATE = "300/5m"
# The membership's columns, read in the same query as the list (see `access_list`).
_MEMBERSHIP_FIELDS = [field.attname for field in Membership._meta.concrete_fields]


def _access_query(manager) -> Callable[..., Any]:
    def build(*, user_id: UUID, list_id: UUID):
        # Filtering before annotating makes the annotation use the filtered membership join.
        return (
            manager.for_member(User(pk=user_id))
            .filter(pk=list_id)
            .annotate(
                **{
                    f"access_{name}": F(f"family__memberships__{name}")
                    for name in _MEMBERSHIP_FIELDS
                }
            )
            .select_related("family")
            .order_by("pk")[:1]
        )

    return build


# Compiled once (grocer/compiled.py): building and compiling this join was most of the
# CPU the check cost on every list request.
_ACCESS = CompiledQuery(GroceryList, _access_query(GroceryList.objects))
_ACCESS_DELETED = CompiledQuery(GroceryList, _access_query(GroceryList.all_objects))


def access_list(
    *, user: Any, list_id: UUID | str, include_deleted: bool = False
) -> tuple[GroceryList, Membership]:
    """The list (its family loaded) and the user's membership of its family, in one query.

    Raises the same 404 for a list that does not exist, one that is deleted (unless
    `include_deleted`), one of another family, a deleted family and an anonymous user.
    """
    try:
        if getattr(user, "is_authenticated", False):
            query = _ACCESS_DELETED if include_deleted else _ACCESS
            found = query.run(user_id=user.pk, list_id=list_id)
        else:
            found = []
    except (ValueError, ValidationError):  # not a UUID
        found = []
    grocery_list = found[0] if found else None
    if grocery_list is None:
        raise Http404("No such list.")
    membership = Membership.from_db(
        GroceryList.objects.db,
        _MEMBERSHIP_FIELDS,
        [getattr(grocery_list, f"access_{name}") for name in _MEMBERSHIP_FIELDS],
    )
    membership.family = grocery_list.family
    return grocery_list, membership


def list_member_required(
    view: Callable[..., HttpResponse] | None = None,
    *,
    include_deleted: bool = False,
    with_membership: bool = False,
) -> Callable[..., HttpResponse]:
    """For views with a `list_id` URL kwarg: `access_list`, then the view.

    The view receives `grocery_list` (its family loaded) instead of `list_id`;
    `include_deleted` lets a soft-deleted list through (restoring it); with
    `with_membership` it also receives the user's `membership` of the list's family.
    """

    def decorator(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(func)
        def wrapper(request: HttpRequest, *args, list_id: UUID, **kwargs) -> HttpResponse:
            grocery_list, membership = access_list(
                user=request.user, list_id=list_id, include_deleted=include_deleted
            )
            if request.method == "POST":
                # Generous: a shopper ticking a long list fast never meets it; a runaway
                # script does. Counted after the membership check, so outsiders get 404.
                retry_after = ratelimit.hit(
                    scope="list-writes", key=f"user:{request.user.pk}", rate=LIST_WRITE_RATE
                )
                if retry_after is not None:
                    return ratelimit.too_many_requests(request, retry_after)
            if with_membership:
                kwargs["membership"] = membership
            response = func(request, *args, grocery_list=grocery_list, **kwargs)
            if getattr(request, "htmx", False):
                # The answer shows the list at least as of this seq (the services bump
                # `last_seq` on this instance as they record events): the page ignores
                # pushes of older events for the rows it swaps in (static/js/live.js).
                response.headers["X-List-Seq"] = str(grocery_list.last_seq)
            return response

        return wrapper

    return decorator(view) if view is not None else decorator
