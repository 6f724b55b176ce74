"""Every write to lists, items and their event log."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F

from families.models import User

from . import events
from .models import GroceryList, ListEvent


def list_event_record(
    *,
    grocery_list: GroceryList,
    type: str,
    actor: User | None,
    payload: dict[str, Any] | None = None,
    actor_label: str = "",
) -> ListEvent:
    """Append an event with the list's next seq and publish it once the transaction commits.

    Bumping `last_seq` with an UPDATE takes the list row's lock until commit, so
    concurrent writers to the same list get consecutive, gap-free seqs.
    """
    with transaction.atomic():
        GroceryList.all_objects.filter(pk=grocery_list.pk).update(last_seq=F("last_seq") + 1)
        seq = GroceryList.all_objects.values_list("last_seq", flat=True).get(pk=grocery_list.pk)
        grocery_list.last_seq = seq
        event = ListEvent.objects.create(
            grocery_list=grocery_list,
            seq=seq,
            type=type,
            actor=actor,
            actor_label=actor_label or (actor.name if actor else ""),
            payload=payload or {},
        )
        transaction.on_commit(partial(events.publish_list_event, event_id=event.id))
    return event
