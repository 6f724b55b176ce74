"""`{% id_url %}`: `{% url %}` for URLs whose arguments are all ids, reversed once per name.

A page writes a few dozen URLs, and each `{% url %}` is a full `reverse()` (~0.08 ms of
CPU): a few ms of every list page (bench/README.md). The pattern is reversed once per
URL name, argument names, urlconf and script prefix, with placeholder UUIDs, and each
use swaps the real ids in. Any argument that is not a UUID takes `reverse()` as usual
(the same URL, or the same NoReverseMatch).
"""

from __future__ import annotations

import functools
import uuid

from django import template
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

register = template.Library()


def _slot(index: int) -> str:
    # Version-4 UUIDs no object will have; one per argument.
    return f"00000000-0000-4000-8000-0000000001{index:02x}"


@functools.lru_cache(maxsize=256)
def _pattern(name: str, keys: tuple[str, ...], urlconf: str | None, prefix: str) -> str | None:
    # `prefix` is only part of the cache key: reverse() reads the script prefix itself.
    try:
        url = reverse(name, urlconf=urlconf, kwargs={k: _slot(i) for i, k in enumerate(keys)})
    except NoReverseMatch:
        return None
    return url if all(url.count(_slot(i)) == 1 for i in range(len(keys))) else None


@register.simple_tag
def id_url(name: str, **ids) -> str:
    """`{% url name key=id ... %}` (keyword arguments only)."""
    keys = tuple(sorted(ids))
    if all(type(value) is uuid.UUID for value in ids.values()):
        pattern = _pattern(name, keys, get_urlconf(), get_script_prefix())
        if pattern is not None:
            for index, key in enumerate(keys):
                pattern = pattern.replace(_slot(index), str(ids[key]))
            return pattern
    return reverse(name, kwargs=ids)
