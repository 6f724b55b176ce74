"""PostgreSQL restarted under a running app: clean 503s, then recovery without a restart."""

import json
import time
import urllib.error
import urllib.request

import pytest

from grocer.testing import PrivatePostgres, ServerProcess, manage

pytestmark = pytest.mark.postgres


def _get(url: str, *, cookie: str = "") -> tuple[int, str, dict]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_database_restart_gives_503_then_recovers():
    with PrivatePostgres() as postgres:
        env = {"DATABASE_URL": postgres.url, "REDIS_URL": ""}
        manage("migrate", "--noinput", env=env)
        with ServerProcess(env=env) as server:
            # A session cookie makes the page read the database (the session table).
            page = f"{server.url}/accounts/login/"
            cookie = "sessionid=abcdefghijklmnopqrstuvwxyz012345"
            assert _get(page, cookie=cookie)[0] == 200

            postgres.stop()
            status, body, headers = _get(page, cookie=cookie)
            assert status == 503
            assert "Back in a moment" in body
            assert headers["Retry-After"] == "5"
            assert _get(f"{server.url}/readyz")[0] == 503
            assert _get(f"{server.url}/healthz")[0] == 200

            postgres.start()
            assert _get(page, cookie=cookie)[0] == 200
            assert _get(f"{server.url}/readyz")[0] == 200


SEED = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from families.tests.factories import MembershipFactory
from lists.tests.factories import GroceryListFactory
member = MembershipFactory()
grocery_list = GroceryListFactory(family=member.family)
session = SessionStore()
session[SESSION_KEY] = str(member.user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
session.create()
print(session.session_key, grocery_list.pk)
"""


def test_list_sockets_close_with_4503_while_the_database_is_down():
    """An open socket's heartbeat re-check and a reconnect handshake, PostgreSQL stopped:
    both end in the 4503 close the page retries (not 1011, not an HTTP 500)."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from grocer.middleware import CLOSE_UNAVAILABLE

    with PrivatePostgres() as postgres:
        env = {
            "DATABASE_URL": postgres.url,
            "REDIS_URL": "",
            # Every heartbeat re-checks membership (the check runs at most every half beat).
            "GROCER_LIVE_HEARTBEAT_SECONDS": "0.2",
        }
        manage("migrate", "--noinput", env=env)
        session_key, list_id = manage("shell", "-c", SEED, env=env).split()[-2:]
        with ServerProcess(env=env) as server:

            def open_socket():
                return connect(
                    f"{server.url.replace('http://', 'ws://')}/ws/lists/{list_id}/",
                    origin=server.url,
                    additional_headers={"Cookie": f"sessionid={session_key}"},
                    open_timeout=15,
                )

            def closed_with(ws) -> int | None:
                """Heartbeat until the server closes; the close code it sent."""
                try:
                    for _ in range(50):
                        ws.send('{"type": "heartbeat"}')
                        while ws.recv(timeout=0.5):
                            pass
                except TimeoutError:
                    return closed_with(ws)
                except ConnectionClosed as closed:
                    return closed.rcvd.code if closed.rcvd else None
                return None

            with open_socket() as ws:
                ws.send(json.dumps({"type": "catch_up", "last_seq": 0}))
                assert json.loads(ws.recv(timeout=15))["type"] in {"caught_up", "presence"}
                postgres.stop()
                assert closed_with(ws) == CLOSE_UNAVAILABLE

            # Reconnecting while it is down: a clean 4503 after the handshake, no HTTP 500.
            with open_socket() as ws:
                with pytest.raises(ConnectionClosed) as closed:
                    ws.recv(timeout=15)
                assert closed.value.rcvd.code == CLOSE_UNAVAILABLE

            postgres.start()

            def caught_up() -> bool:
                """One page (re)connect: True once the socket caught up; False on a 4503."""
                with open_socket() as ws:
                    kinds = set()
                    try:
                        ws.send(json.dumps({"type": "catch_up", "last_seq": 0}))
                        while "caught_up" not in kinds:
                            kinds.add(json.loads(ws.recv(timeout=15))["type"])
                    except ConnectionClosed as closed:
                        assert closed.rcvd is not None and closed.rcvd.code == CLOSE_UNAVAILABLE
                        return False
                return True

            # Back to normal without a server restart. The database pool reconnects on
            # its own backoff, so a page that connects in that moment still gets the
            # 4503 it retries on, as live.js does; it must catch up within the deadline.
            deadline = time.monotonic() + 30
            while not caught_up():
                assert time.monotonic() < deadline, "sockets never recovered"
                time.sleep(0.5)
