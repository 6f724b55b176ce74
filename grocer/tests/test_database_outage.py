"""PostgreSQL restarted under a running app: clean 503s, then recovery without a restart."""

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
