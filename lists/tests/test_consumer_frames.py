"""Frames of a group message are encoded once per process, not once per socket."""

from __future__ import annotations

import asyncio
import json
import uuid
from unittest import mock

import pytest

from lists import consumers
from lists.consumers import ListConsumer


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

    asyncio.run(scenario())


def test_a_socket_in_another_language_gets_its_own_frame(dumps):
    async def scenario():
        sent: list = []
        english, spanish = _consumer(sent, "en"), _consumer(sent, "es")
        message = _event()
        translated = {"html": "<li>leche</li>", "summary": "Ana añadió leche.", "lang": "es"}

        with mock.patch.object(consumers, "event_texts_in", return_value=translated):
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

    asyncio.run(scenario())


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

    asyncio.run(scenario())
