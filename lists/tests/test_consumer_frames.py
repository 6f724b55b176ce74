"""Frames of a group message are encoded once per process, not once per socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from unittest import mock

import pytest

from lists import consumers
from lists.consumers import ListConsumer
from lists.tests.realtime import run


class _User:
    def __init__(self) -> None:
        self.pk = uuid.uuid4()


def _consumer(sent: list, language: str = "en") -> ListConsumer:
    consumer = ListConsumer()

    async def base_send(message: dict) -> None:
        sent.append((consumer, message))

    consumer.base_send = base_send
    consumer.language = language
    consumer.user = _User()
    consumer.list_id = "list"
    return consumer


def _event() -> dict:
    return {
        "type": "list.event",
        "list_id": "list",
        "event_id": str(uuid.uuid4()),
        "seq": 7,
        "event_type": "item_added",
        "html": "<li>milk</li>",
        "summary": "Ana added milk.",
        "lang": "en",
        "request_id": "r1",
    }


def _inline(func):
    async def call(**kwargs):
        return func(**kwargs)

    return call


@pytest.fixture
def dumps():
    with mock.patch.object(consumers.json, "dumps", wraps=json.dumps) as counted:
        yield counted


def test_a_live_event_is_encoded_once_for_every_socket_of_the_process(dumps):
    async def scenario():
        sent: list = []
        sockets = [_consumer(sent) for _ in range(5)]
        message = _event()
        for socket in sockets:
            await socket.list_event(dict(message))  # each channel deserializes its own copy

        assert dumps.call_count == 1
        texts = {frame["text"] for _socket, frame in sent}
        assert len(sent) == 5 and len(texts) == 1
        frame = json.loads(texts.pop())
        assert frame["type"] == "event" and frame["seq"] == 7 and frame["html"] == "<li>milk</li>"
        assert "list_id" not in frame and frame["summary"] == "Ana added milk."

    run(scenario)


def test_a_socket_in_another_language_gets_its_own_frame(dumps):
    async def scenario():
        sent: list = []
        english, spanish = _consumer(sent, "en"), _consumer(sent, "es")
        message = _event()
        translated = {"html": "<li>leche</li>", "summary": "Ana añadió leche.", "lang": "es"}

        with (
            mock.patch.object(consumers, "event_texts_in", return_value=translated),
            # The socket pool's thread would recycle whatever connection an earlier test
            # left in it; this test reads no database.
            mock.patch.object(consumers, "socket_db", _inline),
        ):
            await english.list_event(dict(message))
            await spanish.list_event(dict(message))
            await _consumer(sent, "es").list_event(dict(message))

        frames = [json.loads(frame["text"]) for _socket, frame in sent]
        assert [frame["summary"] for frame in frames] == [
            "Ana added milk.",
            "Ana añadió leche.",
            "Ana añadió leche.",
        ]
        assert dumps.call_count == 2  # once per language

    run(scenario)


def test_presence_is_encoded_once_per_change_and_each_viewer_is_you_only_on_its_own(dumps):
    async def scenario():
        sent: list = []
        sockets = [_consumer(sent) for _ in range(3)]
        outsider = _consumer(sent)  # a socket whose user is not (yet) among the viewers
        viewers = [{"id": str(s.user.pk), "name": f"Member {n}"} for n, s in enumerate(sockets)]
        message = {"type": "presence.changed", "viewers": viewers, "id": uuid.uuid4().hex}

        for socket in [*sockets, outsider]:
            await socket.presence_changed({**message, "viewers": [dict(v) for v in viewers]})

        for socket, frame in sent:
            got = json.loads(frame["text"])
            assert got["type"] == "presence"
            assert got["viewers"] == [
                {**viewer, "you": viewer["id"] == str(socket.user.pk)} for viewer in viewers
            ]
        # 3 entries once, then each viewer's own entry with "you": not 3 per socket.
        assert dumps.call_count == 3 + 3

    run(scenario)


def test_a_burst_of_presence_changes_reaches_a_socket_as_its_first_and_its_latest():
    """200 members opening a list at once must not cost each socket 200 frames of viewers."""

    async def scenario():
        sent: list = []
        socket = _consumer(sent)
        viewers: list[dict] = []
        for n in range(50):
            viewers = [*viewers, {"id": f"user-{n}", "name": f"Member {n}"}]
            message = {"type": "presence.changed", "viewers": viewers, "id": uuid.uuid4().hex}
            await socket.presence_changed(message)
        # The first change went out at once; the other 49 wait for the window's end.
        assert len(sent) == 1
        assert len(json.loads(sent[0][1]["text"])["viewers"]) == 1
        assert socket.last_viewers == viewers  # the heartbeat compares against the latest

        await asyncio.wait_for(asyncio.shield(socket._presence_window), timeout=30)
        assert len(sent) == 2
        latest = json.loads(sent[1][1]["text"])["viewers"]
        assert [viewer["id"] for viewer in latest] == [viewer["id"] for viewer in viewers]

        # A change after a quiet window is sent at once again.
        await socket.presence_changed({"type": "presence.changed", "viewers": viewers[:1]})
        assert len(sent) == 3

    run(scenario)


def test_a_socket_that_disconnects_sends_no_presence_left_in_its_window():
    async def scenario():
        sent: list = []
        socket = _consumer(sent)
        viewers = [{"id": "a", "name": "Ana"}]
        await socket.presence_changed({"type": "presence.changed", "viewers": viewers})
        await socket.presence_changed({"type": "presence.changed", "viewers": viewers * 2})
        window = socket._presence_window
        await socket.disconnect(1000)
        with contextlib.suppress(asyncio.CancelledError):
            await window
        assert len(sent) == 1

    run(scenario)


def test_delivering_an_event_does_not_hop_to_the_sync_thread_per_socket():
    """channels' dispatch closes old connections in the one sync thread before every
    handler; the list socket's handlers hold no connection there."""

    async def scenario():
        sent: list = []
        sockets = [_consumer(sent) for _ in range(3)]
        message = _event()
        with mock.patch("channels.consumer.aclose_old_connections") as hop:
            for socket in sockets:
                await socket.dispatch(dict(message))
        assert hop.call_count == 0
        assert len(sent) == 3

    run(scenario)
