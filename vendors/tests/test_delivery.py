"""Delivery through the fake Graph API: success, retries, permanent failures, at most
one message per send, and the circuit breaker."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from families.tests.factories import MembershipFactory
from lists.models import ListEvent
from lists.tests.factories import ListItemFactory
from vendors import services, whatsapp
from vendors.delivery import deliveries_due, delivery_send
from vendors.models import ShareDelivery, VendorShare
from vendors.tasks import deliver_share, drain_deliveries, requeue_stuck_deliveries
from vendors.tests.factories import ShareDeliveryFactory, VendorFactory
from vendors.tests.fake_graph import error, http_status, ok
from vendors.webhook import webhook_status_apply

pytestmark = pytest.mark.django_db


def run(delivery) -> str:
    """Run the task as the sweep and a worker would, its retries included (each backoff
    skipped by making the row due at once)."""
    for _ in range(20):
        outcome = deliver_share.apply(args=[str(delivery.id)], throw=True).get()
        if outcome != "retrying":
            return outcome
        ShareDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    raise AssertionError("the task kept retrying")


def refreshed(delivery):
    delivery.refresh_from_db()
    delivery.share.refresh_from_db()
    return delivery, delivery.share


def test_share_send_queues_a_delivery_and_sends_a_template(
    whatsapp_on, django_capture_on_commit_callbacks
):
    membership = MembershipFactory(family__name="The Smiths")
    item = ListItemFactory(grocery_list__family=membership.family, grocery_list__name="Weekly")
    vendor = VendorFactory(name="Corner Greengrocer", whatsapp_number="+34600111222")
    with django_capture_on_commit_callbacks(execute=True):
        share = services.share_send(
            grocery_list=item.grocery_list,
            vendor=vendor,
            message="Before noon please",
            actor=membership.user,
            base_url="http://testserver/",
        )
    share.refresh_from_db()
    delivery = share.deliveries.get()
    assert share.status == VendorShare.Status.SENT
    assert share.whatsapp_message_id == delivery.whatsapp_message_id != ""
    assert delivery.state == ShareDelivery.State.SENT and delivery.kind == "template"
    [request] = whatsapp_on.requests
    assert request.body["type"] == "template"
    params = [p["text"] for p in request.body["template"]["components"][0]["parameters"]]
    assert params == ["Weekly", "The Smiths", f"http://testserver/v/{share.token}/"]
    assert request.body["biz_opaque_callback_data"] == str(delivery.id)
    statuses = [
        e.payload["status"]
        for e in ListEvent.objects.filter(type="share.status_changed").order_by("seq")
    ]
    assert statuses == ["pending", "sent"]


@pytest.mark.django_db(transaction=True)  # real commits, as a worker makes them
def test_a_send_is_two_short_transactions_and_nothing_else_writes(whatsapp_on):
    """Prevents commits creeping back into a send: the claim (with its attempt count) and
    the record of the outcome are one transaction each, and nothing is written outside
    them. Commits were most of a send's time in the bench (bench/README.md)."""
    delivery = ShareDeliveryFactory()
    with CaptureQueriesContext(connection) as queries:
        assert delivery_send(delivery_id=delivery.id) == "sent"
    transactions: list[list[str]] = []
    outside: list[str] = []
    current: list[str] | None = None
    for query in queries.captured_queries:
        verb = query["sql"].split()[0].upper()
        if verb == "BEGIN":
            current = []
        elif verb == "COMMIT":
            transactions.append(current or [])
            current = None
        elif current is None:
            outside.append(verb)
        else:
            current.append(verb)
    assert set(outside) <= {"SELECT"}  # the publisher's read after commit
    # The claim and its read; then the list's seq, the share, the event, the delivery.
    assert [len(t) for t in transactions] == [2, 4]
    assert transactions[0][0] == "UPDATE"  # the claim comes first, before any read
    assert len(queries) <= 11
    delivery.refresh_from_db()
    assert delivery.state == ShareDelivery.State.SENT and delivery.attempts == 1
    assert VendorShare.objects.get(pk=delivery.share_id).attempts == 1


def test_text_inside_the_24_hour_window(whatsapp_on):
    delivery = ShareDeliveryFactory(
        share__vendor__last_inbound_at=timezone.now() - timedelta(hours=2),
        share__message="Ring the bell",
    )
    assert run(delivery) == "sent"
    body = whatsapp_on.requests[0].body
    assert body["type"] == "text"
    assert "Ring the bell" in body["text"]["body"]
    assert delivery.vendor_url in body["text"]["body"]


def test_text_refused_outside_the_window_falls_back_to_the_template(whatsapp_on):
    delivery = ShareDeliveryFactory(
        share__vendor__last_inbound_at=timezone.now() - timedelta(hours=2)
    )
    whatsapp_on.script(error(131047))
    assert run(delivery) == "sent"
    assert [r.body["type"] for r in whatsapp_on.requests] == ["text", "template"]
    delivery, share = refreshed(delivery)
    assert delivery.kind == "template" and share.status == VendorShare.Status.SENT


@pytest.mark.parametrize(
    "failure",
    [http_status(500), http_status(429), error(131016, status=503), error(130429), error(1)],
)
def test_retry_then_success(whatsapp_on, failure):
    delivery = ShareDeliveryFactory()
    whatsapp_on.script(failure)
    run(delivery)
    delivery, share = refreshed(delivery)
    assert share.status == VendorShare.Status.SENT
    assert delivery.attempts == 2 and share.attempts == 2
    assert len(whatsapp_on.requests) == 2
    assert len(whatsapp_on.sent) == 1


def test_timeout_then_success(whatsapp_on, settings):
    settings.WHATSAPP_READ_TIMEOUT = 0.3
    delivery = ShareDeliveryFactory()
    whatsapp_on.script(ok(delay=3))
    run(delivery)
    delivery, share = refreshed(delivery)
    assert share.status == VendorShare.Status.SENT
    # The documented duplicate window: the timed-out request may have gone out too.
    assert len(whatsapp_on.requests) == 2


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (131026, "The vendor's number is not on WhatsApp or cannot receive messages."),
        (190, "Our WhatsApp token has expired — an admin must renew it."),
        (132001, "WhatsApp rejected our message template — an admin must check it."),
    ],
)
def test_permanent_failure_is_not_retried(whatsapp_on, code, reason):
    delivery = ShareDeliveryFactory()
    whatsapp_on.script(error(code))
    assert run(delivery) == "failed"
    delivery, share = refreshed(delivery)
    assert len(whatsapp_on.requests) == 1
    assert share.status == VendorShare.Status.FAILED
    assert share.failure_reason == reason
    assert delivery.state == ShareDelivery.State.FAILED and delivery.error_code == code
    assert ListEvent.objects.filter(
        type="share.status_changed", payload__status="failed", payload__reason=reason
    ).exists()


def test_retries_are_bounded(whatsapp_on, settings):
    settings.WHATSAPP_MAX_RETRIES = 2
    settings.WHATSAPP_BREAKER_FAIL_MAX = 10
    delivery = ShareDeliveryFactory()
    whatsapp_on.script(*[http_status(500)] * 5)
    run(delivery)
    delivery, share = refreshed(delivery)
    assert len(whatsapp_on.requests) == 3  # the first try and two retries
    assert share.status == VendorShare.Status.FAILED
    assert "kept failing" in share.failure_reason


def test_running_the_task_twice_sends_once(whatsapp_on):
    delivery = ShareDeliveryFactory()
    assert run(delivery) == "sent"
    assert run(delivery) == "sent"  # a redelivered message finds the id and stops
    assert len(whatsapp_on.requests) == 1


def test_a_claim_still_in_flight_elsewhere_is_left_alone(whatsapp_on):
    delivery = ShareDeliveryFactory(
        state=ShareDelivery.State.SENDING, send_started_at=timezone.now()
    )
    assert run(delivery) == "busy"
    delivery, _ = refreshed(delivery)
    assert delivery.state == ShareDelivery.State.SENDING
    assert whatsapp_on.requests == []


def test_a_worker_that_died_mid_send_is_never_sent_again(whatsapp_on, settings, client):
    """The claim outlived the hard time limit without a message id: the worker died
    between claim and answer. At most one message: mark it interrupted, don't post."""
    started = timezone.now() - timedelta(seconds=settings.WHATSAPP_CLAIM_STALE_SECONDS + 1)
    delivery = ShareDeliveryFactory(
        state=ShareDelivery.State.SENDING, send_started_at=started, share__status="sending"
    )
    assert run(delivery) == "interrupted"
    delivery, share = refreshed(delivery)
    assert whatsapp_on.requests == []
    assert delivery.state == ShareDelivery.State.INTERRUPTED
    assert share.status == VendorShare.Status.FAILED
    assert share.failure_reason == services.INTERRUPTED_REASON
    # If the message did go out, its status webhook carries our id and settles it.
    outcome = webhook_status_apply(
        status={
            "id": "wamid.lost",
            "status": "delivered",
            "biz_opaque_callback_data": str(delivery.id),
        }
    )
    assert outcome == "applied"
    delivery, share = refreshed(delivery)
    assert share.status == VendorShare.Status.DELIVERED
    assert share.whatsapp_message_id == delivery.whatsapp_message_id == "wamid.lost"


def test_a_status_that_arrives_while_the_row_is_still_sending_settles_it(whatsapp_on, settings):
    """The other order: WhatsApp's status comes while the row is still "sending" (the
    worker died after the POST, before recording the id), before anything marks the row
    interrupted. It is applied at once, and the row is never interrupted afterwards."""
    started = timezone.now()
    delivery = ShareDeliveryFactory(
        state=ShareDelivery.State.SENDING,
        send_started_at=started,
        claim_token=uuid.uuid4(),
        share__status="sending",
    )
    outcome = webhook_status_apply(
        status={
            "id": "wamid.early",
            "status": "delivered",
            "biz_opaque_callback_data": str(delivery.id),
        }
    )
    assert outcome == "applied"
    # Later the claim is stale: the sweep's task finds a settled row, not a lost one.
    stale = started - timedelta(seconds=settings.WHATSAPP_CLAIM_STALE_SECONDS + 1)
    ShareDelivery.objects.filter(pk=delivery.pk).update(send_started_at=stale)
    assert deliveries_due() == []
    assert run(delivery) == "sent"
    delivery, share = refreshed(delivery)
    assert delivery.state == ShareDelivery.State.SENT
    assert delivery.whatsapp_message_id == share.whatsapp_message_id == "wamid.early"
    assert share.status == VendorShare.Status.DELIVERED and share.failure_reason == ""
    assert whatsapp_on.requests == []  # and never sent twice
    # Meta repeats itself: nothing moves.
    repeat = {"id": "wamid.early", "status": "delivered", "biz_opaque_callback_data": "x"}
    assert webhook_status_apply(status=repeat) == "duplicate"


def test_a_superseded_send_never_goes_out(whatsapp_on):
    delivery = ShareDeliveryFactory()
    VendorShare.objects.filter(pk=delivery.share_id).update(send_count=2)
    assert run(delivery) == "superseded"
    assert whatsapp_on.requests == []


def test_resending_queues_a_new_send_and_a_fresh_message(
    whatsapp_on, django_capture_on_commit_callbacks
):
    membership = MembershipFactory()
    item = ListItemFactory(grocery_list__family=membership.family)
    vendor = VendorFactory()
    whatsapp_on.script(error(131026))
    kwargs = dict(
        grocery_list=item.grocery_list,
        vendor=vendor,
        message="",
        actor=membership.user,
        base_url="http://testserver/",
    )
    with django_capture_on_commit_callbacks(execute=True):
        share = services.share_send(**kwargs)
    share.refresh_from_db()
    assert share.status == VendorShare.Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        again = services.share_send(**kwargs)
    assert again.pk == share.pk
    again.refresh_from_db()
    assert again.status == VendorShare.Status.SENT and again.failure_reason == ""
    assert again.send_count == 2 and again.deliveries.count() == 2
    assert len(whatsapp_on.requests) == 2


def test_a_double_click_while_queued_sends_once(whatsapp_on, django_capture_on_commit_callbacks):
    membership = MembershipFactory()
    item = ListItemFactory(grocery_list__family=membership.family)
    vendor = VendorFactory()
    kwargs = dict(
        grocery_list=item.grocery_list,
        vendor=vendor,
        message="",
        actor=membership.user,
        base_url="http://testserver/",
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.share_send(**kwargs)
        services.share_send(**kwargs)
    for callback in callbacks:
        callback()
    assert ShareDelivery.objects.count() == 1
    assert len(whatsapp_on.requests) == 1


# --- circuit breaker --------------------------------------------------------------------------


@pytest.mark.redis  # the breaker's shared state lives in Redis
def test_breaker_opens_after_repeated_failures_and_shares_wait(whatsapp_on, settings):
    settings.WHATSAPP_MAX_RETRIES = 0
    whatsapp_on.script(*[http_status(500)] * 3)
    for _ in range(3):
        run(ShareDeliveryFactory())
    assert len(whatsapp_on.requests) == 3
    assert whatsapp.breaker_retry_in() > 0

    waiting = ShareDeliveryFactory()
    assert run(waiting) == "waiting"
    waiting, share = refreshed(waiting)
    assert len(whatsapp_on.requests) == 3  # the API was not called
    assert waiting.state == ShareDelivery.State.QUEUED and waiting.attempts == 0
    assert share.status == VendorShare.Status.PENDING

    # Another worker process sees the same open circuit: the state lives in Redis.
    whatsapp._breakers.clear()
    assert whatsapp.breaker_retry_in() > 0

    # The cool-down passes: the next send is the trial call, it succeeds, it closes.
    storage = whatsapp.breaker()._state_storage
    # pybreaker only moves opened_at forward; rewind the shared key itself.
    storage._redis.set(storage._namespace("opened_at"), int(timezone.now().timestamp()) - 61)
    # The row waited in PostgreSQL until the cool-down's end; the sweep hands it out then.
    assert waiting.next_attempt_at > timezone.now() + timedelta(seconds=50)
    ShareDelivery.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    assert run(waiting) == "sent"
    assert whatsapp.breaker().current_state == "closed"
    assert len(whatsapp_on.sent) == 1


def test_permanent_errors_do_not_trip_the_breaker(whatsapp_on):
    whatsapp_on.script(*[error(131026)] * 4)
    for _ in range(4):
        assert run(ShareDeliveryFactory()) == "failed"
    assert whatsapp.breaker().current_state == "closed"
    assert run(ShareDeliveryFactory()) == "sent"


def test_rate_limits_do_not_trip_the_breaker(whatsapp_on, settings):
    settings.WHATSAPP_MAX_RETRIES = 0
    whatsapp_on.script(*[error(131056)] * 4)
    for _ in range(4):
        run(ShareDeliveryFactory())
    assert whatsapp.breaker().current_state == "closed"


def test_lost_tasks_are_requeued_and_still_send_once(whatsapp_on, settings):
    """The broker was down when the share was committed (or the task got lost): the
    beat task finds the row and sends it; a claim left by a dead worker is settled."""
    old = timezone.now() - timedelta(hours=1)
    lost = ShareDeliveryFactory(next_attempt_at=old, dispatched_at=old)
    # Its task is still on its way (handed out within the lease): left alone.
    fresh = ShareDeliveryFactory(next_attempt_at=timezone.now(), dispatched_at=timezone.now())
    dead = ShareDeliveryFactory(state=ShareDelivery.State.SENDING, send_started_at=old)
    assert requeue_stuck_deliveries.apply().get() == 2
    assert refreshed(lost)[0].state == ShareDelivery.State.SENT
    assert refreshed(fresh)[0].state == ShareDelivery.State.QUEUED
    assert refreshed(dead)[0].state == ShareDelivery.State.INTERRUPTED
    assert len(whatsapp_on.requests) == 1
    # Nothing is stuck any more.
    assert requeue_stuck_deliveries.apply().get() == 0


def test_a_broker_outage_at_commit_does_not_fail_the_share(
    whatsapp_on, settings, django_capture_on_commit_callbacks, monkeypatch
):
    membership = MembershipFactory()
    item = ListItemFactory(grocery_list__family=membership.family)

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(drain_deliveries, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        share = services.share_send(
            grocery_list=item.grocery_list,
            vendor=VendorFactory(),
            message="",
            actor=membership.user,
            base_url="http://testserver/",
        )
    assert share.deliveries.get().state == ShareDelivery.State.QUEUED
