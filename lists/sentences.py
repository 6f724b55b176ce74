"""What happened, in words: the one sentence for every event type.

The activity feed, the family's notification feed, the live announcement on an open
page and Web Push all say an event the same way: `event_action` is the part after the
actor ("bought milk"), `event_sentence` the whole sentence ("Ana bought milk"). Neither
ends with a full stop; callers add their own punctuation. Every type recorded anywhere
is in `EVENT_TYPES` (a test walks them all), and an unknown type still reads as words.
Sentences are in the active language: callers that make them for someone else (a push to
another member) switch to that person's language first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext, gettext_noop, ngettext

from .models import ListEvent, ListItem

# Marked for translation here, translated when a sentence is made (the reader's language).
STATUS_ACTIONS = {
    "purchased": gettext_noop("bought %(name)s"),
    "in_cart": gettext_noop("put %(name)s in the cart"),
    "needed": gettext_noop("moved %(name)s back to needed"),
}
SHARE_ACTIONS = {
    "pending": gettext_noop("shared the list with %(vendor)s"),
    "sending": gettext_noop("shared the list with %(vendor)s"),
    "sent": gettext_noop("sent the list to %(vendor)s"),
    "delivered": gettext_noop("delivered the list to %(vendor)s"),
    "read": gettext_noop("saw %(vendor)s read the list"),
    "failed": gettext_noop("could not send the list to %(vendor)s"),
    "responded": gettext_noop("got an answer from %(vendor)s"),
}
ORDER_ACTIONS = {
    "placed": gettext_noop("placed an order with %(vendor)s"),
    "confirmed": gettext_noop("marked the order confirmed"),
    "delivered": gettext_noop("marked the order delivered"),
    "cancelled": gettext_noop("cancelled the order"),
}


def _list_updated(p: dict[str, Any], name: str) -> str:
    fields = p.get("fields") or []
    if fields == ["description"]:
        return gettext("changed the list description")
    if p.get("name"):
        return gettext("renamed the list to %(name)s") % {"name": p["name"]}
    return gettext("renamed the list")


def _item_added(p: dict[str, Any], name: str) -> str:
    if p.get("quantity"):
        return gettext("added %(name)s (%(quantity)s)") % {"name": name, "quantity": p["quantity"]}
    return gettext("added %(name)s") % {"name": name}


def _item_assigned(p: dict[str, Any], name: str) -> str:
    assignee = p.get("assignee")
    if assignee:
        return gettext("assigned %(name)s to %(assignee)s") % {"name": name, "assignee": assignee}
    return gettext("unassigned %(name)s") % {"name": name}


def _shopping_started(p: dict[str, Any], name: str) -> str:
    if p.get("store"):
        return gettext("is going shopping at %(store)s") % {"store": p["store"]}
    return gettext("is going shopping")


def _cleared(p: dict[str, Any], name: str) -> str:
    count = p.get("count") or len(p.get("item_ids") or [])
    return ngettext("cleared %(count)d bought item", "cleared %(count)d bought items", count) % {
        "count": count
    }


def _vendor(p: dict[str, Any]) -> str:
    return p.get("vendor") or gettext("the vendor")


def _named(message: str) -> Callable[[dict[str, Any], str], str]:
    """An action that only names the item: `message` has one %(name)s."""
    return lambda p, name: gettext(message) % {"name": name}


def _plain(message: str) -> Callable[[dict[str, Any], str], str]:
    return lambda p, name: gettext(message)


def _list_created(p: dict[str, Any], name: str) -> str:
    if p.get("name"):
        return gettext("created the list %(name)s") % {"name": p["name"]}
    return gettext("created the list")


# type -> (payload, item name) -> the words after the actor
ACTIONS: dict[str, Callable[[dict[str, Any], str], str]] = {
    "list.created": _list_created,
    "list.updated": _list_updated,
    "list.archived": _plain(gettext_noop("archived the list")),
    "list.restored": _plain(gettext_noop("restored the list")),
    "list.deleted": _plain(gettext_noop("deleted the list")),
    "shopping.started": _shopping_started,
    "item.added": _item_added,
    "item.updated": _named(gettext_noop("edited %(name)s")),
    "item.status_changed": lambda p, name: (
        gettext(STATUS_ACTIONS.get(p.get("status", ""), gettext_noop("changed %(name)s")))
        % {"name": name}
    ),
    "item.assigned": _item_assigned,
    "item.deleted": _named(gettext_noop("removed %(name)s")),
    "item.restored": _named(gettext_noop("restored %(name)s")),
    "item.photo_changed": _named(gettext_noop("added a photo of %(name)s")),
    "item.photo_removed": _named(gettext_noop("removed the photo of %(name)s")),
    "items.cleared": _cleared,
    "share.status_changed": lambda p, name: (
        gettext(
            SHARE_ACTIONS.get(p.get("status", ""), gettext_noop("shared the list with %(vendor)s"))
        )
        % {"vendor": _vendor(p)}
    ),
    "share.revoked": lambda p, name: (
        gettext("stopped sharing the list with %(vendor)s") % {"vendor": _vendor(p)}
    ),
    "share.answered": _plain(gettext_noop("answered about the list")),
    "order.placed": lambda p, name: gettext(ORDER_ACTIONS["placed"]) % {"vendor": _vendor(p)},
    "order.status_changed": lambda p, name: gettext(
        ORDER_ACTIONS.get(p.get("status", ""), gettext_noop("changed the order"))
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
        or gettext("an item")
    )
    action = ACTIONS.get(event.type)
    if action is None:
        return gettext("changed the list")
    return action(payload, name)


def event_sentence(event: ListEvent, *, item: ListItem | None = None) -> str:
    """The whole sentence: "Ana bought milk" ("Someone" when nobody is recorded)."""
    return gettext("%(actor)s %(action)s") % {
        "actor": event.actor_label or gettext("Someone"),
        "action": event_action(event, item=item),
    }
