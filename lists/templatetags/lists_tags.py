"""Presentation helpers for the list templates: wording only, no business rules."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from lists.models import ListEvent

register = template.Library()

_STATUS_VERBS = {
    "needed": "moved {name} back to needed",
    "in_cart": "put {name} in the cart",
    "purchased": "bought {name}",
}


@register.filter
def event_summary(event: ListEvent) -> str:
    """What happened, after the actor's name: "added milk", "bought eggs"."""
    payload = event.payload or {}
    name = payload.get("name", "")
    match event.type:
        case "list.created":
            return f"created the list {name}"
        case "list.updated":
            return "renamed or described the list"
        case "list.archived":
            return "archived the list"
        case "list.restored":
            return "restored the list"
        case "list.deleted":
            return "deleted the list"
        case "item.added":
            quantity = payload.get("quantity")
            return f"added {name} ({quantity})" if quantity else f"added {name}"
        case "item.updated":
            return f"edited {name}"
        case "item.status_changed":
            return _STATUS_VERBS.get(payload.get("status", ""), "changed {name}").format(name=name)
        case "item.assigned":
            assignee = payload.get("assignee")
            return f"assigned {name} to {assignee}" if assignee else f"unassigned {name}"
        case "item.deleted":
            return f"deleted {name}"
        case "item.restored":
            return f"restored {name}"
        case "items.cleared":
            count = payload.get("count") or len(payload.get("item_ids", []))
            return f"cleared {count} purchased item{'s' if count != 1 else ''}"
    return event.type


@register.filter
def ago(moment: datetime | None) -> str:
    """ "just now" for the last minute, else "5 minutes ago" (Django's timesince)."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"
