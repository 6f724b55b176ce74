"""Cache-aside for an active list's items, keyed `family:{fid}:list:{lid}`.

Every item change records a ListEvent, which bumps the list's `last_seq`; the cached
value is stamped with the seq it was loaded at, and a reader whose list row shows a
newer seq treats it as a miss. Publishing an event also deletes the key. So a page
loaded after a write never sees the state before it, even if a slow reader stored an
old value after the invalidation.

Redis is an optimisation here: any cache error is a miss (logged), never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from django.core.cache import cache

from grocer.cache import cache_forget, cache_get_or_load

logger = logging.getLogger(__name__)

LIST_ITEMS_TTL = 600
T = TypeVar("T")


def list_items_key(*, family_id: UUID | str, list_id: UUID | str) -> str:
    return f"family:{family_id}:list:{list_id}"


def cached_list_items(*, grocery_list, load: Callable[[], T]) -> T:
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
    if hit is not None and hit[0] == grocery_list.last_seq:
        return hit[1]
    value = load()
    try:
        cache.set(key, (grocery_list.last_seq, value), LIST_ITEMS_TTL)
    except Exception:
        logger.warning("Could not cache %s", key, exc_info=True)
    return value


def invalidate_list_items(*, family_id: UUID | str, list_id: UUID | str) -> None:
    key = list_items_key(family_id=family_id, list_id=list_id)
    try:
        cache.delete(key)
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
    return cache_get_or_load(family_members_key(family_id), ttl=MEMBERS_TTL, load=load)


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
