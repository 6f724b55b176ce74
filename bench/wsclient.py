"""A lean WebSocket client for the bench's listeners: one asyncio Protocol per socket.

The `websockets` library costs the bench process ~100 µs of CPU per received frame (its
sans-I/O parser, a task wake-up per message, then `json.loads` of the whole ~1.6 KB
frame). With 200 listeners in one process that is ~20 ms of client CPU per event, spent
on the same two cores as the servers, and each listener's timestamp waits behind the
frames the client handled before it: the bench measured its own client (bench/README.md,
"The bench client's own cost").

This client does the least a listener needs, in the Protocol's `data_received` callback
(no task per socket): the opening handshake (RFC 6455), unmasked server frames
reassembled into whole messages (fragments, any length), a masked pong for every ping,
a close answered and its code kept, and masked text frames out (`send_text`). For each
whole text message it calls `on_text(text, arrived)`, `arrived` = `time.perf_counter()`
once the message is complete. `event_seq` reads a list event's seq without decoding the
rest of the frame.

No TLS, no extensions (no compression is offered), no UTF-8 validation beyond decoding:
the servers are this bench's own daphne processes on loopback.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

# A list event's frame starts with this and the event's id, then its seq
# (`lists.consumers.client_event`: {"type": "event", "event_id": "<uuid>", "seq": N, ...}).
_EVENT_PREFIX = '{"type": "event"'
_SEQ_KEY = '"seq": '


class HandshakeError(OSError):
    """The server did not switch protocols (its status line is the message)."""


def event_seq(text: str) -> int | None:
    """The seq of a list event frame, or None for any other frame.

    Reads the seq where the server puts it, before any free text (the row's HTML, the
    summary); anything unexpected falls back to decoding the whole frame, so a frame
    is never misread.
    """
    if not text.startswith(_EVENT_PREFIX):
        return None
    at = text.find(_SEQ_KEY, len(_EVENT_PREFIX), 120)
    if at != -1:
        start = at + len(_SEQ_KEY)
        end = text.find(",", start, start + 24)
        if end != -1:
            digits = text[start:end]
            if digits.isdigit():
                return int(digits)
    message = json.loads(text)
    return message["seq"] if message.get("type") == "event" else None


def _mask(payload: bytes, key: bytes) -> bytes:
    if not payload:
        return payload
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        len(payload), "big"
    )


def client_frame(opcode: int, payload: bytes) -> bytes:
    """A final, masked client frame (RFC 6455 5.2: clients always mask)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    key = os.urandom(4)
    return header + key + _mask(payload, key)


class LeanSocket(asyncio.Protocol):
    """One client socket. `opened` resolves after the 101, `closed` when the socket ends."""

    def __init__(
        self,
        *,
        host: str,
        path: str,
        headers: dict[str, str],
        on_text: Callable[[str, float], None],
    ) -> None:
        self.host = host
        self.path = path
        self.headers = headers
        self.on_text = on_text
        self.key = base64.b64encode(os.urandom(16)).decode()
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.close_code: int | None = None  # from the server's close frame; 1006 if none
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._handshaken = False
        self._fragments: list[bytes] = []
        self._fragment_opcode = 0
        self._close_sent = False
        self.frames = 0  # whole messages received (text or binary)

    # --- asyncio.Protocol ----------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self.key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in self.headers.items()),
        ]
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._handshaken and not self._read_handshake():
            return
        self._read_frames()

    def connection_lost(self, exc) -> None:
        if self.close_code is None:
            self.close_code = 1006
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    # --- protocol ------------------------------------------------------------------

    def _read_handshake(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end == -1:
            return False
        head = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
        del self._buffer[: end + 4]
        status = head[0]
        fields = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        accept = base64.b64encode(
            hashlib.sha1(self.key.encode() + _GUID, usedforsecurity=False).digest()
        ).decode()
        if status.split(" ")[1:2] != ["101"] or fields.get("sec-websocket-accept") != accept:
            self.opened.set_exception(HandshakeError(status))
            self.transport.close()
            return False
        self._handshaken = True
        self.opened.set_result(None)
        return True

    def _read_frames(self) -> None:
        buffer = self._buffer
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            length = second & 0x7F
            offset = 2
            if length == 126:
                if len(buffer) < 4:
                    return
                (length,) = struct.unpack_from("!H", buffer, 2)
                offset = 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                (length,) = struct.unpack_from("!Q", buffer, 2)
                offset = 10
            masked = second & 0x80
            if masked:  # servers must not mask; tolerated all the same
                offset += 4
            if len(buffer) < offset + length:
                return
            payload = bytes(buffer[offset : offset + length])
            if masked:
                payload = _mask(payload, bytes(buffer[offset - 4 : offset]))
            del buffer[: offset + length]
            self._frame(first & 0x80, first & 0x0F, payload)

    def _frame(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode == OP_PING:
            self._write(OP_PONG, payload)
            return
        if opcode == OP_PONG:
            return
        if opcode == OP_CLOSE:
            self.close_code = struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else 1005
            if not self._close_sent:
                self._write(OP_CLOSE, payload[:2])
                self._close_sent = True
            self.transport.close()
            return
        if opcode != OP_CONT:
            self._fragment_opcode = opcode
        self._fragments.append(payload)
        if not fin:
            return
        whole = b"".join(self._fragments) if len(self._fragments) > 1 else self._fragments[0]
        self._fragments = []
        self.frames += 1
        if self._fragment_opcode == OP_TEXT:
            text = whole.decode("utf-8")
            self.on_text(text, time.perf_counter())

    def _write(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(opcode, payload))

    # --- API -----------------------------------------------------------------------

    def send_text(self, text: str) -> None:
        self._write(OP_TEXT, text.encode("utf-8"))

    async def close(self, code: int = 1000, timeout: float = 5.0) -> None:
        """Send a close frame and wait (bounded) for the server to end the socket."""
        if not self._close_sent:
            self._close_sent = True
            self._write(OP_CLOSE, struct.pack("!H", code))
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), timeout)
        except TimeoutError:
            self.transport.abort()


async def connect(
    url: str,
    *,
    headers: dict[str, str],
    on_text: Callable[[str, float], None],
    timeout: float = 30.0,
) -> LeanSocket:
    """Open `ws://host:port/path` with `headers`; returns once the server switched."""
    parts = urlsplit(url)
    if parts.scheme != "ws":
        raise ValueError(f"only ws:// URLs: {url}")
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    loop = asyncio.get_running_loop()

    async def opened() -> LeanSocket:
        _, protocol = await loop.create_connection(
            lambda: LeanSocket(host=parts.netloc, path=path, headers=headers, on_text=on_text),
            host,
            port,
        )
        try:
            await protocol.opened
        except BaseException:
            protocol.transport.abort()
            raise
        return protocol

    return await asyncio.wait_for(opened(), timeout)
