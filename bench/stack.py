"""The production shape on this machine: a dedicated database, two daphne processes and
a Celery worker, on the shared PostgreSQL and Redis.

Isolation from everything else using those servers: the database is
`grocer_bench_<run id>` (created, migrated, dropped), and every Redis key this run makes
(cache, channel layer, presence, the Celery queue) carries the prefix `grocer_bench_<run
id>`; only those keys are deleted at the end (never FLUSHDB: other runs share the server).
Every process started here is stopped by `Stack.stop()`, which `with Stack(...)` and an
atexit hook both call, with bounded waits.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# The servers to use (the database is created on it); BENCH_* win over the app's own URLs.
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or os.environ.get(
    "REDIS_URL", "redis://127.0.0.1:6379/0"
)
VENV_BIN = Path(sys.executable).parent
ASGI_APP = "grocer.asgi:application"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout:.0f}s") from None
            time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path


@dataclass
class Stack:
    """Start with `with Stack(...) as stack:`; `stack.env` configures Django in-process too."""

    web_processes: int = 2
    worker_pool: str = "prefork"
    worker_concurrency: int = 4
    # The production shape's WhatsApp workers (docker-compose.yml's worker-whatsapp): the
    # send task is routed to their queue. 0: the one worker above serves sends too.
    whatsapp_workers: int = 2
    whatsapp_pool: str = "threads"
    whatsapp_concurrency: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)
    keep_database: bool = False
    # False: only the database and this process's Django (for in-process profiling).
    servers: bool = True

    def __post_init__(self) -> None:
        self.run_id = f"{os.getpid()}_{secrets.token_hex(3)}"
        self.name = f"grocer_bench_{self.run_id}"
        self.database_url = f"{PG_URL}/{self.name}"
        self.logs = Path(tempfile.mkdtemp(prefix=f"{self.name}-logs-"))
        self.static_root = Path(tempfile.mkdtemp(prefix=f"{self.name}-static-"))
        self.procs: list[Proc] = []
        self.web_urls: list[str] = []
        self._database_created = False
        self._stopped = False
        self.env = {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: no TLS proxy in front of this stack.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": REDIS_URL,
            "REDIS_KEY_PREFIX": self.name,
            "BENCH_CELERY_QUEUE": self.name,
            "CELERY_TASK_DEFAULT_QUEUE": self.name,
            "CELERY_WHATSAPP_QUEUE": f"{self.name}-whatsapp"
            if self.whatsapp_workers
            else self.name,
            "CELERY_BROKER_KEY_PREFIX": f"{self.name}:broker:",
            "BENCH_STATIC_ROOT": str(self.static_root),
            # One host, one media directory: local photo storage is fine here.
            "GROCER_ALLOW_LOCAL_MEDIA": "true",
            "LOG_LEVEL": "WARNING",
            "GROCER_QUIET": "1",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    # --- lifecycle ----------------------------------------------------------------------

    def __enter__(self) -> Stack:
        atexit.register(self.stop)
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def configure_django(self) -> None:
        """Point this process's Django at the stack (same settings as the servers)."""
        os.environ.update(self.env)
        import django

        django.setup()

    def start(self) -> None:
        self._check_services()
        self._create_database()
        self.configure_django()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        # Production serves hashed static files from the manifest: without it pages 500.
        call_command("collectstatic", interactive=False, verbosity=0)
        if not self.servers:
            return
        for _ in range(self.web_processes):
            port = free_port()
            self._spawn(
                f"daphne-{port}",
                # -v 0 as in the Dockerfile, compose and k8s: no plain-text access log line per
                # request and per socket (Grocer logs requests itself).
                [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "-v", "0", ASGI_APP],
            )
            self.web_urls.append(f"http://127.0.0.1:{port}")
        self._spawn(
            "celery-worker",
            [
                *(str(VENV_BIN / "celery"), "-A", "grocer", "worker", "--loglevel=INFO"),
                *(f"--pool={self.worker_pool}", f"--concurrency={self.worker_concurrency}"),
                *("-Q", self.name, "--without-gossip", "--without-mingle", "--without-heartbeat"),
                f"--hostname={self.name}@%h",
            ],
        )
        for index in range(self.whatsapp_workers):
            self._spawn(
                f"celery-whatsapp-{index}",
                [
                    *(str(VENV_BIN / "celery"), "-A", "grocer", "worker", "--loglevel=INFO"),
                    *(f"--pool={self.whatsapp_pool}", f"--concurrency={self.whatsapp_concurrency}"),
                    *("-Q", f"{self.name}-whatsapp", "--without-gossip", "--without-mingle"),
                    *("--without-heartbeat", f"--hostname={self.name}-wa{index}@%h"),
                ],
                # As compose's worker-whatsapp: each thread keeps its connection.
                env={"CONN_MAX_AGE": "60"},
            )
        for url, proc in zip(self.web_urls, self.procs, strict=False):
            wait_for_http(f"{url}/healthz", timeout=60, process=proc.popen)
        self._wait_for_log("celery-worker", "ready.", timeout=60)
        for index in range(self.whatsapp_workers):
            self._wait_for_log(f"celery-whatsapp-{index}", "ready.", timeout=60)
        # For `py-spy record --pid ...` while the bench runs.
        (self.logs / "pids.json").write_text(
            json.dumps({proc.name: proc.popen.pid for proc in self.procs}, indent=2)
        )

    def spawn(self, name: str, argv: list[str], *, env: dict[str, str] | None = None) -> Proc:
        """Start another process that `stop()` will end (a fake API server, say)."""
        return self._spawn(name, argv, env=env)

    def _spawn(self, name: str, argv: list[str], *, env: dict[str, str] | None = None) -> Proc:
        log = self.logs / f"{name}.log"
        handle = log.open("wb")
        popen = subprocess.Popen(
            argv,
            cwd=BASE_DIR,
            env={**os.environ, **self.env, **(env or {})},
            stdout=handle,
            stderr=subprocess.STDOUT,
            # Its own process group, so that stop() also reaches a prefork worker's children.
            start_new_session=True,
        )
        handle.close()
        proc = Proc(name=name, popen=popen, log=log)
        self.procs.append(proc)
        return proc

    def _wait_for_log(self, name: str, needle: str, *, timeout: float) -> None:
        proc = next(p for p in self.procs if p.name == name)
        deadline = time.monotonic() + timeout
        while needle not in proc.log.read_text(errors="replace"):
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{name} exited early; see {proc.log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} not ready within {timeout:.0f}s; see {proc.log}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for proc in self.procs:
            if proc.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs:
            try:
                proc.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait(timeout=10)
        self._delete_redis_keys()
        import shutil

        shutil.rmtree(self.static_root, ignore_errors=True)
        if self._database_created and not self.keep_database:
            self._drop_database()

    # --- services -----------------------------------------------------------------------

    def _check_services(self) -> None:
        from grocer.env import service_reachable

        if not service_reachable(PG_URL, default_port=5432):
            raise RuntimeError(f"PostgreSQL is not reachable at {PG_URL}")
        if not service_reachable(REDIS_URL, default_port=6379):
            raise RuntimeError(f"Redis is not reachable at {REDIS_URL}")

    def _admin_connection(self):
        import psycopg

        return psycopg.connect(f"{PG_URL}/postgres", autocommit=True, connect_timeout=5)

    def _create_database(self) -> None:
        with self._admin_connection() as conn:
            self._drop_orphans(conn)
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self._database_created = True

    @staticmethod
    def _drop_orphans(conn) -> None:
        """Drop databases of bench runs whose process is gone (killed before cleanup)."""
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'grocer\\_bench\\_%'"
        ).fetchall()
        for (name,) in rows:
            pid = name.split("_")[2]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            with contextlib.suppress(Exception):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _drop_database(self) -> None:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        for attempt in range(5):
            try:
                with self._admin_connection() as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                return
            except Exception as error:  # e.g. the server is out of connection slots
                if attempt == 4:  # the next run drops it as an orphan
                    print(f"warning: could not drop {self.name}: {error}", file=sys.stderr)
                time.sleep(1 + attempt)

    def _delete_redis_keys(self) -> None:
        import redis

        try:
            client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
            # Kombu names the queue list itself after the queue, without a prefix.
            patterns = [f"{self.name}*", f"*{self.name}*"]
            keys: set[bytes] = set()
            for pattern in patterns:
                keys.update(client.scan_iter(match=pattern, count=1000))
            if keys:
                client.delete(*keys)
        except Exception as error:
            print(f"warning: could not delete Redis keys of {self.name}: {error}", file=sys.stderr)

    def tail_logs(self, lines: int = 30) -> str:
        out = []
        for proc in self.procs:
            text = proc.log.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {proc.name} ({proc.log}) ---\n" + "\n".join(text))
        return "\n".join(out)
