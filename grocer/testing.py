"""Helpers shared by the test suites of every app."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def clear_test_cache() -> None:
    """Empty this run's cache without touching other runs sharing the Redis server.

    `cache.clear()` on Redis is FLUSHDB, which would wipe concurrent test runs (and
    their channel layers), so on Redis only this run's prefixed keys go.
    """
    if not settings.REDIS_URL:
        cache.clear()
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match=f"{settings.REDIS_KEY_PREFIX}:*", count=500))
    if keys:
        client.delete(*keys)


def missing_tool(what: str, *, hint: str) -> None:
    """A test needs a program that is not installed: a failure under GROCER_REQUIRE_SERVICES=1
    (CI must exercise it), a skip with `hint` otherwise. Never returns."""
    import pytest

    if settings.REQUIRE_SERVICES:
        pytest.fail(f"GROCER_REQUIRE_SERVICES=1 but {what} is missing ({hint})")
    pytest.skip(f"{what} is not installed ({hint})")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, *, timeout: float = 20.0) -> None:
    """Poll `url` until it answers (any status) or raise after `timeout` seconds."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - local test server
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout}s") from None
            time.sleep(0.1)


class ServerProcess:
    """A real daphne process serving grocer.asgi on a free port, for end-to-end tests.

    Use as a context manager; `env` is added to (not replacing) the environment.
    """

    def __init__(
        self,
        *,
        env: dict[str, str] | None = None,
        settings_module: str = "grocer.settings.local",
        daphne_args: tuple[str, ...] = (),
    ) -> None:
        import os

        from grocer.env import BASE_DIR

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, "GROCER_QUIET": "1", **(env or {})}
        self._env["DJANGO_SETTINGS_MODULE"] = settings_module
        self._cwd = BASE_DIR
        self._daphne_args = daphne_args
        self.process = None

    def __enter__(self) -> ServerProcess:
        import subprocess
        import sys
        import tempfile
        from pathlib import Path

        daphne = Path(sys.executable).with_name("daphne")
        # A file, not a pipe: nobody reads the log while the server runs, and a full pipe
        # would block daphne on its next access-log line.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                *(str(daphne), "-b", "127.0.0.1", "-p", str(self.port), *self._daphne_args),
                "grocer.asgi:application",
            ],
            cwd=self._cwd,
            env=self._env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_http(f"{self.url}/healthz")
        except TimeoutError:
            self.process.kill()
            self.process.wait()
            raise TimeoutError(f"daphne did not start:\n{self.output()[-3000:]}") from None
        return self

    def output(self) -> str:
        """What the server printed so far (for failure messages)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
            self.process.wait()
        self.log.close()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def assert_accessible(page, *, context: str | None = None) -> None:
    """Run axe-core on the page: no serious or critical violations allowed."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    bad = [
        violation
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in bad
    )
    assert not bad, f"axe found serious/critical violations on {page.url}:\n{details}"


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port, for tests that stop and start it.

    The shared server on 5432 is never touched. Runs as the `postgres` system user
    (initdb refuses root).
    """

    BIN = "/usr/lib/postgresql/{version}/bin"

    def __init__(self, *, server_options: str = "") -> None:
        import glob
        import tempfile
        from pathlib import Path

        self.server_options = server_options
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not versions:
            raise RuntimeError("PostgreSQL server binaries are not installed")
        self.bin = Path(versions[-1]).parent
        # Not under pytest's tmp_path: that is private to root, and the server runs as postgres.
        self.dir = Path(tempfile.mkdtemp(prefix="grocer-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *argv: str, check: bool = True):
        import subprocess

        command = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(command, check=check, capture_output=True, text=True)  # noqa: S603

    def __enter__(self) -> PrivatePostgres:
        import shutil

        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )
        self.start()
        return self

    def start(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.dir / "log"),
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            + self.server_options,
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop"
        )

    def __exit__(self, *exc) -> None:
        import shutil

        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", check=False
        )
        shutil.rmtree(self.dir, ignore_errors=True)


def manage(*args: str, env: dict[str, str]) -> str:
    """Run `manage.py` in a subprocess with local settings plus `env`; return stdout."""
    import os
    import subprocess
    import sys

    from grocer.env import BASE_DIR

    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "grocer.settings.local",
        "GROCER_QUIET": "1",
        **env,
    }
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", *args],
        env=full_env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def http_scope(path: str, *, method: str = "GET") -> dict:
    """An ASGI HTTP scope as daphne makes it, for calling an ASGI application directly."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


def printed_by_fresh_python(code: str) -> str:
    """The last line `code` prints in a new Python process with the test settings.

    For what loading a module does to its process (grocer.asgi freezes the collector's
    objects and sets library switches): done in the test runner, it would do it there.
    """
    import os
    import subprocess
    import sys

    from grocer.env import BASE_DIR

    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "grocer.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"python -c {code!r} failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]


def wait_until_true(page, expression: str, *, timeout: float = 10.0) -> None:
    """Poll a JavaScript expression until it is truthy.

    Playwright's `wait_for_function` compiles a string predicate inside the page, which
    our Content-Security-Policy (no eval) refuses now and then; `evaluate` goes through
    the DevTools protocol and is not subject to it.
    """
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"{expression!r} still false after {timeout}s")
        page.wait_for_timeout(50)


def run_coroutine(coroutine, *, timeout: float = 120.0):
    """`asyncio.run(coroutine)` in a thread of its own.

    Once a sync Playwright browser has run in a test process, the test thread has an
    event loop marked as running and `asyncio.run` refuses to start there: a test that
    calls it directly passes alone and fails after a browser test (suite order).
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=timeout)
