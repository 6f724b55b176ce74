"""What happened, in words: the one sentence for every event type.

The activity feed, the family's notification feed, the live announcement on an open
page and Web Push all say an event the same way: `event_action` is the part after the
actor ("bought milk"), `event_sentence` the whole sentence ("Ana bought milk"). Neither
ends with a full stop; callers add their own punctuation. Every type recorded anywhere
is in `EVENT_TYPES` (a test walks them all), and an unknown type still reads as words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .models import ListEvent, ListItem

STATUS_ACTIONS = {
    "purchased": "bought {name}",
    "in_cart": "put {name} in the cart",
    "needed": "moved {name} back to needed",
}
SHARE_ACTIONS = {
    "pending": "shared the list with {vendor}",
    "sending": "shared the list with {vendor}",
    "sent": "sent the list to {vendor}",
    "delivered": "delivered the list to {vendor}",
    "read": "saw {vendor} read the list",
    "failed": "could not send the list to {vendor}",
    "responded": "got an answer from {vendor}",
}
ORDER_ACTIONS = {
    "placed": "placed an order with {vendor}",
    "confirmed": "marked the order confirmed",
    "delivered": "marked the order delivered",
    "cancelled": "cancelled the order",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _list_updated(p: dict[str, Any], name: str) -> str:
    fields = p.get("fields") or []
    if fields == ["description"]:
        return "changed the list description"
    return f"renamed the list to {p['name']}" if p.get("name") else "renamed the list"


def _item_added(p: dict[str, Any], name: str) -> str:
    return f"added {name} ({p['quantity']})" if p.get("quantity") else f"added {name}"


def _item_assigned(p: dict[str, Any], name: str) -> str:
    assignee = p.get("assignee")
    return f"assigned {name} to {assignee}" if assignee else f"unassigned {name}"


def _shopping_started(p: dict[str, Any], name: str) -> str:
    return f"is going shopping at {p['store']}" if p.get("store") else "is going shopping"


def _cleared(p: dict[str, Any], name: str) -> str:
    count = p.get("count") or len(p.get("item_ids") or [])
    return f"cleared {_plural(count, 'bought item')}"


def _vendor(p: dict[str, Any]) -> str:
    return p.get("vendor") or "the vendor"


# type -> (payload, item name) -> the words after the actor
ACTIONS: dict[str, Callable[[dict[str, Any], str], str]] = {
    "list.created": lambda p, name: (
        f"created the list {p['name']}" if p.get("name") else "created the list"
    ),
    "list.updated": _list_updated,
    "list.archived": lambda p, name: "archived the list",
    "list.restored": lambda p, name: "restored the list",
    "list.deleted": lambda p, name: "deleted the list",
    "shopping.started": _shopping_started,
    "item.added": _item_added,
    "item.updated": lambda p, name: f"edited {name}",
    "item.status_changed": lambda p, name: STATUS_ACTIONS.get(
        p.get("status", ""), "changed {name}"
    ).format(name=name),
    "item.assigned": _item_assigned,
    "item.deleted": lambda p, name: f"removed {name}",
    "item.restored": lambda p, name: f"restored {name}",
    "item.photo_changed": lambda p, name: f"added a photo of {name}",
    "item.photo_removed": lambda p, name: f"removed the photo of {name}",
    "items.cleared": _cleared,
    "share.status_changed": lambda p, name: SHARE_ACTIONS.get(
        p.get("status", ""), "shared the list with {vendor}"
    ).format(vendor=_vendor(p)),
    "share.revoked": lambda p, name: f"stopped sharing the list with {_vendor(p)}",
    "share.answered": lambda p, name: "answered about the list",
    "order.placed": lambda p, name: ORDER_ACTIONS["placed"].format(vendor=_vendor(p)),
    "order.status_changed": lambda p, name: ORDER_ACTIONS.get(
        p.get("status", ""), "changed the order"
    ),
}
EVENT_TYPES = frozenset(ACTIONS)


def event_action(event: ListEvent, *, item: ListItem | None = None) -> str:
    """The words after the actor's name: "bought milk", "placed an order with Lidl".

    `item` (the event's item, when the caller has it) names items whose event payload
    does not; a status missing from the payload is read from it too.
    """
    payload = dict(event.payload or {})
    if item is not None and "status" not in payload and event.type == "item.status_changed":
        payload["status"] = item.status
    if item is not None and "assignee" not in payload and event.type == "item.assigned":
        payload["assignee"] = item.assigned_to.name if item.assigned_to else ""
    name = (
        (payload.get("name") if event.type.startswith("item") else "")
        or (item.name if item else "")
        or "an item"
    )
    action = ACTIONS.get(event.type)
    if action is None:
        return "changed the list"
    return action(payload, name)


def event_sentence(event: ListEvent, *, item: ListItem | None = None) -> str:
    """The whole sentence: "Ana bought milk" ("Someone" when nobody is recorded)."""
    return f"{event.actor_label or 'Someone'} {event_action(event, item=item)}"
