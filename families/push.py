"""The Web Push client: one encrypted message to one browser, with pywebpush and the
VAPID keys from settings. Called from the `families.tasks.send_push` task only."""

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
