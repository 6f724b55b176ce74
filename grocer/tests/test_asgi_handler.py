"""HTTP under daphne: the middleware chain and the view run in one thread hop."""

from __future__ import annotations

import asyncio
import inspect
from unittest import mock

import pytest
from asgiref.sync import AsyncToSync
from asgiref.testing import ApplicationCommunicator

from grocer.asgi_handler import OneHopASGIHandler


def _get(application, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def exchange():
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(timeout=10)
        body = b""
        while True:
            message = await communicator.receive_output(timeout=10)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await communicator.wait(timeout=10)
        return start["status"], {k.lower(): v for k, v in start["headers"]}, body

    return asyncio.run(exchange())


def test_the_served_application_uses_the_sync_chain():
    from grocer import asgi

    assert isinstance(asgi.django_asgi_app, OneHopASGIHandler)
    # Loaded for sync: no coroutine at the top of the chain, as under WSGI.
    assert not inspect.iscoroutinefunction(asgi.django_asgi_app._middleware_chain)


@pytest.mark.django_db
def test_a_request_goes_through_every_middleware_without_hopping_back_to_the_loop():
    """The stock ASGIHandler adapts its async inner handler back with async_to_sync under
    the first sync-only middleware; this one never leaves the request's thread."""
    handler = OneHopASGIHandler()
    with mock.patch.object(AsyncToSync, "__call__", autospec=True) as back_to_the_loop:
        status, headers, body = _get(handler, "/healthz")
    assert status == 200
    assert body == b'{"status": "ok"}'
    # The outermost and innermost middleware both ran.
    assert b"x-request-id" in headers
    assert b"x-content-type-options" in headers
    back_to_the_loop.assert_not_called()


@pytest.mark.django_db
def test_an_unknown_path_is_still_the_sites_404():
    status, headers, body = _get(OneHopASGIHandler(), "/no-such-page/")
    assert b"<html" in body
    assert status == 404
    assert b"x-request-id" in headers
