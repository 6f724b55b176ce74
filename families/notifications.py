"""Each member's notification choices, the feed's "seen" mark, and push subscriptions.

What reaches people is derived from the lists' event log, which this app cannot see:
the lists app decides who hears about which event (`lists.notifications`) and hands
the feed to the pages here through `families.hooks`. Sending a push is `families.push`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .models import Membership, NotificationPreference, PushSubscription, User


def preference_for(*, membership: Membership) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.get_or_create(
        membership=membership, defaults={"family_id": membership.family_id}
    )
    return preference


def preference_update(
    *, membership: Membership, choices: dict[str, bool]
) -> NotificationPreference:
    with transaction.atomic():
        preference = (
            NotificationPreference.objects.select_for_update().filter(membership=membership).first()
        ) or NotificationPreference(membership=membership, family_id=membership.family_id)
        for kind in NotificationPreference.KINDS:
            if kind in choices:
                setattr(preference, kind, bool(choices[kind]))
        preference.save()
    return preference


def feed_seen_at(*, membership: Membership) -> datetime | None:
    """When this member last looked at the feed (None: never)."""
    return (
        NotificationPreference.objects.filter(membership=membership)
        .values_list("feed_seen_at", flat=True)
        .first()
    )


def feed_mark_seen(*, membership: Membership) -> None:
    with transaction.atomic():
        now = timezone.now()
        NotificationPreference.objects.update_or_create(
            membership=membership,
            defaults={"feed_seen_at": now},
            create_defaults={"feed_seen_at": now, "family_id": membership.family_id},
        )


def push_subscribe(*, user: User, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Remember this browser for `user` (re-subscribing moves an endpoint to its new owner)."""
    with transaction.atomic():
        subscription, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
        )
    return subscription


def push_unsubscribe(*, user: User, endpoint: str) -> None:
    PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
