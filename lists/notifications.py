"""Who hears about which list event: the in-app feed and badge, and Web Push.

What reaches people is derived from the event log (`ListEvent`): "Ana is going
shopping at Lidl" (`shopping.started`), items added to a list you are shopping
(`item.added` after your own `shopping.started`), "the vendor answered"
(`share.answered`), "order delivered" (`order.status_changed` to delivered).

`event_notify_later` is called by `list_event_record`; on commit the Celery task
`lists.tasks.notify_event` picks the recipients (members of the family who want that
kind, never the actor; their choices are `families.NotificationPreference`) and fans out
one `families.tasks.send_push` per browser. Nothing is sent from the request.
The feed pages live with the family (`families.views.notifications`) and get their
events from here through `families.hooks`, connected in `ListsConfig.ready()`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from families.models import Membership, PushSubscription, User
from families.push import push_configured, push_wanted
from grocer.i18n import supported_language
from grocer.outbox.services import outbox_enqueue

from .models import ListEvent
from .sentences import event_sentence

# ListEvent type → preference field. item.added only counts for people shopping the list.
EVENT_KINDS = {
    "shopping.started": "shopping_started",
    "item.added": "items_added",
    "share.answered": "vendor_answered",
    "order.status_changed": "order_delivered",
}
# "Items added to a list you are shopping": you said you were going within this window.
SHOPPING_WINDOW = timedelta(hours=3)
FEED_LENGTH = 30


def event_notify_later(
    *,
    event_id: UUID,
    event_type: str,
    payload: dict[str, Any],
    family_id: UUID | str,
    actor_id: UUID | str | None,
) -> None:
    """Inside the event's transaction: queue the push fan-out if people can get this event."""
    if event_type not in EVENT_KINDS:
        return
    if event_type == "order.status_changed" and payload.get("status") != "delivered":
        return
    if not push_configured():
        return  # the in-app feed reads the events themselves; only pushes need a task
    # Decided here from the family's cached push wants: most families have no browser
    # subscribed to this kind, and then no add pays for an outbox row and a task.
    if not push_wanted(family_id=family_id, kind=EVENT_KINDS[event_type], actor_id=actor_id):
        return
    # An outbox row in the event's transaction: a broker outage cannot fail the write
    # that recorded the event (it has committed), and the push still goes out later.
    outbox_enqueue(task="lists.tasks.notify_event", args=[str(event_id)])


# --- the feed ---------------------------------------------------------------------------


def _others_events(*, membership: Membership) -> QuerySet:
    return (
        # The event's own family_id leads `event_family_created_idx`: the newest of the
        # family's events come in index order, whatever the number of lists.
        ListEvent.objects.filter(
            family_id=membership.family_id,
            grocery_list__deleted_at__isnull=True,
        )
        .exclude(actor_id=membership.user_id)
        .select_related("grocery_list")
        .order_by("-created_at", "-seq")
    )


def feed_unseen_count(*, membership: Membership, since: datetime | None) -> int:
    """How many of others' changes came after `since` (None: all of them)."""
    events = _others_events(membership=membership)
    if since is not None:
        events = events.filter(created_at__gt=since)
    return events.count()


def feed_for(*, membership: Membership) -> list[ListEvent]:
    """Others' latest changes in the family's lists, newest first."""
    return list(_others_events(membership=membership)[:FEED_LENGTH])


# --- who gets what -------------------------------------------------------------------


def _message(event: Any) -> dict[str, Any] | None:
    # The sentence is the feed's and the page's (lists.sentences); the title names the list.
    list_name = event.grocery_list.name
    titles = {
        "shopping.started": gettext_noop("Going shopping: %(list)s"),
        "item.added": gettext_noop("Added to %(list)s"),
        "share.answered": gettext_noop("The vendor answered: %(list)s"),
        "order.status_changed": gettext_noop("Order delivered: %(list)s"),
    }
    if event.type not in titles:
        return None
    title = gettext(titles[event.type]) % {"list": list_name}
    body = gettext("%(sentence)s.") % {"sentence": event_sentence(event)}
    return {
        "title": title,
        "body": body,
        "url": f"/lists/{event.grocery_list_id}/",
        "tag": f"{event.type}:{event.grocery_list_id}",
        "event_id": str(event.id),
    }


def recipients_for(*, event: Any) -> list[User]:
    """Members of the list's family who want this kind of event; never the one who did it."""
    kind = EVENT_KINDS.get(event.type)
    if kind is None:
        return []
    memberships = (
        Membership.objects.filter(
            family_id=event.grocery_list.family_id, family__deleted_at__isnull=True
        )
        .select_related("user", "notification_preference")
        .exclude(user_id=event.actor_id)
    )
    chosen = [
        m
        for m in memberships
        if getattr(getattr(m, "notification_preference", None), kind, True) and m.user.is_active
    ]
    if event.type == "item.added":
        shopping = set(
            ListEvent.objects.filter(
                grocery_list_id=event.grocery_list_id,
                type="shopping.started",
                created_at__gte=event.created_at - SHOPPING_WINDOW,
            ).values_list("actor_id", flat=True)
        )
        chosen = [m for m in chosen if m.user_id in shopping]
    return [m.user for m in chosen]


def push_plan(*, event_id: UUID | str) -> list[tuple[str, str]]:
    """(subscription id, JSON payload) for every browser that should hear about the event."""
    event = ListEvent.objects.select_related("grocery_list").filter(pk=event_id).first()
    if event is None or event.grocery_list.deleted_at is not None:
        return []
    if event.type == "order.status_changed" and (event.payload or {}).get("status") != "delivered":
        return []
    if _message(event) is None:
        return []
    users = {user.pk: user for user in recipients_for(event=event)}
    subscriptions = PushSubscription.objects.filter(user__in=users.values()).values_list(
        "pk", "user_id"
    )
    # Each member reads it in their own language (their setting; the site's without one:
    # a push has no browser to ask). One message per language, not per device.
    messages: dict[str, str] = {}
    plan = []
    for pk, user_id in subscriptions:
        language = supported_language(users[user_id].language) or settings.LANGUAGE_CODE
        if language not in messages:
            with translation.override(language):
                messages[language] = json.dumps(_message(event))
        plan.append((str(pk), messages[language]))
    return plan
