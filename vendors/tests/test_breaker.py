"""The WhatsApp breaker's half-open state: one trial call across every worker, and only
a successful send closes it."""

from __future__ import annotations

import threading

import pytest
from django.utils import timezone

from vendors import whatsapp
from vendors.tests.fake_graph import error, http_status, ok

pytestmark = pytest.mark.redis  # the breaker's state is shared through Redis

PAYLOAD = whatsapp.text_payload(to="+34600111222", body="Hello")


def open_then_cool_down() -> None:
    """Open the shared breaker and let its cool-down pass (pybreaker only moves opened_at
    forward, so the shared key itself is rewound)."""
    cb = whatsapp.breaker()
    cb.open()
    storage = cb._state_storage
    storage._redis.set(storage._namespace("opened_at"), int(timezone.now().timestamp()) - 61)
    assert whatsapp.breaker_retry_in() == 0  # a trial may go


def another_worker() -> None:
    """A fresh breaker object, as another worker process has: only Redis is shared."""
    whatsapp._breakers.clear()


def test_half_open_lets_one_trial_call_through_across_workers(whatsapp_on):
    open_then_cool_down()
    whatsapp_on.script(ok(delay=2), ok())
    outcome: list = []
    trial = threading.Thread(target=lambda: outcome.append(whatsapp.send(PAYLOAD)))
    trial.start()
    try:
        assert whatsapp_on.wait_for_requests(1, timeout=10)
        another_worker()
        assert whatsapp.breaker_retry_in() == whatsapp.TRIAL_WAIT_SECONDS
        with pytest.raises(whatsapp.CircuitOpen):
            whatsapp.send(PAYLOAD)  # the second worker does not call the API
        assert len(whatsapp_on.requests) == 1
    finally:
        trial.join(timeout=20)
    assert outcome and outcome[0].message_id
    assert whatsapp.breaker().current_state == "closed"
    whatsapp.send(PAYLOAD)  # closed again: calls flow
    assert len(whatsapp_on.requests) == 2


@pytest.mark.parametrize(
    ("reply", "state_after"),
    [
        (error(131056), "half-open"),  # pair rate limit: says nothing about the API's health
        (http_status(429), "half-open"),
        (error(131026), "half-open"),  # undeliverable: a permanent error for one number
        (http_status(500), "open"),  # still failing: another cool-down
    ],
)
def test_only_a_success_closes_a_half_open_breaker(whatsapp_on, reply, state_after):
    open_then_cool_down()
    whatsapp_on.script(reply, ok())
    with pytest.raises(whatsapp.WhatsAppError):
        whatsapp.send(PAYLOAD)
    another_worker()
    assert whatsapp.breaker().current_state == state_after
    if state_after == "open":
        assert whatsapp.breaker_retry_in() > 0
        with pytest.raises(whatsapp.CircuitOpen):
            whatsapp.send(PAYLOAD)
        assert len(whatsapp_on.requests) == 1
        return
    # Still half-open and no trial in flight: the next send is the next trial.
    assert whatsapp.breaker_retry_in() == 0
    assert whatsapp.send(PAYLOAD).message_id
    assert whatsapp.breaker().current_state == "closed"


def test_a_send_through_the_closed_breaker_reads_its_state_once(whatsapp_on, monkeypatch):
    """Prevents the breaker's round trips creeping back: pybreaker's own closed-state call
    read the shared state twice (bench/README.md); a success still resets the count."""
    client = whatsapp.breaker()._state_storage._redis
    commands: list[str] = []
    execute = client.execute_command

    def counting(*args, **kwargs):
        commands.append(args[0])
        return execute(*args, **kwargs)

    monkeypatch.setattr(client, "execute_command", counting)
    assert whatsapp.send(PAYLOAD).message_id
    assert commands == ["GET", "SET"]


def test_a_success_clears_failures_that_ended_while_it_was_in_flight(whatsapp_on):
    """Calls overlap in a threads worker: a success resets the count even when another
    call failed while it was in flight, or failures that were never consecutive add up
    and open the breaker (a version that skipped the reset did, in the bench)."""
    whatsapp_on.script(ok(delay=1), http_status(500))
    slow = threading.Thread(target=lambda: whatsapp.send(PAYLOAD))
    slow.start()
    try:
        assert whatsapp_on.wait_for_requests(1, timeout=10)
        with pytest.raises(whatsapp.WhatsAppError):
            whatsapp.send(PAYLOAD)
        assert whatsapp.breaker()._state_storage.counter == 1
    finally:
        slow.join(timeout=20)
    assert whatsapp.breaker()._state_storage.counter == 0


def test_only_consecutive_failures_open_the_breaker(whatsapp_on):
    """A success in between starts the count again (fail_max is 3 in `whatsapp_on`)."""
    failure = http_status(500)
    whatsapp_on.script(failure, failure, ok(), failure, failure, failure)
    outcomes = []
    for _ in range(6):
        try:
            whatsapp.send(PAYLOAD)
            outcomes.append("sent")
        except whatsapp.WhatsAppError:
            outcomes.append(whatsapp.breaker().current_state)
    assert outcomes == ["closed", "closed", "sent", "closed", "closed", "open"]
    another_worker()
    with pytest.raises(whatsapp.CircuitOpen):
        whatsapp.send(PAYLOAD)
    assert len(whatsapp_on.requests) == 6
