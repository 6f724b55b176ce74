"""Presentation helpers for the list templates: wording only, no business rules."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

from lists.models import ListEvent, ListItem
from lists.quantity import QuantitySteps
from lists.quantity import quantity_steps as steps_for_text
from lists.sentences import event_action

register = template.Library()


@register.filter
def quantity_steps(item: ListItem) -> QuantitySteps:
    """What the item's + and - buttons would make of its quantity (None: disabled)."""
    return steps_for_text(item.quantity_text)


@register.filter
def event_summary(event: ListEvent) -> str:
    """What happened, after the actor's name: "added milk", "bought eggs"."""
    return event_action(event)


@register.filter
def ago(moment: datetime | None) -> str:
    """ "just now" for the last minute, else "5 minutes ago" (Django's timesince)."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return gettext("just now")
    return gettext("%(time)s ago") % {"time": timesince(moment)}


# Placeholder ids (version-4 UUIDs that no row will have), substituted per item.
_LIST_SLOT = "00000000-0000-4000-8000-00000000000a"
_ITEM_SLOT = "00000000-0000-4000-8000-00000000000b"


@functools.lru_cache(maxsize=64)
def _item_url_pattern(name: str, urlconf: str | None, prefix: str) -> str:
    # `prefix` is only part of the cache key: reverse() reads the script prefix itself.
    return reverse(name, urlconf=urlconf, kwargs={"list_id": _LIST_SLOT, "item_id": _ITEM_SLOT})


@register.simple_tag
def item_url(name: str, item) -> str:
    """`{% url name list_id=item.grocery_list_id item_id=item.id %}`, reversed once per name.

    Rows carry ten item URLs each: reversing every one of them was half of the
    1,000-item list page's server time (bench/README.md).
    """
    pattern = _item_url_pattern(name, get_urlconf(), get_script_prefix())
    return pattern.replace(_LIST_SLOT, str(item.grocery_list_id)).replace(_ITEM_SLOT, str(item.id))


@functools.lru_cache(maxsize=128)
def _list_url_pattern(name: str, urlconf: str | None, prefix: str) -> str:
    # `prefix` is only part of the cache key: reverse() reads the script prefix itself.
    return reverse(name, urlconf=urlconf, kwargs={"list_id": _LIST_SLOT})


@register.simple_tag
def list_url(name: str, grocery_list) -> str:
    """`{% url name list_id=grocery_list.id %}`, reversed once per name.

    The list page writes about twenty of its list's URLs; each `{% url %}` is a full
    reverse() (~0.08 ms of CPU), a few ms of every page (bench/README.md).
    """
    pattern = _list_url_pattern(name, get_urlconf(), get_script_prefix())
    return pattern.replace(_LIST_SLOT, str(grocery_list.id))


@functools.lru_cache(maxsize=64)
def _row_url_pattern(name: str, urlconf: str | None, prefix: str) -> str:
    """The item URL relative to its list's page, e.g. `items/<item>/status/`."""
    page = reverse("lists:detail", urlconf=urlconf, kwargs={"list_id": _LIST_SLOT})
    pattern = _item_url_pattern(name, urlconf, prefix)
    return pattern[len(page) :] if pattern.startswith(page) else pattern


@register.simple_tag
def row_url(name: str, item) -> str:
    """An item URL relative to the list page, for the rows only that page shows (and
    its pushes): half the bytes of each of a row's URLs."""
    pattern = _row_url_pattern(name, get_urlconf(), get_script_prefix())
    return pattern.replace(_LIST_SLOT, str(item.grocery_list_id)).replace(_ITEM_SLOT, str(item.id))


@register.simple_tag
def live_heartbeat_seconds() -> str:
    """How often live.js sends a heartbeat (GROCER_LIVE_HEARTBEAT_SECONDS)."""
    from lists.presence import heartbeat_interval

    return f"{heartbeat_interval():g}"
