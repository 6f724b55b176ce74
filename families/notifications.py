"""Notifications: the in-app feed and badge, preferences, and Web Push.

What reaches people is derived from the lists' event log (`ListEvent`): "Ana is going
shopping at Lidl" (`shopping.started`), items added to a list you are shopping
(`item.added` after your own `shopping.started`), "the vendor answered"
(`share.answered`), "order delivered" (`order.status_changed` to delivered).

`event_notify_later` is called on commit by `lists.services.list_event_record`; the
Celery task `families.tasks.notify_event` picks the recipients (members of the family
who want that kind, never the actor) and fans out one `send_push` task per browser, which
talks to the push service with pywebpush and VAPID keys from settings. Nothing is sent
from the request.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from grocer.outbox.services import outbox_enqueue

from . import pushguard
from .models import Membership, NotificationPreference, PushSubscription, User

logger = logging.getLogger(__name__)

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


def push_configured() -> bool:
    return bool(settings.WEBPUSH_VAPID_PUBLIC_KEY and settings.WEBPUSH_VAPID_PRIVATE_KEY)


def event_notify_later(*, event_id: UUID, event_type: str, payload: dict[str, Any]) -> None:
    """On commit of a list event: queue the push fan-out if the event is one people can get."""
    if event_type not in EVENT_KINDS:
        return
    if event_type == "order.status_changed" and payload.get("status") != "delivered":
        return
    if not push_configured():
        return  # the in-app feed reads the events themselves; only pushes need a task
    # An outbox row in the event's transaction: a broker outage cannot fail the write
    # that recorded the event (it has committed), and the push still goes out later.
    outbox_enqueue(task="families.tasks.notify_event", args=[str(event_id)])


# --- preferences and the feed --------------------------------------------------------------


def preference_for(*, membership: Membership) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.get_or_create(membership=membership)
    return preference


def preference_update(
    *, membership: Membership, choices: dict[str, bool]
) -> NotificationPreference:
    with transaction.atomic():
        preference = (
            NotificationPreference.objects.select_for_update().filter(membership=membership).first()
        ) or NotificationPreference(membership=membership)
        for kind in NotificationPreference.KINDS:
            if kind in choices:
                setattr(preference, kind, bool(choices[kind]))
        preference.save()
    return preference


def _others_events(*, membership: Membership) -> QuerySet:
    from lists.models import ListEvent

    return (
        ListEvent.objects.filter(
            grocery_list__family_id=membership.family_id,
            grocery_list__deleted_at__isnull=True,
        )
        .exclude(actor_id=membership.user_id)
        .select_related("grocery_list")
        .order_by("-created_at", "-seq")
    )


def feed_unseen_count(*, membership: Membership) -> int:
    seen_at = (
        NotificationPreference.objects.filter(membership=membership)
        .values_list("feed_seen_at", flat=True)
        .first()
    )
    events = _others_events(membership=membership)
    if seen_at is not None:
        events = events.filter(created_at__gt=seen_at)
    return events.count()


def feed_for(*, membership: Membership) -> tuple[list, Any]:
    """Others' latest changes, and the moment this member last looked (None: never)."""
    seen_at = (
        NotificationPreference.objects.filter(membership=membership)
        .values_list("feed_seen_at", flat=True)
        .first()
    )
    return list(_others_events(membership=membership)[:FEED_LENGTH]), seen_at


def feed_mark_seen(*, membership: Membership) -> None:
    with transaction.atomic():
        NotificationPreference.objects.update_or_create(
            membership=membership, defaults={"feed_seen_at": timezone.now()}
        )


# --- "going shopping" ------------------------------------------------------------------


def shopping_start(*, grocery_list: Any, actor: User, store: str = "") -> Any:
    """Tell the family someone is going shopping. Locks nothing; anyone can still edit."""
    from lists.quantity import normalize_spaces
    from lists.services import list_event_record

    store = normalize_spaces(store)
    if len(store) > 100:
        raise ValidationError({"store": "Store names can be at most 100 characters."})
    with transaction.atomic():
        return list_event_record(
            grocery_list=grocery_list,
            type="shopping.started",
            actor=actor,
            payload={"store": store, "name": grocery_list.name},
        )


# --- push subscriptions --------------------------------------------------------------


def push_subscribe(*, user: User, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Remember this browser for `user` (re-subscribing moves an endpoint to its new owner)."""
    with transaction.atomic():
        subscription, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
        )
    return subscription


def push_unsubscribe(*, user: User, endpoint: str) -> None:
    PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()


# --- who gets what -------------------------------------------------------------------


def _message(event: Any) -> dict[str, Any] | None:
    payload = event.payload or {}
    who = event.actor_label or "Someone"
    list_name = event.grocery_list.name
    match event.type:
        case "shopping.started":
            store = payload.get("store")
            body = f"{who} is going shopping" + (f" at {store}" if store else "") + "."
            title = f"Going shopping: {list_name}"
        case "item.added":
            body = f"{who} added {payload.get('name', 'an item')} to {list_name}."
            title = "Added to your shopping list"
        case "share.answered":
            body = f"{payload.get('vendor') or who} answered about {list_name}."
            title = "The vendor answered"
        case "order.status_changed":
            body = f"The order for {list_name} was delivered."
            title = "Order delivered"
        case _:
            return None
    return {
        "title": title,
        "body": body,
        "url": f"/lists/{event.grocery_list_id}/",
        "tag": f"{event.type}:{event.grocery_list_id}",
        "event_id": str(event.id),
    }


def recipients_for(*, event: Any) -> list[User]:
    """Members of the list's family who want this kind of event; never the one who did it."""
    from lists.models import ListEvent

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
    from lists.models import ListEvent

    event = ListEvent.objects.select_related("grocery_list").filter(pk=event_id).first()
    if event is None or event.grocery_list.deleted_at is not None:
        return []
    if event.type == "order.status_changed" and (event.payload or {}).get("status") != "delivered":
        return []
    message = _message(event)
    if message is None:
        return []
    users = recipients_for(event=event)
    subscriptions = PushSubscription.objects.filter(user__in=users).values_list("pk", flat=True)
    data = json.dumps(message)
    return [(str(pk), data) for pk in subscriptions]


class PushRetryError(Exception):
    """A temporary failure (5xx, 429, timeout): try again later."""


def _push_refused(subscription: PushSubscription, error: Exception) -> bool:
    """An endpoint we may not call is forgotten: no retry would make it callable."""
    logger.warning("Push endpoint refused, subscription dropped: %s", error)
    subscription.delete()
    return False


def push_send(*, subscription_id: UUID | str, data: str, topic: str = "") -> bool:
    """Send one encrypted message to one browser. False if the subscription is gone.

    404/410 delete the subscription (the browser unsubscribed); 5xx, 429 and network
    errors raise `PushRetryError` for the task's backoff; other 4xx are dropped (a retry
    would fail the same way).
    """
    from pywebpush import WebPushException, webpush
    from requests import RequestException

    subscription = PushSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None or not push_configured():
        return False
    try:
        # Again at send time: the allow-list may have shrunk, DNS may answer otherwise
        # now; the session then checks the address it really connects to.
        pushguard.check_endpoint(subscription.endpoint)
    except pushguard.EndpointRefusedError as error:
        return _push_refused(subscription, error)
    headers = {"Urgency": "normal"}
    if topic:
        # Same topic replaces an undelivered earlier copy: a retried send is not shown twice.
        headers["Topic"] = topic[:32]
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=data,
            vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
            ttl=6 * 3600,
            headers=headers,
            timeout=10,
            requests_session=pushguard.push_session(),
        )
    except pushguard.EndpointRefusedError as error:
        return _push_refused(subscription, error)
    except WebPushException as error:
        code = getattr(error.response, "status_code", None)
        if code in (404, 410):
            subscription.delete()
            return False
        if code is None or code >= 500 or code == 429:
            raise PushRetryError(str(error)) from error
        return False
    except RequestException as error:
        raise PushRetryError(str(error)) from error
    return True
