"""Sends drained in batches from PostgreSQL (`vendors.tasks.drain_deliveries`): one Celery
message per batch, each row still sent at most once with its own claim, record, retry and
failure, and a dead worker's rows found again by the sweep."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from families.tests.factories import MembershipFactory
from lists.tests.factories import ListItemFactory
from vendors import services, tasks
from vendors.models import ShareDelivery, VendorShare
from vendors.tests.factories import ShareDeliveryFactory, VendorFactory
from vendors.tests.fake_graph import error, ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def follow_ups(monkeypatch):
    """The drains a drain asks for, recorded instead of run (eager tasks would run them
    inline)."""
    requested: list[tuple] = []
    monkeypatch.setattr(tasks.drain_deliveries, "delay", lambda *a: requested.append(a))
    return requested


def states(deliveries) -> Counter:
    return Counter(
        ShareDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).values_list(
            "state", flat=True
        )
    )


def accepted(fake) -> Counter:
    """Messages the API accepted, by delivery id."""
    return Counter(r.body["biz_opaque_callback_data"] for r in fake.sent)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # real commits: the drains race on separate connections
def test_two_drains_at_once_send_every_due_row_exactly_once(whatsapp_on, settings):
    settings.WHATSAPP_DRAIN_BATCH = 4
    whatsapp_on.latency = 0.02  # the sends of the two drains overlap
    deliveries = [ShareDeliveryFactory() for _ in range(24)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            start.wait(timeout=10)
            # Each drain asks for the next while its batch is full: eager, that runs
            # inline, so each thread drains until nothing is due.
            tasks.drain_deliveries.apply(throw=True)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert states(deliveries) == {ShareDelivery.State.SENT: 24}
    assert accepted(whatsapp_on) == Counter({str(d.pk): 1 for d in deliveries})
    assert len(whatsapp_on.requests) == 24
    assert set(ShareDelivery.objects.values_list("attempts", flat=True)) == {1}
    assert set(VendorShare.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the pool's threads read committed rows
def test_a_batch_is_sent_side_by_side(whatsapp_on, follow_ups):
    deliveries = [ShareDeliveryFactory() for _ in range(2)]
    # Answers within the read timeout (5 s in `whatsapp_on`), slow enough to overlap.
    whatsapp_on.script(ok(delay=3), ok(delay=3))

    def run() -> None:
        try:
            tasks.drain_deliveries.apply(throw=True)
        finally:
            connection.close()

    drain = threading.Thread(target=run)
    drain.start()
    try:
        # Both requests reach the API while the first is still unanswered.
        assert whatsapp_on.wait_for_requests(2, timeout=2.5)
    finally:
        drain.join(timeout=30)
    assert states(deliveries) == {ShareDelivery.State.SENT: 2}


def test_a_drain_hands_out_one_batch_and_asks_for_the_next(whatsapp_on, settings, follow_ups):
    settings.WHATSAPP_DRAIN_BATCH = 2
    deliveries = [ShareDeliveryFactory() for _ in range(5)]
    assert tasks.drain_deliveries.apply(throw=True).get() == 2
    assert states(deliveries) == {ShareDelivery.State.SENT: 2, ShareDelivery.State.QUEUED: 3}
    assert len(whatsapp_on.requests) == 2
    assert len(follow_ups) == 1  # a full batch: more may be due
    assert tasks.drain_deliveries.apply(throw=True).get() == 2
    assert tasks.drain_deliveries.apply(throw=True).get() == 1
    assert len(follow_ups) == 2  # the last batch was not full: the drain stops
    assert states(deliveries) == {ShareDelivery.State.SENT: 5}
    assert tasks.drain_deliveries.apply(throw=True).get() == 0
    assert len(whatsapp_on.requests) == 5


def test_the_sweep_hands_out_a_batch_and_drains_the_rest(whatsapp_on, settings, follow_ups):
    settings.WHATSAPP_DRAIN_BATCH = 3
    deliveries = [ShareDeliveryFactory() for _ in range(4)]
    assert tasks.dispatch_due_deliveries.apply().get() == 3  # eager: sent inline
    assert states(deliveries) == {ShareDelivery.State.SENT: 3, ShareDelivery.State.QUEUED: 1}
    assert len(follow_ups) == 1


def test_a_permanent_error_in_a_batch_fails_that_row_only(whatsapp_on):
    deliveries = [ShareDeliveryFactory() for _ in range(3)]
    whatsapp_on.script(error(131026))  # the vendor's number cannot receive messages
    assert tasks.drain_deliveries.apply(throw=True).get() == 3
    assert states(deliveries) == {ShareDelivery.State.SENT: 2, ShareDelivery.State.FAILED: 1}
    failed = ShareDelivery.objects.get(state=ShareDelivery.State.FAILED)
    assert failed.retries == 0 and failed.attempts == 1 and failed.error_code == 131026
    assert failed.share.status == VendorShare.Status.FAILED
    # Not retried: nothing is due, later drains and sweeps send nothing more.
    assert tasks.drain_deliveries.apply(throw=True).get() == 0
    assert tasks.dispatch_due_deliveries.apply().get() == 0
    assert len(whatsapp_on.requests) == 3


def test_a_retry_in_a_batch_waits_in_postgresql(whatsapp_on, settings):
    settings.WHATSAPP_RETRY_BACKOFF_SECONDS = 60
    delivery = ShareDeliveryFactory()
    whatsapp_on.script(error(131000, status=500))
    assert tasks.drain_deliveries.apply(throw=True).get() == 1
    waiting = ShareDelivery.objects.get(pk=delivery.pk)
    assert waiting.state == ShareDelivery.State.QUEUED and waiting.retries == 1
    assert waiting.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert tasks.drain_deliveries.apply(throw=True).get() == 0  # not due yet
    ShareDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert tasks.drain_deliveries.apply(throw=True).get() == 1
    assert ShareDelivery.objects.get(pk=delivery.pk).state == ShareDelivery.State.SENT
    assert len(whatsapp_on.requests) == 2


def test_a_worker_that_died_mid_batch_is_found_by_the_sweep(whatsapp_on, settings):
    """A drain's worker died: the row it had claimed is marked interrupted, never posted
    again; the rows it had handed out but not claimed go out once the lease is over."""
    old = timezone.now() - timedelta(seconds=settings.WHATSAPP_CLAIM_STALE_SECONDS + 1)
    lease_over = timezone.now() - timedelta(seconds=settings.WHATSAPP_DISPATCH_LEASE_SECONDS + 1)
    claimed = ShareDeliveryFactory(
        state=ShareDelivery.State.SENDING, send_started_at=old, dispatched_at=old
    )
    handed_out = ShareDeliveryFactory(next_attempt_at=old, dispatched_at=lease_over)
    # Handed out to a drain that is still running: left to it.
    in_flight = ShareDeliveryFactory(next_attempt_at=old, dispatched_at=timezone.now())
    assert tasks.dispatch_due_deliveries.apply().get() == 2
    assert ShareDelivery.objects.get(pk=claimed.pk).state == ShareDelivery.State.INTERRUPTED
    assert ShareDelivery.objects.get(pk=handed_out.pk).state == ShareDelivery.State.SENT
    assert ShareDelivery.objects.get(pk=in_flight.pk).state == ShareDelivery.State.QUEUED
    assert accepted(whatsapp_on) == Counter({str(handed_out.pk): 1})


def test_each_row_of_a_batch_carries_its_own_familys_share(whatsapp_on):
    """One batch mixes families: every message is its own share's list, family, vendor and
    link, and every row keeps its family."""
    items = [
        ListItemFactory(grocery_list__name="Weekly", grocery_list__family__name="The Smiths"),
        ListItemFactory(grocery_list__name="Party", grocery_list__family__name="The Joneses"),
    ]
    shares = []
    for item in items:
        membership = MembershipFactory(family=item.grocery_list.family)
        shares.append(
            services.share_send(
                grocery_list=item.grocery_list,
                vendor=VendorFactory(family=item.grocery_list.family),
                message="",
                actor=membership.user,
                base_url="http://testserver/",
            )
        )
    # One drain for both (the kicks at commit are not run: no captured callbacks).
    assert tasks.drain_deliveries.apply(throw=True).get() == 2
    by_delivery = {r.body["biz_opaque_callback_data"]: r.body for r in whatsapp_on.sent}
    for share in shares:
        share.refresh_from_db()
        delivery = share.deliveries.get()
        assert delivery.family_id == share.family_id == share.grocery_list.family_id
        body = by_delivery[str(delivery.pk)]
        params = [p["text"] for p in body["template"]["components"][0]["parameters"]]
        assert params == [
            share.grocery_list.name,
            share.grocery_list.family.name,
            f"http://testserver/v/{share.token}/",
        ]
        assert body["to"] == share.vendor.whatsapp_number.lstrip("+")
        assert share.status == VendorShare.Status.SENT
        assert share.whatsapp_message_id == delivery.whatsapp_message_id


def test_a_burst_of_shares_starts_one_drain(whatsapp_on, follow_ups):
    """A drain queued and not started yet covers every share committed meanwhile; once it
    starts, the next share starts another."""
    cache.delete(tasks.DRAIN_PENDING_KEY)
    try:
        for _ in range(3):
            tasks.drain_soon()
        assert len(follow_ups) == 1
        ShareDeliveryFactory()
        tasks.drain_deliveries.apply(throw=True)  # the queued drain starts
        tasks.drain_soon()
        assert len(follow_ups) == 2
    finally:
        cache.delete(tasks.DRAIN_PENDING_KEY)


def test_a_share_committed_while_the_last_batch_goes_out_is_sent_by_that_drain(
    whatsapp_on, follow_ups, monkeypatch
):
    """Its kick found the mark set and started nothing: the drain that clears the mark
    looks once more and sends it."""
    cache.delete(tasks.DRAIN_PENDING_KEY)
    try:
        ShareDeliveryFactory()
        tasks.drain_soon()
        assert len(follow_ups) == 1
        send = tasks.deliveries_send
        late: list = []

        def send_while_a_share_commits(*, delivery_ids):
            outcomes = send(delivery_ids=delivery_ids)
            if not late:
                late.append(ShareDeliveryFactory())
                tasks.drain_soon()  # its kick: the mark is still set
            return outcomes

        monkeypatch.setattr(tasks, "deliveries_send", send_while_a_share_commits)
        assert tasks.drain_deliveries.apply(throw=True).get() == 2
        assert accepted(whatsapp_on)[str(late[0].pk)] == 1
        assert len(follow_ups) == 1  # no extra message for it
        tasks.drain_soon()  # the mark is cleared: the next share starts a drain
        assert len(follow_ups) == 2
    finally:
        cache.delete(tasks.DRAIN_PENDING_KEY)


@pytest.fixture
def wake_ups(monkeypatch):
    requested: list[dict] = []
    monkeypatch.setattr(
        tasks.drain_deliveries, "apply_async", lambda *a, **kw: requested.append(kw)
    )
    return requested


def test_a_retry_due_before_the_next_sweep_gets_a_wake_up(whatsapp_on, settings, wake_ups):
    settings.WHATSAPP_RETRY_BACKOFF_SECONDS = 2
    settings.WHATSAPP_DUE_SWEEP_SECONDS = 15
    delivery = ShareDeliveryFactory()
    whatsapp_on.script(error(131000, status=500))
    assert tasks.drain_deliveries.apply(throw=True).get() == 1
    waiting = ShareDelivery.objects.get(pk=delivery.pk)
    assert waiting.state == ShareDelivery.State.QUEUED and waiting.retries == 1
    [wake_up] = wake_ups
    # When the batch's last retry is due (the backoff is 1 to 2 s), not at the next sweep.
    assert 0 < wake_up["countdown"] <= 2


def test_a_retry_due_after_the_next_sweep_is_left_to_the_sweep(whatsapp_on, settings, wake_ups):
    settings.WHATSAPP_RETRY_BACKOFF_SECONDS = 60
    ShareDeliveryFactory()
    whatsapp_on.script(error(131000, status=500))
    assert tasks.drain_deliveries.apply(throw=True).get() == 1
    assert wake_ups == []
    ShareDeliveryFactory()  # a send that goes out asks for nothing either
    assert tasks.drain_deliveries.apply(throw=True).get() == 1
    assert wake_ups == []


def test_sending_threads_fit_in_the_process_database_pool(settings):
    """A prefork child or a worker without CONN_MAX_AGE shares Django's psycopg pool:
    more sending threads than connections would wait, and fail, at its timeout."""
    from vendors.delivery import send_threads

    settings.WHATSAPP_SEND_THREADS = 32
    assert send_threads({"OPTIONS": {"pool": {"min_size": 2, "max_size": 16}}}) == 8
    # Persistent connections (CONN_MAX_AGE), one per thread: the setting as it is.
    assert send_threads({"CONN_MAX_AGE": 60, "OPTIONS": {}}) == 32
