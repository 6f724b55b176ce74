"""Encryption in transit: PostgreSQL over verify-full TLS, Redis over TLS with a password.

Each test makes its own CA, starts a private server with a certificate it signs, and
runs the app against it. A server whose certificate does not match the host is refused.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from grocer.testing import PrivatePostgres, ServerProcess, free_port, manage
from grocer.tests.tls import issue_server_certificate

# Each test starts private servers (and a replica from a base backup): minutes on a busy
# machine, not the suite's default bound.
pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]


def _tls_postgres(hostnames: list[str]) -> tuple[PrivatePostgres, Path]:
    postgres = PrivatePostgres()
    tls = issue_server_certificate(postgres.dir / "tls", hostnames=hostnames)
    for path in (tls.cert.parent, tls.cert, tls.key, tls.ca):
        shutil.chown(path, "postgres", "postgres")
    postgres.server_options = f"-c ssl=on -c ssl_cert_file={tls.cert} -c ssl_key_file={tls.key}"
    return postgres, tls.ca


def _verify_full(postgres: PrivatePostgres, ca: Path) -> str:
    return f"{postgres.url}?sslmode=verify-full&sslrootcert={quote(str(ca))}"


def test_postgres_over_verify_full_tls():
    postgres, ca = _tls_postgres(["127.0.0.1", "localhost"])
    with postgres:
        env = {"DATABASE_URL": _verify_full(postgres, ca), "REDIS_URL": ""}
        manage("migrate", "--noinput", env=env)
        used_tls = manage(
            "shell",
            "-c",
            "from django.db import connection\n"
            "with connection.cursor() as c:\n"
            "    c.execute('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')\n"
            "    print(c.fetchone()[0])",
            env=env,
        )
        assert used_tls.strip().splitlines()[-1] == "True"


def test_postgres_with_a_certificate_for_another_host_is_refused():
    postgres, ca = _tls_postgres(["db.other.example"])
    with postgres:
        env = {"DATABASE_URL": _verify_full(postgres, ca), "REDIS_URL": ""}
        refused = _manage_output("migrate", "--noinput", env=env)
        assert refused.returncode != 0
        # With the connection pool the command fails on the pool's timeout: the reason
        # must still reach the operator (the pool logs each failed connection).
        assert "does not match host name" in refused.stderr


class TlsRedis:
    """A private redis-server speaking only TLS, with a password."""

    PASSWORD = "redis-secret/+="  # characters that need quoting in a URL

    def __init__(self, *, hostnames: list[str]) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="grocer-redis-tls-"))
        self.tls = issue_server_certificate(self.dir, hostnames=hostnames)
        self.port = free_port()
        self.url = (
            f"rediss://:{quote(self.PASSWORD, safe='')}@127.0.0.1:{self.port}/0"
            f"?ssl_cert_reqs=required&ssl_ca_certs={quote(str(self.tls.ca))}"
        )

    def __enter__(self) -> TlsRedis:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                "0",
                "--tls-port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--tls-cert-file",
                str(self.tls.cert),
                "--tls-key-file",
                str(self.tls.key),
                "--tls-ca-cert-file",
                str(self.tls.ca),
                "--tls-auth-clients",
                "no",
                "--requirepass",
                self.PASSWORD,
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import socket

        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    self.__exit__()
                    raise TimeoutError("redis-server with TLS did not start") from None
                time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.mark.redis
def test_redis_over_tls_with_a_password(live_daphne_env):
    """Channel layer, presence, cache, readiness and the Celery broker all speak TLS."""
    import json

    from websockets.sync.client import connect

    from families.tests.factories import MembershipFactory
    from lists.tests.factories import GroceryListFactory
    from lists.tests.realtime import Person, session_cookie

    ana = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=ana.family)
    with TlsRedis(hostnames=["127.0.0.1", "localhost"]) as redis_server:
        env = {**live_daphne_env, "REDIS_URL": redis_server.url}
        # The broker (kombu) over TLS, authenticated.
        broker = manage(
            "shell",
            "-c",
            "from grocer.celery import app\n"
            "with app.connection_for_write() as c:\n"
            "    c.ensure_connection(max_retries=1)\n"
            "    print(c.transport_cls, c.transport.client.ssl is not None)\n",
            env=env,
        )
        assert broker.strip().splitlines()[-1].split() == ["rediss", "True"]
        with ServerProcess(env=env) as server:
            assert _status(f"{server.url}/readyz") == 200
            ws_url = server.url.replace("http://", "ws://")
            with connect(
                f"{ws_url}/ws/lists/{grocery_list.pk}/",
                origin=server.url,
                additional_headers={"Cookie": f"sessionid={session_cookie(ana.user)}"},
                open_timeout=20,
            ) as socket:
                browser = Person(ana.user, server)
                try:
                    form = browser.form(f"/lists/{grocery_list.pk}/")
                    form["text"] = "milk"
                    assert browser.post(f"/lists/{grocery_list.pk}/items/", form).status_code == 302
                finally:
                    browser.close()
                while (message := json.loads(socket.recv(timeout=20)))["type"] != "event":
                    pass
                assert message["summary"] == "Ana added milk"
            assert "SSL" not in server.output()


@pytest.mark.redis
def test_redis_with_a_certificate_for_another_host_is_refused(live_daphne_env):
    with TlsRedis(hostnames=["cache.other.example"]) as redis_server:
        env = {**live_daphne_env, "REDIS_URL": redis_server.url}
        with ServerProcess(env=env) as server:
            assert _status(f"{server.url}/readyz") == 503
        with pytest.raises(AssertionError) as refused:
            manage(
                "shell",
                "-c",
                "from grocer.celery import app\n"
                "with app.connection_for_write() as c:\n"
                "    c.ensure_connection(max_retries=1)\n",
                env=env,
            )
        assert "certificate verify failed" in str(refused.value)


def _manage_output(*args: str, env: dict[str, str]):
    """`manage.py` with local settings plus `env`, whole output kept (see grocer.testing.manage)."""
    import os
    import sys

    from grocer.env import BASE_DIR

    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "grocer.settings.local",
            "GROCER_QUIET": "1",
            **env,
        },
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def _status(url: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def live_daphne_env(transactional_db):
    from lists.tests.realtime import server_env

    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    return server_env()


@pytest.mark.redis
def test_the_cache_can_live_on_its_own_evictable_redis(live_daphne_env):
    """REDIS_CACHE_URL moves the cache; the channel layer and broker stay on REDIS_URL."""
    from lists.tests.redis_server import PrivateRedis

    cache_redis = PrivateRedis()
    cache_redis.start()
    try:
        env = {**live_daphne_env, "REDIS_CACHE_URL": cache_redis.url}
        written = manage(
            "shell",
            "-c",
            "from django.conf import settings\n"
            "from django.core.cache import cache\n"
            "cache.set('where-am-i', 'cache instance', 60)\n"
            "layer = str(settings.CHANNEL_LAYERS)\n"
            "print(settings.REDIS_URL in layer and settings.REDIS_CACHE_URL not in layer,"
            " settings.CELERY_BROKER_URL == settings.REDIS_URL)",
            env=env,
        )
        assert written.strip().splitlines()[-1] == "True True"
        import redis

        keys = redis.Redis.from_url(cache_redis.url).keys("*where-am-i")
        assert len(keys) == 1
        shared = redis.Redis.from_url(live_daphne_env["REDIS_URL"])
        assert not shared.keys(f"{live_daphne_env['REDIS_KEY_PREFIX']}:*where-am-i")
    finally:
        cache_redis.stop()
