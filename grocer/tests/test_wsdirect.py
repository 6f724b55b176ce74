"""`grocer.wsdirect`: a WebSocket frame goes to the socket at once, in order with the rest.

A real Twisted TCP transport around one end of a socket pair, and autobahn's protocol
object on it; the reactor only records what would be watched, so nothing is sent
unless the patched `sendData` sends it, or the test runs Twisted's own `doWrite`.
"""

from __future__ import annotations

import socket
from collections import deque

import pytest
from autobahn.twisted.websocket import WebSocketServerProtocol
from autobahn.websocket.protocol import TrafficStats, WebSocketProtocol
from twisted.internet import tcp
from twisted.internet.protocol import Protocol
from twisted.internet.testing import MemoryReactor

from grocer import wsdirect
from grocer.testing import printed_by_fresh_python


@pytest.fixture
def connection():
    """(autobahn's protocol on a Twisted transport, the peer's socket, the reactor)."""
    assert wsdirect.install()
    ours, peer = socket.socketpair()
    ours.setblocking(False)
    peer.settimeout(2)
    reactor = MemoryReactor()
    transport = tcp.Server(ours, Protocol(), ("127.0.0.1", 1), None, 1, reactor)
    protocol = WebSocketServerProtocol()
    protocol.transport = transport
    protocol.state = WebSocketProtocol.STATE_OPEN
    protocol.send_queue = deque()
    protocol.trafficStats = TrafficStats()
    protocol.logOctets = False
    try:
        yield protocol, peer, reactor
    finally:
        ours.close()
        peer.close()


def _read_all(peer: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        data += peer.recv(size - len(data))
    return data


def test_a_frame_is_on_the_wire_before_the_loop_turns(connection):
    protocol, peer, reactor = connection
    protocol.sendData(b"frame one")
    assert peer.recv(100) == b"frame one"
    assert protocol.transport not in reactor.getWriters()  # no epoll_ctl pair for it
    assert protocol.trafficStats.outgoingOctetsWireLevel == len(b"frame one")


def test_what_the_socket_does_not_take_is_buffered_and_later_frames_wait_behind_it(
    connection,
):
    protocol, peer, reactor = connection
    transport = protocol.transport
    # More than the socket pair's buffers hold: the send is partial.
    big = bytes(range(256)) * 40_000
    protocol.sendData(big)
    assert transport in reactor.getWriters()  # Twisted will send the rest
    received = peer.recv(1 << 16)  # the socket has room again, the rest is still buffered
    protocol.sendData(b"small frame")  # must not overtake the rest of `big`
    while transport in reactor.getWriters():
        received += peer.recv(1 << 20)
        transport.doWrite()  # what the reactor does when the socket can take more
    received += _read_all(peer, len(big) + len(b"small frame") - len(received))
    assert received == big + b"small frame"
    protocol.sendData(b"after the drain")
    assert peer.recv(100) == b"after the drain"  # at once again


def test_a_closing_connection_goes_twisteds_usual_way(connection):
    protocol, peer, reactor = connection
    protocol.state = WebSocketProtocol.STATE_CLOSING  # a close frame and what follows
    protocol.sendData(b"close frame")
    assert protocol.transport in reactor.getWriters()
    protocol.transport.doWrite()
    assert peer.recv(100) == b"close frame"


def test_installed_in_every_daphne_process():
    # In a process of its own: loading grocer.asgi here would patch the test runner too.
    code = (
        "import grocer.asgi; from autobahn.websocket.protocol import WebSocketProtocol; "
        "print(getattr(WebSocketProtocol.sendData, 'sends_at_once', False))"
    )
    assert printed_by_fresh_python(code) == "True"
