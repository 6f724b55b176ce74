"""Thin Celery tasks for lists: load by id, do one thing."""

from __future__ import annotations

from celery import shared_task

from families.push import push_configured
from families.tasks import send_push

from .notifications import push_plan


@shared_task(soft_time_limit=30, time_limit=60)
def notify_event(event_id: str) -> int:
    """Fan a list event out to the browsers that want it: one `send_push` per browser.

    Idempotent per browser thanks to the push Topic (see `families.push.push_send`);
    returns how many sends were queued.
    """
    if not push_configured():
        return 0
    plan = push_plan(event_id=event_id)
    for subscription_id, data in plan:
        send_push.delay(subscription_id, data, event_id.replace("-", ""))
    return len(plan)
