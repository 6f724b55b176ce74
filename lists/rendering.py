"""Render the list page's partials outside a view: for socket pushes and htmx responses.

The same `{% partialdef %}` blocks render the page, the htmx answers and the rows the
real-time layer pushes, so they can never drift apart.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject

from families.models import User

from .models import ListEvent, ListItem
from .selectors import family_members

ITEM_ROW = "lists/detail.html#item-row"
ACTIVITY_ENTRY = "lists/detail.html#activity-entry"


def item_row_context(*, item: ListItem, members: list[User] | None = None) -> dict[str, Any]:
    if members is None:
        # Read only if the template asks: the light row does not (its menu loads on open),
        # and every write renders one, so eagerly it was a cache round trip per write.
        members = SimpleLazyObject(partial(family_members, family_id=item.family_id))
    return {"item": item, "members": members}


def _row_state(item: ListItem) -> tuple:
    # What a row shows that can change on the same instance; a write bumps `version`.
    return (item.version, item.status, item.deleted_at, item.assigned_to_id)


def render_item_row(
    *, item: ListItem, members: list[User] | None = None, request: HttpRequest | None = None
) -> str:
    """One item's `<li id="item-...">`, as on the page.

    Without a request `{% csrf_token %}` renders empty: pushed rows post with the
    X-CSRFToken header that `<body hx-headers>` adds to every htmx request.

    Rendered once per write: without a request the HTML is kept on the instance, so
    the writer's htmx answer (`written_row`) reuses what the publisher sent every socket.
    """
    if request is None:
        kept = getattr(item, "_row_html", None)
        if kept is not None and kept[0] == _row_state(item):
            return kept[1]
    html = render_to_string(ITEM_ROW, item_row_context(item=item, members=members), request=request)
    if request is None:
        item._row_html = (_row_state(item), html)
    return html


def written_row(item: ListItem) -> str:
    """The row the publisher rendered for this write (rendered here if it did not)."""
    return render_item_row(item=item)


def render_activity_entry(*, event: ListEvent) -> str:
    """One `<li>` of the activity feed ("Ana put milk in the cart, 2 minutes ago")."""
    return render_to_string(ACTIVITY_ENTRY, {"event": event})
