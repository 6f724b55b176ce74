"""The one place that sends list changes to the channel layer.

Delivery is at-most-once: a lost message is recovered by the page's catch-up from
ListEvent, so a channel-layer failure is logged and never fails the write.
"""

from __future__ import annotations

import logging
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .models import ListEvent

logger = logging.getLogger(__name__)


def list_group_name(list_id: UUID | str) -> str:
    return f"list-{list_id}"


def event_message(event: ListEvent) -> dict:
    """The JSON-serializable message for one event, as sent to the list's group."""
    return {
        "type": "list.event",
        "list_id": str(event.grocery_list_id),
        "event_id": str(event.id),
        "seq": event.seq,
        "event_type": event.type,
        "actor": event.actor_label,
        "payload": event.payload,
    }


def publish_list_event(*, event_id: UUID | str) -> None:
    """Send a committed event to every open page of its list."""
    event = ListEvent.objects.filter(pk=event_id).first()
    if event is None:
        return
    try:
        async_to_sync(get_channel_layer().group_send)(
            list_group_name(event.grocery_list_id), event_message(event)
        )
    except Exception:  # Redis down or slow: pages catch up from ListEvent later
        logger.warning("Could not publish list event %s", event_id, exc_info=True)
