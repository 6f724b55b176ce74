"""`Inbox`: the list socket's dispatch loop (channels' `await_many_dispatch`, leaner)."""

from __future__ import annotations

import asyncio

import pytest
from channels.exceptions import StopConsumer

from grocer.testing import run_coroutine
from lists.fanout import Inbox


def test_messages_of_both_sources_are_handled_one_at_a_time_in_order():
    async def main() -> tuple[list, int]:
        client, layer = asyncio.Queue(), asyncio.Queue()
        handled: list = []
        running = 0
        most = 0

        async def dispatch(message) -> None:
            nonlocal running, most
            running += 1
            most = max(most, running)
            # A slow handler (a catch-up's queries): the other source's messages wait.
            await asyncio.sleep(0.01 if message == "catch_up" else 0)
            handled.append(message)
            running -= 1
            if message == "disconnect":
                raise StopConsumer

        for message in ("catch_up", "heartbeat"):
            client.put_nowait(message)
        for message in ("event 1", "event 2", "event 3"):
            layer.put_nowait(message)
        served = asyncio.ensure_future(Inbox(dispatch).serve([client.get, layer.get]))
        while len(handled) < 5:
            await asyncio.sleep(0.001)
        client.put_nowait("disconnect")
        with pytest.raises(StopConsumer):
            await asyncio.wait_for(served, 5)
        return handled, most

    handled, most = run_coroutine(main())
    assert most == 1  # never two handlers of one consumer at once
    assert [m for m in handled if m.startswith("event")] == ["event 1", "event 2", "event 3"]
    assert [m for m in handled if not m.startswith("event")] == [
        "catch_up",
        "heartbeat",
        "disconnect",
    ]


def test_an_error_ends_the_loop_and_the_other_source_is_cancelled():
    async def main() -> bool:
        cancelled = asyncio.Event()

        async def quiet_source():
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.set()  # the layer forgets its channel here
                raise

        async def failing_source():
            raise ConnectionError("Redis went away")

        async def dispatch(message) -> None:
            raise AssertionError("nothing to dispatch")

        with pytest.raises(ConnectionError):
            await Inbox(dispatch).serve([quiet_source, failing_source])
        return cancelled.is_set()

    assert run_coroutine(main())


def test_cancelling_the_consumer_cancels_its_sources():
    async def main() -> int:
        cancelled = 0

        async def source():
            nonlocal cancelled
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled += 1
                raise

        served = asyncio.ensure_future(Inbox(lambda m: None).serve([source, source]))
        await asyncio.sleep(0.01)
        served.cancel()
        with pytest.raises(asyncio.CancelledError):
            await served
        return cancelled

    assert run_coroutine(main()) == 2


def test_a_forwarded_event_is_sent_with_its_request_id_bound_then_the_context_is_restored():
    import structlog

    from lists.consumers import ListConsumer

    seen: list = []

    async def base_send(message) -> None:
        seen.append(structlog.contextvars.get_contextvars().get("request_id"))

    async def main() -> dict:
        consumer = ListConsumer()
        consumer.base_send = base_send
        consumer.language = "en"
        structlog.contextvars.bind_contextvars(request_id="the socket's own")
        message = {"type": "list.event", "event_id": "e1", "seq": 1, "request_id": "r1"}
        await consumer.dispatch({**message, "lang": "en"})
        return structlog.contextvars.get_contextvars()

    after = run_coroutine(main())
    assert seen == ["r1"]  # lines logged while forwarding name the write's request
    assert after["request_id"] == "the socket's own"
