"""Cache-aside for an active list's items, keyed `family:{fid}:list:{lid}`.

Every item change records a ListEvent, which bumps the list's `last_seq` in the same
transaction; the cached value is stamped with the seq it was loaded at, and a reader
whose list row shows a newer seq treats it as a miss. So a page loaded after a write
never sees the state before it, even if a slow reader stores an old value meanwhile,
and a write spends no Redis round trip on the cache (the next page load overwrites the
old value). What changes rows without an event (a finished photo thumbnail) deletes
the key with `invalidate_list_items`.

Redis is an optimisation here: any cache error is a miss (logged), never a 500. The
value is stored as JSON (`{"seq": ..., "value": ...}`), never a pickle: `encode` turns
what `load()` returns into JSON data and `decode` turns it back (`items_to_json` and
`items_from_json` for the page's items).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from django.conf import settings
from django.core.cache import cache

from families.models import User
from grocer.cache import cache_forget, cache_get_or_load
from grocer.rows import row_dump, row_load

from .models import ListItem

logger = logging.getLogger(__name__)

LIST_ITEMS_TTL = 600
T = TypeVar("T")


def list_items_key(*, family_id: UUID | str, list_id: UUID | str) -> str:
    return f"family:{family_id}:list:{list_id}"


def _same(value: Any) -> Any:
    return value


def cached_list_items(
    *,
    grocery_list,
    load: Callable[[], T],
    encode: Callable[[T], Any] = _same,
    decode: Callable[[Any], T] = _same,
) -> T:
    """`load()`'s result for this list, from the cache when it is as new as the list row.

    Precondition: `grocery_list` was read from the database for this request (its
    `last_seq` is the version the cached value must match).
    """
    key = list_items_key(family_id=grocery_list.family_id, list_id=grocery_list.pk)
    try:
        hit = cache.get(key)
    except Exception:
        logger.warning("List cache unavailable; reading %s from the database", key, exc_info=True)
        return load()
    if isinstance(hit, dict) and hit.get("seq") == grocery_list.last_seq:
        try:
            return decode(hit["value"])
        except Exception:  # written by another version of the code: a miss
            logger.warning("Unreadable cache entry %s; reading the database", key, exc_info=True)
    value = load()
    try:
        cache.set(key, {"seq": grocery_list.last_seq, "value": encode(value)}, LIST_ITEMS_TTL)
    except Exception:
        logger.warning("Could not cache %s", key, exc_info=True)
    return value


# What a list row shows of a member or the assignee (`.name`): no password hash or other
# account data in an evictable cache. Other fields load deferred if ever read.
MEMBER_FIELDS = ("id", "email", "display_name")


def items_to_json(items: list[ListItem]) -> list[dict[str, Any]]:
    """A page's items (loaded with their assignee and photo) as JSON data."""
    return [row_dump(item, related={"assigned_to": MEMBER_FIELDS, "photo": None}) for item in items]


def items_from_json(data: list[dict[str, Any]]) -> list[ListItem]:
    return [row_load(ListItem, row) for row in data]


def list_area_key(*, family_id: UUID | str, list_id: UUID | str, language: str) -> str:
    """The list page's rendered item area in one language (`lists.rendering.items_area`)."""
    return f"family:{family_id}:list:{list_id}:area:{language}"


def invalidate_list_items(*, family_id: UUID | str, list_id: UUID | str) -> None:
    """Drop the list's cached items and its rendered item areas (what changed rows without
    an event: both are stamped with the seq, which did not move)."""
    key = list_items_key(family_id=family_id, list_id=list_id)
    areas = [
        list_area_key(family_id=family_id, list_id=list_id, language=code)
        for code, _name in settings.LANGUAGES
    ]
    try:
        cache.delete_many([key, *areas])
    except Exception:  # the seq stamp still keeps readers from trusting the old value
        logger.warning("Could not invalidate %s", key, exc_info=True)


# --- small per-family values the item write path reads on every request --------------------
#
# The same rules: the database is the truth, a cache error is a read from it, and every
# value also expires, because changes made with QuerySet.update() skip the invalidation.

MEMBERS_TTL = 120
AISLES_TTL = 600


def family_members_key(family_id: UUID | str) -> str:
    return f"family:{family_id}:members"


def cached_family_members(*, family_id: UUID | str, load: Callable[[], list]) -> list:
    """The family's members (for assign controls and assignee names), cached for a while.

    Dropped when a membership or a member's user row is saved or deleted (`ListsConfig`).
    """
    return cache_get_or_load(
        family_members_key(family_id),
        ttl=MEMBERS_TTL,
        load=load,
        # What the assign controls and assignee names show: no password hashes cached.
        encode=lambda users: [row_dump(user, fields=MEMBER_FIELDS) for user in users],
        decode=lambda rows: [row_load(User, row) for row in rows],
    )


def forget_family_members(*, family_id: UUID | str) -> None:
    cache_forget(family_members_key(family_id))


def family_aisles_key(family_id: UUID | str) -> str:
    return f"family:{family_id}:aisles"


def cached_family_aisles(*, family_id: UUID | str, load: Callable[[], dict[str, str]]):
    """The family's remembered aisles (name key → category), cached for a while.

    Dropped when a preference is remembered (`item_services.category_preference_remember`).
    """
    return cache_get_or_load(family_aisles_key(family_id), ttl=AISLES_TTL, load=load)


def forget_family_aisles(*, family_id: UUID | str) -> None:
    cache_forget(family_aisles_key(family_id))
