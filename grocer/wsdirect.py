"""daphne's WebSocket frames handed to the socket at once, not on the loop's next turn.

Twisted buffers every write and asks the event loop to watch the socket until it can
write (`addWriter`: an `epoll_ctl` and the selector's bookkeeping). On the loop's next
turn it sends and stops watching (a second `epoll_ctl`). With a list event sent to 200
sockets of one process, that was the largest part of each delivery's CPU, larger than
autobahn's framing (bench/README.md, "Frames sent at once"). asyncio's own transports try
the send first; this does the same for a WebSocket frame on a plain TCP connection whose
buffers are empty. What the socket does not take (a slow reader) goes Twisted's usual way,
and so does every frame after it until the buffer has drained: the bytes keep their
order. The handshake, TLS connections, and connections that are closing are left
untouched.

Called from grocer/asgi.py, so it applies in every daphne process serving Grocer.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def install() -> bool:
    """Patch autobahn's `sendData`; False (and nothing patched) on another stack."""
    try:
        from autobahn.websocket.protocol import WebSocketProtocol
        from twisted.internet import tcp
    except ImportError:  # another ASGI server
        return False
    if getattr(WebSocketProtocol.sendData, "sends_at_once", False):
        return True
    # Twisted's connection state and write buffers, as FileDescriptor keeps them (Twisted
    # 26.10), all read by every frame below. If a release renames one, frames go Twisted's
    # usual way rather than fail, or pass a buffer we can't see.
    read = ("connected", "disconnecting", "_writeDisconnected", "dataBuffer", "offset")
    if not all(hasattr(tcp.Server, name) for name in read):
        logger.warning("Twisted's write buffers moved: WebSocket frames are not sent at once")
        return False

    send_data = WebSocketProtocol.sendData
    open_state = WebSocketProtocol.STATE_OPEN

    def sendData(self, data: bytes, sync: bool = False, chopsize: int | None = None) -> None:  # noqa: N802
        transport = self.transport
        if (
            self.state == open_state
            and not sync
            and not chopsize
            and not self.send_queue
            and not self.logOctets
            and type(transport) is tcp.Server  # not TLS, not a test's fake
            and transport.connected
            and not transport.disconnecting
            and not transport._writeDisconnected
            and not getattr(transport, "_tempDataBuffer", True)
            and len(transport.dataBuffer) == transport.offset
        ):
            try:
                sent = transport.socket.send(data)
            except OSError:  # full (EAGAIN), or broken: Twisted's write finds out and reports
                sent = 0
            self.trafficStats.outgoingOctetsWireLevel += sent
            if sent == len(data):
                return
            data = data[sent:]  # the rest, buffered: later frames queue behind it
        send_data(self, data, sync, chopsize)

    sendData.sends_at_once = True
    WebSocketProtocol.sendData = sendData
    return True
