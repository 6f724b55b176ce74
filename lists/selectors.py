"""Reads for the list pages, each in a fixed number of queries whatever the list size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Lower

from families.models import Family, User
from grocer.compiled import CompiledQuery

from .cache import cached_family_members, cached_list_items, items_from_json, items_to_json
from .categories import complete_order
from .models import Category, GroceryList, ListEvent, ListItem

ACTIVITY_LIMIT = 30
# The list page shows the latest few; "Older activity" pages through the rest.
ACTIVITY_ON_PAGE = 5
SUGGESTION_LIMIT = 12
_STATUS_ORDER = {
    ListItem.Status.NEEDED: 0,
    ListItem.Status.IN_CART: 1,
    ListItem.Status.PURCHASED: 2,
}


def _with_item_counts(queryset: QuerySet[GroceryList]) -> QuerySet[GroceryList]:
    alive = Q(items__deleted_at__isnull=True)
    return queryset.annotate(
        needed_count=Count("items", filter=alive & Q(items__status=ListItem.Status.NEEDED)),
        in_cart_count=Count("items", filter=alive & Q(items__status=ListItem.Status.IN_CART)),
        purchased_count=Count("items", filter=alive & Q(items__status=ListItem.Status.PURCHASED)),
    )


def lists_for_dashboard(*, family: Family) -> tuple[list[GroceryList], list[GroceryList]]:
    """The family's active and archived lists with item counts by status (one query)."""
    lists = list(
        _with_item_counts(GroceryList.objects.for_family(family)).order_by("-updated_at", "name")
    )
    active = [lst for lst in lists if lst.status == GroceryList.Status.ACTIVE]
    archived = [lst for lst in lists if lst.status != GroceryList.Status.ACTIVE]
    return active, archived


def family_members(*, family_id: Any) -> list[User]:
    """Members of a family, for assign controls (from the cache, else one query).

    Only what names a member is loaded (and so cached): no password hashes in Redis.
    """
    return cached_family_members(
        family_id=family_id,
        load=lambda: list(
            User.objects.filter(memberships__family_id=family_id)
            .only("id", "display_name", "email")
            .order_by("display_name", "email")
        ),
    )


@dataclass
class CategoryGroup:
    value: str
    label: str
    items: list[ListItem] = field(default_factory=list)
    # The items' rows, ready (lists.rendering.page_rows); else the template renders them.
    rows_html: str | None = None


@dataclass
class ListPage:
    groups: list[CategoryGroup]
    members: list[User]
    events: list[ListEvent]
    suggestions: list[str]
    counts: dict[str, int]
    # While shopping at a store: items already in the cart or bought, shown apart.
    done: list[ListItem] = field(default_factory=list)
    done_html: str | None = None
    # The whole item area, ready (lists.rendering.kept_items_area); else rendered here.
    items_html: str | None = None

    def items(self) -> list[ListItem]:
        """Every item the page shows, in no particular order."""
        return [item for group in self.groups for item in group.items] + self.done


def list_items(*, grocery_list: GroceryList) -> list[ListItem]:
    """Live items with their assignee: needed first, then in the cart, then purchased."""
    items = list(
        ListItem.objects.filter(grocery_list=grocery_list)
        .select_related("assigned_to", "photo")
        .order_by("position", "created_at")
    )
    items.sort(key=lambda item: _STATUS_ORDER.get(item.status, 9))
    return items


def group_by_category(items: list[ListItem], order: list[str] | None = None) -> list[CategoryGroup]:
    """Every category, in aisle order (a store's, or the built-in one), each with its
    items (empty ones included)."""
    labels = dict(Category.choices)
    groups = {
        value: CategoryGroup(value=value, label=labels[value])
        for value in complete_order(order or [])
    }
    for item in items:
        groups.get(item.category, groups[Category.OTHER]).items.append(item)
    return list(groups.values())


def _page_activity_query(*, list_id: Any) -> QuerySet[ListEvent]:
    return ListEvent.objects.filter(grocery_list_id=list_id).order_by("-seq")[:ACTIVITY_ON_PAGE]


# The list page's feed, compiled once (grocer/compiled.py): building and compiling the
# queryset cost several times the statement's own time on every page.
_PAGE_ACTIVITY = CompiledQuery(ListEvent, _page_activity_query)


def list_activity(
    *, grocery_list: GroceryList, limit: int = ACTIVITY_LIMIT, before: int | None = None
) -> list[ListEvent]:
    """The newest `limit` events (older than seq `before` when given), newest first."""
    if before is None and limit == ACTIVITY_ON_PAGE:
        return _PAGE_ACTIVITY.run(list_id=grocery_list.pk)
    events = grocery_list.events.order_by("-seq")
    if before is not None:
        events = events.filter(seq__lt=before)
    return list(events[:limit])


def list_activity_page(
    *, grocery_list: GroceryList, before: int | None = None
) -> tuple[list[ListEvent], int | None]:
    """One page of the activity feed and the `before` of the next (older) page, or None."""
    events = list_activity(grocery_list=grocery_list, limit=ACTIVITY_LIMIT + 1, before=before)
    older = events[ACTIVITY_LIMIT - 1].seq if len(events) > ACTIVITY_LIMIT else None
    return events[:ACTIVITY_LIMIT], older


def list_for_page(
    *,
    grocery_list: GroceryList,
    order: list[str] | None = None,
    split_done: bool = False,
    members: list[User] | None = None,
) -> ListPage:
    """Everything the list page shows, in four queries (three when the items are cached).

    `order` is the aisle order of the store being shopped at; with `split_done` the
    items already in the cart or bought leave their aisles for a "done" section, so
    what is left to find stays in walking order. (Rows checked on an open page stay
    where they are until the next render: nothing jumps under the shopper's finger.)
    `members` are the family's, when the caller has read them already.
    """
    items = cached_list_items(
        grocery_list=grocery_list,
        load=lambda: list_items(grocery_list=grocery_list),
        encode=items_to_json,
        decode=items_from_json,
    )
    if members is None:
        members = family_members(family_id=grocery_list.family_id)
    # Assignees as the members cache has them: it is dropped when a member is renamed,
    # the list's cached items only when the list changes.
    by_id = {member.pk: member for member in members}
    for item in items:
        if item.assigned_to_id in by_id:
            item.assigned_to = by_id[item.assigned_to_id]
    done: list[ListItem] = []
    shown = items
    if split_done:
        shown = [item for item in items if item.status == ListItem.Status.NEEDED]
        done = [item for item in items if item.status != ListItem.Status.NEEDED]
    return ListPage(
        done=done,
        groups=group_by_category(shown, order),
        members=members,
        events=list_activity(grocery_list=grocery_list, limit=ACTIVITY_ON_PAGE),
        suggestions=item_suggestions(family_id=grocery_list.family_id),
        counts=_counts(item.status for item in items),
    )


def list_page_around_items(
    *, grocery_list: GroceryList, members: list[User], counts: dict[str, int]
) -> ListPage:
    """The list page without its items, for a page whose item area is kept rendered
    (`lists.rendering.kept_items_area`, which gives the `counts` it shows): two queries."""
    return ListPage(
        groups=[],
        members=members,
        events=list_activity(grocery_list=grocery_list, limit=ACTIVITY_ON_PAGE),
        suggestions=item_suggestions(family_id=grocery_list.family_id),
        counts=counts,
    )


def _counts(statuses) -> dict[str, int]:
    counts = dict.fromkeys(ListItem.Status.values, 0)
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    counts["total"] = sum(counts.values())
    return counts


def list_counts(*, grocery_list: GroceryList) -> dict[str, int]:
    """Live items by status, plus "total" (one query)."""
    rows = (
        ListItem.objects.filter(grocery_list=grocery_list)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    counts = _counts([])
    for status, n in rows:
        counts[status] = n
    counts["total"] = sum(n for status, n in counts.items() if status != "total")
    return counts


def _suggestions_query(*, family_id: Any, query: str = "", limit: int = SUGGESTION_LIMIT):
    # The item's own family_id: no join to the lists, and `item_family_name_idx` leads
    # with it (docs/scaling.md, index review).
    items = ListItem.all_objects.filter(family_id=family_id)
    if query:
        # Names starting with the text first, then names containing it.
        items = items.filter(name__icontains=query)
    return (
        items.annotate(key=Lower("name"))
        .values_list("key")
        .annotate(times=Count("id"), last_added=Max("created_at"), label=Max("name"))
        .order_by("-times", "-last_added", "key")[: limit * 3 if query else limit]
    )


# The list page's suggestions (no text typed), compiled once like its feed.
_PAGE_SUGGESTIONS = CompiledQuery(ListItem, _suggestions_query)


def item_suggestions(
    *, family_id: Any, query: str = "", limit: int = SUGGESTION_LIMIT
) -> list[str]:
    """Names the family has put on its lists, most often first (deleted items count too).

    Names are compared case-insensitively; of several spellings the greatest in
    collation order is shown (in practice the lower-case one people type most).
    """
    query = query.strip()
    if not query and limit == SUGGESTION_LIMIT:
        rows = _PAGE_SUGGESTIONS.run(family_id=family_id)
    else:
        rows = list(_suggestions_query(family_id=family_id, query=query, limit=limit))
    if query:
        needle = query.casefold()
        rows.sort(key=lambda row: not row[0].startswith(needle))  # stable: keeps frequency
        rows = rows[:limit]
    # (key, times, last_added, label)
    return [row[3] for row in rows]
