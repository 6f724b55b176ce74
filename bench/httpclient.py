"""A lean HTTP/1.1 client for the bench's writers: keep-alive connections on asyncio streams.

httpx costs the bench process ~3-5 ms of CPU per request on this machine (its request
and response models, header normalisation, the transport's state machine and the
decoders), spent on the same two cores as the servers and inside every writer's
measured time: `GET /healthz` took ~7 ms through httpx where the same requests on a raw
keep-alive socket took ~4.5 ms. A browser's htmx POST costs its page no such CPU.

This client sends the same request a writer sent through httpx (method, path, the
headers given, `Host`, a form body as `application/x-www-form-urlencoded`) and reads the
whole response (Content-Length or chunked) before it returns, so the time measured is
still from the start of the request to the last byte of the answer. It implements only
what the bench uses: `get`, `post(data=...)`, a response with `status_code`, `headers`,
`content`, `text`, `raise_for_status()`, and errors raised as `httpx.TransportError`
subclasses so callers keep their `except httpx.HTTPError`. No TLS, no redirects, no
cookies jar: the servers are this bench's own daphne processes on loopback.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import httpx


class LeanHTTPError(httpx.TransportError):
    """A connection that failed or closed mid-response."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class _ClosedBeforeAnswerError(LeanHTTPError):
    """Nothing of the answer came: on a reused idle connection, worth one more try."""


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise LeanHTTPError(f"HTTP {self.status_code}")


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()

    async def exchange(self, request: bytes, *, head_only: bool) -> tuple[Response, bool]:
        """Send one request, read its whole response; also say whether to keep the connection."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head[:-4].decode("latin-1").split("\r\n")
        version, status, *_reason = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if head_only or status in ("204", "304") or status.startswith("1"):
            body = b""
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunked()
        elif "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        else:
            body = await self.reader.read()  # until the server closes
            headers["connection"] = "close"
        keep = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
        return Response(int(status), headers, body), keep

    async def _chunked(self) -> bytes:
        parts = []
        while True:
            size_line = await self.reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                # Trailers, if any, end with an empty line.
                while await self.reader.readuntil(b"\r\n") != b"\r\n":
                    pass
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)


class LeanClient:
    """`async with LeanClient(base_url=...) as http:` then `await http.post(path, ...)`.

    Concurrent requests each take an idle keep-alive connection or open a new one, as
    httpx's pool does; a connection the server closed is replaced, and a request that
    met a connection closed before any answer is sent again once on a new one.
    """

    def __init__(self, *, base_url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.host_header = parts.netloc
        self.timeout = timeout
        self._idle: list[_Connection] = []

    async def __aenter__(self) -> LeanClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()

    async def get(self, path: str, *, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", path, headers=headers)

    async def post(
        self,
        path: str,
        *,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return await self.request("POST", path, data=data, headers=headers)

    async def request(
        self,
        method: str,
        path: str,
        *,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        body = urlencode(data or {}).encode() if method == "POST" else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host_header}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if method == "POST":
            lines.append("Content-Type: application/x-www-form-urlencoded")
            lines.append(f"Content-Length: {len(body)}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        try:
            return await asyncio.wait_for(
                self._send(request, head_only=method == "HEAD"), self.timeout
            )
        except TimeoutError as error:
            raise LeanHTTPError(f"no answer within {self.timeout} s") from error

    async def _send(self, request: bytes, *, head_only: bool) -> Response:
        if self._idle:
            try:
                return await self._exchange(self._idle.pop(), request, head_only=head_only)
            except _ClosedBeforeAnswerError:
                pass  # the server closed an idle keep-alive connection: once more, anew
        return await self._exchange(await self._open(), request, head_only=head_only)

    async def _exchange(self, connection: _Connection, request: bytes, *, head_only: bool):
        try:
            response, keep = await connection.exchange(request, head_only=head_only)
        except asyncio.IncompleteReadError as error:
            connection.close()
            if not error.partial:
                raise _ClosedBeforeAnswerError("closed before answering") from error
            raise LeanHTTPError(f"connection closed mid-answer: {error!r}") from error
        except ConnectionError as error:
            connection.close()
            raise _ClosedBeforeAnswerError(f"connection failed: {error!r}") from error
        except BaseException:
            connection.close()
            raise
        if keep:
            self._idle.append(connection)
        else:
            connection.close()
        return response

    async def _open(self) -> _Connection:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as error:
            raise LeanHTTPError(f"cannot connect: {error!r}") from error
        return _Connection(reader, writer)


# Which client the parts' writers use: "lean" (this module) or "httpx" (the one the
# bench used before, kept to compare). `python -m bench --http-client` sets it.
KIND = "lean"


def async_client(*, base_url: str, timeout: float = 30.0, limits: httpx.Limits | None = None):
    """The writers' HTTP client, as chosen for this run."""
    if KIND == "httpx":
        if limits is None:
            return httpx.AsyncClient(base_url=base_url, timeout=timeout)
        return httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits)
    return LeanClient(base_url=base_url, timeout=timeout)
