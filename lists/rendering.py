"""Render the list page's partials outside a view: for socket pushes and htmx responses.

The same `{% partialdef %}` blocks render the page, the htmx answers and the rows the
real-time layer pushes, so they can never drift apart.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from families.models import User

from .models import ListEvent, ListItem
from .selectors import family_members

ITEM_ROW = "lists/detail.html#item-row"
ACTIVITY_ENTRY = "lists/detail.html#activity-entry"


def item_row_context(*, item: ListItem, members: list[User] | None = None) -> dict[str, Any]:
    if members is None:
        members = family_members(family_id=item.family_id)
    return {"item": item, "members": members}


def render_item_row(
    *, item: ListItem, members: list[User] | None = None, request: HttpRequest | None = None
) -> str:
    """One item's `<li id="item-...">`, as on the page.

    Without a request `{% csrf_token %}` renders empty: pushed rows post with the
    X-CSRFToken header that `<body hx-headers>` adds to every htmx request.
    """
    return render_to_string(ITEM_ROW, item_row_context(item=item, members=members), request=request)


def render_activity_entry(*, event: ListEvent) -> str:
    """One `<li>` of the activity feed ("Ana put milk in the cart, 2 minutes ago")."""
    return render_to_string(ACTIVITY_ENTRY, {"event": event})
