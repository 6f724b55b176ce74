"""The Web Push client: one encrypted message to one browser, with pywebpush and the
VAPID keys from settings, called from the `families.tasks.send_push` task only; and
`push_wanted`, which lets a write skip the fan-out task when nobody could get the push."""

from __future__ import annotations

import logging
from uuid import UUID

from django.conf import settings

from . import pushguard
from .models import PushSubscription

logger = logging.getLogger(__name__)


def push_configured() -> bool:
    return bool(settings.WEBPUSH_VAPID_PUBLIC_KEY and settings.WEBPUSH_VAPID_PRIVATE_KEY)


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


# --- who could get a push at all: decided in the request, without a task ------------------

# The kinds each member with at least one browser subscribed wants, per family. Dropped
# (`FamiliesConfig.ready`) when a subscription, a preference, a membership or a user
# changes; the TTL bounds changes made with QuerySet.update(), which send no signal.
PUSH_WANTS_TTL = 300


def _push_wants_key(family_id: UUID | str) -> str:
    return f"family:{family_id}:push-wants"


def family_push_wants(*, family_id: UUID | str) -> dict[str, list[str]]:
    """{user id: the notification kinds they want} for the family's active members who
    have a push subscription (members without one are absent). Cached; one query on a miss."""
    from grocer.cache import cache_get_or_load

    from .models import Membership, NotificationPreference

    def load() -> dict[str, list[str]]:
        memberships = (
            Membership.objects.filter(
                family_id=family_id,
                user__is_active=True,
                user__push_subscriptions__isnull=False,
            )
            .select_related("notification_preference")
            .distinct()
        )
        return {
            str(membership.user_id): [
                kind
                for kind in NotificationPreference.KINDS
                if getattr(getattr(membership, "notification_preference", None), kind, True)
            ]
            for membership in memberships
        }

    return cache_get_or_load(_push_wants_key(family_id), ttl=PUSH_WANTS_TTL, load=load)


def push_wanted(*, family_id: UUID | str, kind: str, actor_id: UUID | str | None) -> bool:
    """Could anyone but the actor get a push of this kind? False spares the fan-out task."""
    actor = str(actor_id) if actor_id else None
    return any(
        kind in kinds
        for user_id, kinds in family_push_wants(family_id=family_id).items()
        if user_id != actor
    )


def forget_push_wants(*, family_ids) -> None:
    """Drop the families' cached push wants, now and again once the transaction commits
    (a request that read the old rows meanwhile may have cached them again)."""
    from django.db import transaction

    from grocer.cache import cache_forget

    keys = [_push_wants_key(family_id) for family_id in family_ids]

    def forget() -> None:
        for key in keys:
            cache_forget(key)

    forget()
    transaction.on_commit(forget, robust=True)
