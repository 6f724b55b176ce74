"""Render the list page's partials outside a view: for socket pushes and htmx responses.

The same `{% partialdef %}` blocks render the page, the htmx answers and the rows the
real-time layer pushes, so they can never drift apart.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from families.models import User
from grocer.cache import cache_get_bytes, cache_set_bytes

from .cache import LIST_ITEMS_TTL, list_area_key
from .models import GroceryList, ListEvent, ListItem
from .selectors import ListPage, family_members

logger = logging.getLogger(__name__)

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


# --- the page's rows, cached by what they show ---------------------------------------------
#
# Rendering a row is most of the list page's server time (~0.25 ms each, bench/README.md).
# A row's HTML is a function of the item's own values, its assignee's name, its photo, the
# language, the URL prefix and the code that renders it, and of nothing about the viewer
# but the no-JS form's CSRF token. So a rendered row is kept under a digest of exactly
# those inputs, with a placeholder where the token goes: any change to an input is a new
# key (nothing to invalidate, an old entry just expires), and one MGET fetches the page.

PAGE_ROW_TTL = 6 * 3600
# Stands where the CSRF token goes in a kept row; substituted with the viewer's own.
_CSRF_SLOT = "csrf-slot-7c1d2e9a"
# What renders a row (partial, tags, quantity steps, photo figure) and its translations:
# a deploy that changes any of them renders rows anew instead of trusting old ones.
_ROW_SOURCES = (
    "templates/lists/detail.html",
    "templates/photos/_photo.html",
    "lists/templatetags/lists_tags.py",
    "lists/quantity.py",
    "lists/rendering.py",
    "photos/templatetags/photos.py",
)


@functools.cache
def _code_generation() -> str:
    digest = hashlib.blake2b(digest_size=8)
    paths = [Path(settings.BASE_DIR) / name for name in _ROW_SOURCES]
    for locale in getattr(settings, "LOCALE_PATHS", ()):
        paths.extend(sorted(Path(locale).glob("*/LC_MESSAGES/django.mo")))
    for path in paths:
        try:
            digest.update(path.read_bytes())
        except OSError:  # not shipped (an installed build): its name still counts
            digest.update(str(path).encode())
    return digest.hexdigest()


def row_inputs(item: ListItem) -> tuple:
    """Everything `#item-row` reads from the item when rendered for the page.

    Precondition: the assignee and photo were loaded with the item (the page's selector
    does), so reading them here costs no query. `test_page_rows.py` changes each field in
    turn and fails if the row's HTML changes while this tuple does not.
    """
    try:
        photo = item.photo
    except ObjectDoesNotExist:
        photo = None
    assignee = item.assigned_to if item.assigned_to_id else None
    return (
        str(item.pk),
        str(item.grocery_list_id),
        item.version,
        item.status,
        item.category,
        item.name,
        item.quantity_text,
        item.note,
        str(item.assigned_to_id) if assignee else None,
        assignee.name if assignee else None,
        (str(photo.pk), photo.status, photo.thumbnail_width, photo.thumbnail_height)
        if photo
        else None,
    )


def _key_context() -> tuple:
    """What every row of one page shares and a row's HTML depends on."""
    return (_code_generation(), get_language(), get_script_prefix(), get_urlconf())


def page_row_key(item: ListItem, context: tuple | None = None) -> str:
    context = context or _key_context()
    digest = hashlib.blake2b(repr((context, row_inputs(item))).encode(), digest_size=16)
    return f"page-row:{digest.hexdigest()}"


def _render_page_row(item: ListItem) -> str:
    return render_to_string(ITEM_ROW, {"item": item, "csrf_token": _CSRF_SLOT})


def page_rows(*, page: ListPage, request: HttpRequest) -> None:
    """Give each of the page's groups its rows as one piece of HTML (`rows_html`), kept
    rows fetched with one MGET, the others rendered and kept (one pipelined write).

    Redis is an optimisation: any cache error renders the rows, never fails the page.
    """
    _fill_rows(page, token=get_token(request))


def _fill_rows(page: ListPage, *, token: str | None) -> None:
    # With `token` None the rows keep the CSRF slot (for a kept item area).
    items = page.items()
    if not items:
        return
    context = _key_context()
    keys = {item.pk: page_row_key(item, context) for item in items}
    try:
        kept = cache.get_many(list(keys.values()))
    except Exception:
        logger.warning("Row cache unavailable; rendering the page's rows", exc_info=True)
        kept, store = {}, False
    else:
        store = True
    fresh: dict[str, str] = {}

    def rows(group: list[ListItem]) -> SafeString:
        html = []
        for item in group:
            key = keys[item.pk]
            row = kept.get(key)
            if not isinstance(row, str):
                row = fresh[key] = _render_page_row(item)
            html.append(row)
        joined = "".join(html)
        return mark_safe(joined) if token is None else _with_token(joined, token)

    for group in page.groups:
        group.rows_html = rows(group.items)
    page.done_html = rows(page.done)
    if fresh and store:
        try:
            cache.set_many(fresh, PAGE_ROW_TTL)
        except Exception:
            logger.warning("Could not keep the page's rows", exc_info=True)


# --- the page's whole item area, kept per list and language ----------------------------------
#
# With every row kept, a page still built each item from the list's cached JSON, digested
# its key and decoded its kept row: ~70 µs an item, most of a 1,000-item page. The area
# (`#items-area`: the aisles, their rows, the "done" section) is a function of the list's
# items (stamped, like the list's cached items, with the list's `last_seq`, and dropped
# with them by `invalidate_list_items` when rows change without an event), the family's
# members (assignee names), the aisle order, the language and the code; of the viewer only
# the CSRF token, in its slot. So one GET of bytes (not JSON: see `cache_get_bytes`) gives
# the whole area, and the items are not loaded at all.

ITEMS_AREA = "lists/detail.html#items-area"
_AREA_TTL = LIST_ITEMS_TTL
_AREA_FORMAT = b"area-1"
# Besides what renders a row: the aisles' labels and order.
_AREA_SOURCES = ("lists/models.py", "lists/categories.py", "lists/selectors.py")


@functools.cache
def _area_generation() -> str:
    digest = hashlib.blake2b(_code_generation().encode(), digest_size=8)
    for name in _AREA_SOURCES:
        path = Path(settings.BASE_DIR) / name
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(str(path).encode())
    return digest.hexdigest()


def _area_digest(*, members: list[User], order: list[str] | None, split_done: bool) -> bytes:
    """Everything the area shows that neither its key nor the list's seq says."""
    shown = (
        _area_generation(),
        get_script_prefix(),
        get_urlconf(),
        list(order) if order is not None else None,
        split_done,
        [(str(member.pk), member.name) for member in members],
    )
    return hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest().encode()


@dataclass
class ItemsArea:
    """A kept item area: its HTML (the viewer's token in place) and the counts it shows."""

    html: SafeString
    counts: dict[str, int]


def _area_key(grocery_list: GroceryList) -> str | None:
    language = get_language()
    if language not in {code for code, _name in settings.LANGUAGES}:
        return None  # not a language the invalidation knows of: never kept
    return list_area_key(
        family_id=grocery_list.family_id, list_id=grocery_list.pk, language=language
    )


def kept_items_area(
    *,
    grocery_list: GroceryList,
    members: list[User],
    order: list[str] | None,
    split_done: bool,
    request: HttpRequest,
) -> ItemsArea | None:
    """The list's item area as kept for its current seq and what else it shows, or None.

    Precondition: `grocery_list` was read for this request (its `last_seq` is current).
    """
    key = _area_key(grocery_list)
    if key is None:
        return None
    try:
        value = cache_get_bytes(key)
    except Exception:
        logger.warning("Area cache unavailable; building the page's items", exc_info=True)
        return None
    if not value:
        return None
    try:
        form, seq, digest, counts, html = value.split(b"\n", 4)
        if form != _AREA_FORMAT or int(seq) != grocery_list.last_seq:
            return None
        if digest != _area_digest(members=members, order=order, split_done=split_done):
            return None
        shown = json.loads(counts)
        text = html.decode()
    except ValueError:  # another format (or a damaged value): a miss
        logger.warning("Unreadable kept area %s", key, exc_info=True)
        return None
    return ItemsArea(html=_with_token(text, get_token(request)), counts=shown)


def keep_items_area(
    *,
    page: ListPage,
    grocery_list: GroceryList,
    order: list[str] | None,
    split_done: bool,
    request: HttpRequest,
) -> ItemsArea:
    """Render the page's item area (rows from the row cache), keep it, and return it.

    `page` is what `selectors.list_for_page` read for this list with this `order` and
    `split_done`. A cache error is logged: the area is still returned.
    """
    _fill_rows(page, token=None)
    html = render_to_string(ITEMS_AREA, {"page": page, "counts": page.counts, **_SLOT_CONTEXT})
    key = _area_key(grocery_list)
    if key is not None:
        value = b"\n".join(
            (
                _AREA_FORMAT,
                str(grocery_list.last_seq).encode(),
                _area_digest(members=page.members, order=order, split_done=split_done),
                json.dumps(page.counts).encode(),
                html.encode(),
            )
        )
        try:
            cache_set_bytes(key, value, ttl=_AREA_TTL)
        except Exception:
            logger.warning("Could not keep the page's item area", exc_info=True)
    return ItemsArea(html=_with_token(html, get_token(request)), counts=page.counts)


_SLOT_CONTEXT = {"csrf_token": _CSRF_SLOT}


# The whole attribute: text from people is escaped (no raw quote), so it never matches.
_CSRF_INPUT = 'name="csrfmiddlewaretoken" value="{}"'


def _with_token(html: str, token: str) -> SafeString:
    # The kept HTML was escaped when rendered; the token is [A-Za-z0-9] only.
    slot, filled = _CSRF_INPUT.format(_CSRF_SLOT), _CSRF_INPUT.format(token)
    return mark_safe(html.replace(slot, filled))
