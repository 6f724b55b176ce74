"""Reads for staples and saved sets, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max
from django.db.models.functions import Lower

from .categories import normalize_name
from .models import ItemSet, ListItem, StaplePin

STAPLE_LIMIT = 12
# Bought on this many lists (or more) before a name counts as a staple.
STAPLE_MIN_PURCHASES = 2


@dataclass(frozen=True)
class Staple:
    name: str
    pinned: bool
    times: int = 0  # how often the family bought it


def family_staples(*, family_id: Any, limit: int = STAPLE_LIMIT) -> list[Staple]:
    """Pinned names first (alphabetical), then what the family buys most (two queries).

    Bought means purchased on any list, cleared ones included: the history is the point.
    """
    pins = list(StaplePin.objects.filter(family_id=family_id).order_by("name_key"))
    pinned_keys = {pin.name_key for pin in pins}
    bought = (
        ListItem.all_objects.filter(family_id=family_id, status=ListItem.Status.PURCHASED)
        .annotate(key=Lower("name"))
        .values("key")
        .annotate(times=Count("id"), label=Max("name"))
        .filter(times__gte=STAPLE_MIN_PURCHASES)
        .order_by("-times", "key")[: limit + len(pins)]
    )
    staples = [Staple(name=pin.name, pinned=True) for pin in pins]
    for row in bought:
        if normalize_name(row["label"]) not in pinned_keys:
            staples.append(Staple(name=row["label"], pinned=False, times=row["times"]))
    return staples[: max(limit, len(pins))]


def staples_to_offer(*, family_id: Any, needed_names: set[str]) -> list[Staple]:
    """The staples not already needed on a list (`needed_names` are `normalize_name` keys)."""
    return [
        staple
        for staple in family_staples(family_id=family_id)
        if normalize_name(staple.name) not in needed_names
    ]


def family_item_sets(*, family_id: Any) -> list[ItemSet]:
    """The family's live sets, by name (one query)."""
    return list(ItemSet.objects.filter(family_id=family_id).order_by(Lower("name")))
