"""Waiting sends live in PostgreSQL: a due time per row, a beat sweep that hands out due
rows once (a lease, so tasks never multiply), and a retry count no breaker wait resets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from vendors import whatsapp
from vendors.delivery import deliveries_due
from vendors.models import ShareDelivery
from vendors.tasks import deliver_share, dispatch_due_deliveries
from vendors.tests.factories import ShareDeliveryFactory
from vendors.tests.fake_graph import http_status, ok

pytestmark = pytest.mark.django_db


def attempt(delivery) -> str:
    return deliver_share.apply(args=[str(delivery.id)], throw=True).get()


def row(delivery) -> ShareDelivery:
    return ShareDelivery.objects.get(pk=delivery.pk)


def make_due(delivery) -> None:
    ShareDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_a_retry_waits_in_postgresql_not_in_a_countdown_task(whatsapp_on, settings):
    settings.WHATSAPP_RETRY_BACKOFF_SECONDS = 60
    delivery = ShareDeliveryFactory()
    whatsapp_on.script(http_status(503), ok())
    before = timezone.now()
    assert attempt(delivery) == "retrying"
    waiting = row(delivery)
    assert waiting.state == ShareDelivery.State.QUEUED and waiting.retries == 1
    assert waiting.next_attempt_at >= before + timedelta(seconds=30)
    assert waiting.dispatched_at is None
    # Not due yet: the sweep hands nothing out, an early task does nothing.
    assert deliveries_due() == []
    assert attempt(delivery) == "not due"
    assert len(whatsapp_on.requests) == 1
    make_due(delivery)
    assert dispatch_due_deliveries.apply().get() == 1  # eager: the send runs inline
    assert row(delivery).state == ShareDelivery.State.SENT


def test_the_sweep_hands_a_due_row_out_once_per_lease(settings):
    settings.WHATSAPP_DISPATCH_LEASE_SECONDS = 60
    delivery = ShareDeliveryFactory(next_attempt_at=timezone.now() - timedelta(minutes=30))
    assert deliveries_due() == [str(delivery.pk)]
    # A long outage: sweep after sweep, the queued task is not doubled.
    for _ in range(5):
        assert deliveries_due() == []
    # Past the lease its task was lost (a dead worker): handed out again.
    ShareDelivery.objects.filter(pk=delivery.pk).update(
        dispatched_at=timezone.now() - timedelta(seconds=61)
    )
    assert deliveries_due() == [str(delivery.pk)]


def test_only_the_run_that_claims_a_row_schedules_it(whatsapp_on, settings):
    """Two tasks for one due row (a sweep's and a redelivered one): one attempt, one
    next due time, and the second task leaves no follow-up behind."""
    settings.WHATSAPP_RETRY_BACKOFF_SECONDS = 60
    delivery = ShareDeliveryFactory()
    whatsapp_on.script(http_status(503))
    assert attempt(delivery) == "retrying"
    first_due = row(delivery).next_attempt_at
    assert attempt(delivery) == "not due"
    assert row(delivery).next_attempt_at == first_due
    assert len(whatsapp_on.requests) == 1


@pytest.mark.redis  # the breaker's state is shared through Redis
def test_a_breaker_wait_keeps_the_retry_count(whatsapp_on, settings):
    settings.WHATSAPP_MAX_RETRIES = 3
    settings.WHATSAPP_BREAKER_FAIL_MAX = 100
    delivery = ShareDeliveryFactory()
    whatsapp_on.script(*[http_status(503)] * 10)
    for _ in range(2):
        assert attempt(delivery) == "retrying"
        make_due(delivery)
    assert row(delivery).retries == 2

    whatsapp.breaker().open()  # another worker's failures opened it
    assert attempt(delivery) == "waiting"
    waiting = row(delivery)
    assert waiting.retries == 2 and waiting.attempts == 2  # a wait is not an attempt
    assert waiting.next_attempt_at > timezone.now() + timedelta(seconds=50)

    whatsapp.breaker().close()
    make_due(delivery)
    assert attempt(delivery) == "retrying"  # the third retry
    make_due(delivery)
    assert attempt(delivery) == "gave up"  # WHATSAPP_MAX_RETRIES = 3 retries, then stop
    assert len(whatsapp_on.requests) == 4  # the first try and three retries, no more
    assert row(delivery).state == ShareDelivery.State.FAILED


def test_due_sends_are_driven_at_least_every_minute():
    entry = django_settings.CELERY_BEAT_SCHEDULE["vendors-dispatch-due-deliveries"]
    assert entry["task"] == "vendors.tasks.dispatch_due_deliveries"
    assert entry["schedule"] <= 60
    # Nothing that waits is longer than the visibility timeout would allow either.
    assert django_settings.WHATSAPP_DISPATCH_LEASE_SECONDS < 120
