"""Helpers for the socket tests: real sessions, the real ASGI stack, bounded receives."""

from __future__ import annotations

import asyncio

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client

from grocer.middleware import SocketDatabaseGuard
from grocer.wsorigin import SameOriginValidator
from lists.routing import SocketAuthMiddlewareStack, websocket_urlpatterns

RECEIVE_TIMEOUT = 5
SCENARIO_TIMEOUT = 60


def in_thread(func, *args, timeout: float = SCENARIO_TIMEOUT, **kwargs):
    """Call `func` in a fresh thread and return its result (or raise its exception).

    Once a sync Playwright browser is up, the test thread has an event loop marked as
    running, and `async_to_sync` (used by scenarios and by the on-commit publisher)
    refuses to run there. The thread's database connections are closed afterwards, and
    so are those the socket's own thread pool keeps between calls.
    """
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from lists.consumers import close_socket_connections

    def call():
        try:
            return func(*args, **kwargs)
        finally:
            connections.close_all()

    try:
        with ThreadPoolExecutor(max_workers=1) as executor:
            return executor.submit(call).result(timeout=timeout)
    finally:
        close_socket_connections()


def run(scenario):
    """Run an async test scenario to completion (see `in_thread`)."""
    from asgiref.sync import async_to_sync

    return in_thread(async_to_sync(scenario))


def server_env() -> dict[str, str]:
    """Environment for a daphne `ServerProcess` on this test's database and Redis prefix.

    Like the `live_daphne` fixture, plus the test settings' SECRET_KEY so that sessions
    made with `session_cookie` are valid there.
    """
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    return {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}",
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_KEY_PREFIX": settings.REDIS_KEY_PREFIX,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "GROCER_ACCEPT_TEST_HASHES": "true",
        "SECRET_KEY": settings.SECRET_KEY,
    }


def session_cookie(user) -> str:
    """A real session for `user`, as the browser would send it."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def application():
    """The websocket stack exactly as grocer.asgi builds it, with the current settings.

    Built per test, so settings changed by a test apply.
    """
    return SocketDatabaseGuard(
        SameOriginValidator(SocketAuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
    )


def communicator(
    list_id, *, cookie: str | None = None, origin: str = "http://testserver"
) -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application(), f"/ws/lists/{list_id}/", headers=headers)


async def receive(comm: WebsocketCommunicator, kind: str, *, timeout: float = RECEIVE_TIMEOUT):
    """The next message of type `kind`, skipping presence updates (unless asked for)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"no {kind!r} message within {timeout}s")
        message = await comm.receive_json_from(timeout=remaining)
        if message["type"] == kind:
            return message
        if message["type"] != "presence":
            raise AssertionError(f"expected {kind!r}, got {message!r}")


async def receive_close(comm: WebsocketCommunicator, *, timeout: float = RECEIVE_TIMEOUT) -> int:
    """The close code the server sends next (presence updates before it are skipped)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        output = await comm.receive_output(timeout=max(deadline - loop.time(), 0.01))
        if output["type"] == "websocket.close":
            return output.get("code", 1000)


class Person:
    """A logged-in browser without JavaScript: a session cookie and plain HTML forms."""

    def __init__(self, user, server, *, timeout: float = 15) -> None:
        import httpx

        self.http = httpx.Client(
            base_url=server.url,
            cookies={"sessionid": session_cookie(user)},
            timeout=timeout,
            follow_redirects=False,
        )

    def form(self, path: str) -> dict[str, str]:
        """GET a page; its form fields as rendered (hidden ones and the CSRF token too)."""
        import re

        html = self.http.get(path).raise_for_status().text
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
        fields.update(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html))
        for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
            selected = re.search(r'<option value="([^"]*)" selected', body)
            fields[name] = selected.group(1) if selected else ""
        return fields

    def post(self, path: str, data: dict[str, str]):
        return self.http.post(path, data=data)

    def close(self) -> None:
        self.http.close()
