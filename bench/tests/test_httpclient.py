"""The bench writers' lean HTTP client against a real HTTP/1.1 server (http.server)."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest

from bench.httpclient import LeanClient, LeanHTTPError
from grocer.testing import run_coroutine


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless told otherwise
    connections: set[int] = set()

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, *, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        if close:
            self.close_connection = True

    def do_GET(self) -> None:
        _Handler.connections.add(self.client_address[1])
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"milk, ", b"eggs"):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/close":
            self._send(200, b"bye", close=True)
        elif self.path == "/missing":
            self._send(404, b"{}")
        else:
            self._send(200, json.dumps({"path": self.path}).encode())

    def do_POST(self) -> None:
        _Handler.connections.add(self.client_address[1])
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = {
            "form": {k: v[0] for k, v in parse_qs(body.decode()).items()},
            "type": self.headers["Content-Type"],
            "host": self.headers["Host"],
            "hx": self.headers.get("HX-Request"),
        }
        self._send(200, json.dumps(answer).encode())


@pytest.fixture
def server():
    _Handler.connections = set()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(httpd) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}"


def test_a_form_post_arrives_as_httpx_sent_it_and_the_connection_is_kept(server):
    async def run():
        async with LeanClient(base_url=_url(server)) as http:
            first = await http.post(
                "/lists/x/items/",
                data={"text": "2 milk & eggs", "idempotency_key": "k1"},
                headers={"HX-Request": "true"},
            )
            second = await http.get("/healthz")
            return first, second

    first, second = run_coroutine(run())
    assert first.status_code == 200
    sent = json.loads(first.text)
    assert sent["form"] == {"text": "2 milk & eggs", "idempotency_key": "k1"}
    assert sent["type"] == "application/x-www-form-urlencoded"
    assert sent["host"] == f"127.0.0.1:{server.server_address[1]}"
    assert sent["hx"] == "true"
    assert json.loads(second.content) == {"path": "/healthz"}
    assert len(_Handler.connections) == 1  # one keep-alive connection for both


def test_chunked_bodies_connection_close_and_errors(server):
    async def run():
        async with LeanClient(base_url=_url(server)) as http:
            chunked = await http.get("/chunked")
            closing = await http.get("/close")
            after = await http.get("/after")  # on a new connection
            missing = await http.get("/missing")
            return chunked, closing, after, missing

    chunked, closing, after, missing = run_coroutine(run())
    assert chunked.content == b"milk, eggs"
    assert closing.content == b"bye"
    assert json.loads(after.text) == {"path": "/after"}
    assert len(_Handler.connections) == 2
    assert missing.status_code == 404
    with pytest.raises(httpx.HTTPError):
        missing.raise_for_status()


def test_an_idle_connection_the_server_closed_is_replaced_once():
    async def run():
        accepted = []

        async def serve(reader, writer):
            accepted.append(writer)
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
            writer.close()  # keep-alive not honoured: closed after one answer

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with LeanClient(base_url=f"http://127.0.0.1:{port}") as http:
            answers = [await http.get("/") for _ in range(3)]
        server.close()
        return answers, len(accepted)

    answers, connections = run_coroutine(run())
    assert [a.content for a in answers] == [b"ok", b"ok", b"ok"]
    assert connections == 3


def test_nothing_listening_is_an_httpx_error():
    async def run():
        async with LeanClient(base_url="http://127.0.0.1:9", timeout=5) as http:
            await http.get("/")

    with pytest.raises(LeanHTTPError):
        run_coroutine(run())
    assert issubclass(LeanHTTPError, httpx.HTTPError)


def test_the_writer_process_posts_and_times_on_this_process_clock(server):
    """The sequential part's writer runs in a child process (bench/writerproc.py); its
    start times are compared with the listeners' arrival times in this process."""
    import time

    from bench.writerproc import RemoteWriter

    async def run():
        writer = await RemoteWriter.start(_url(server))
        try:
            before = time.perf_counter()
            start, elapsed, status = await writer.post(
                "/lists/x/items/", data={"text": "2 milk"}, headers={"HX-Request": "true"}
            )
            after = time.perf_counter()
        finally:
            await writer.close()
        return before, start, elapsed, status, after, writer.process.returncode

    before, start, elapsed, status, after, returncode = run_coroutine(run())
    assert status == 200
    assert before <= start <= start + elapsed <= after
    assert returncode == 0  # ended when its stdin closed
