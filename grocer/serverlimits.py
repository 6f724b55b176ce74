"""daphne (Twisted) answers an over-long request line or header instead of hanging up.

Twisted's HTTP channel reads the request line and headers as lines of at most 16 KB.
A longer one (a 100 KB query string) reaches `LineReceiver.lineLengthExceeded`, whose
default drops the connection without a word: the browser shows a network error, a
proxy a 502. `install()` makes it answer `414 URI Too Long` (request line) or
`431 Request Header Fields Too Large` (a header), then close gracefully: the write side
first, with whatever the client is still sending read and discarded, so the answer is
not lost to a TCP reset.

Called from grocer/asgi.py, so it applies in every daphne process serving Grocer.
"""

from __future__ import annotations

from twisted.web import http

_BODIES = {
    414: b"The address is too long.\n",
    431: b"The request headers are too large.\n",
}
# How long a refused client may keep sending before the connection is cut.
DRAIN_SECONDS = 10
_REASONS = {414: b"URI Too Long", 431: b"Request Header Fields Too Large"}


def _refuse(channel: http.HTTPChannel, status: int) -> None:
    body = _BODIES[status]
    channel.transport.write(
        b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])
        + b"Content-Type: text/plain; charset=utf-8\r\n"
        + b"Content-Length: %d\r\n" % len(body)
        + b"Connection: close\r\n\r\n"
        + body
    )
    # Whatever else arrives is read and dropped; a client that reads the answer closes
    # its side, one that keeps sending is cut off after DRAIN_SECONDS.
    channel.dataReceived = lambda data: None
    channel.lineReceived = lambda line: None
    transport = channel.transport
    half_close = getattr(transport, "loseWriteConnection", None)
    if half_close is None:
        channel.loseConnection()
        return
    half_close()
    from twisted.internet import reactor

    def _abort() -> None:
        if transport.connected:
            transport.abortConnection()

    reactor.callLater(DRAIN_SECONDS, _abort)


def _line_length_exceeded(self: http.HTTPChannel, line: bytes) -> None:
    # Before the request line is parsed, the over-long line is the request line itself.
    first_line = getattr(self, "_HTTPChannel__first_line", 1)
    _refuse(self, 414 if first_line else 431)


def install() -> None:
    """Idempotent."""
    http.HTTPChannel.lineLengthExceeded = _line_length_exceeded
