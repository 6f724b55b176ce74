"""The bench's lean WebSocket client against a real WebSocket server (`websockets`)."""

from __future__ import annotations

import asyncio
import json
import uuid

import websockets

from bench import wsclient
from grocer.testing import run_coroutine
from lists.consumers import event_frame


def _event(seq: int, **extra) -> dict:
    return {
        "type": "list.event",
        "list_id": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "seq": seq,
        "event_type": "item_added",
        "actor": 'Ana "seq": 1,',
        "payload": {"name": "milk", "seq": 999},
        "html": '<li data-seq="7">"seq": 8, ' + "x" * 1500 + "</li>",
        "summary": "Ana added milk.",
        "lang": "en",
        **extra,
    }


def test_event_seq_reads_the_seq_of_the_consumers_frames_without_misreading():
    for seq in (0, 7, 123456789):
        frame = event_frame(_event(seq), "en")
        assert wsclient.event_seq(frame) == json.loads(frame)["seq"] == seq
    # No event id (the frame then has the seq first), and key orders it does not expect.
    assert wsclient.event_seq(json.dumps({"type": "event", "seq": 5, "html": "x"})) == 5
    assert wsclient.event_seq(json.dumps({"type": "event", "html": '"seq": 1,', "seq": 6})) == 6
    assert wsclient.event_seq(json.dumps({"type": "caught_up", "seq": 3})) is None
    assert wsclient.event_seq(json.dumps({"type": "presence", "viewers": []})) is None


def test_lean_socket_handshakes_reassembles_answers_pings_and_keeps_the_close_code():
    big = "y" * 70_000  # a 64-bit length
    event = event_frame(_event(41), "en")
    got: list[str] = []
    server_saw: list[str] = []

    async def handler(ws) -> None:
        assert ws.request.headers["Cookie"] == "sessionid=abc"
        server_saw.append(await ws.recv())  # the client's masked text frame
        await ws.send(event)
        await ws.send(["frag", "mented ", "text"])  # continuation frames
        await asyncio.wait_for(await ws.ping(b"are you there"), 5)  # answered with a pong
        await ws.send(big)
        await ws.send(b"\x00binary")  # not handed to on_text
        await ws.close(code=4403, reason="revoked")

    async def main() -> wsclient.LeanSocket:
        async with websockets.serve(handler, "127.0.0.1", 0, compression=None) as server:
            port = server.sockets[0].getsockname()[1]
            sock = await wsclient.connect(
                f"ws://127.0.0.1:{port}/ws/lists/x/",
                headers={"Cookie": "sessionid=abc", "Origin": f"http://127.0.0.1:{port}"},
                on_text=lambda text, arrived: got.append(text),
            )
            sock.send_text(json.dumps({"type": "catch_up", "last_seq": 3}))
            await asyncio.wait_for(sock.closed, 10)
            return sock

    sock = run_coroutine(main())
    assert server_saw == ['{"type": "catch_up", "last_seq": 3}']
    assert got == [event, "fragmented text", big]
    assert sock.frames == 4
    assert sock.close_code == 4403


def test_a_refused_handshake_raises():
    async def main() -> None:
        async def refuse(connection, request):
            return connection.respond(403, "no\n")

        async with websockets.serve(lambda ws: None, "127.0.0.1", 0, process_request=refuse) as s:
            port = s.sockets[0].getsockname()[1]
            await wsclient.connect(
                f"ws://127.0.0.1:{port}/", headers={}, on_text=lambda t, a: None, timeout=5
            )

    try:
        run_coroutine(main())
    except wsclient.HandshakeError as error:
        assert "403" in str(error)
    else:
        raise AssertionError("a 403 opened the socket")
