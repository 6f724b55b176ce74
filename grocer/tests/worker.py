"""A real `celery -A grocer worker` for tests of what only a worker does (probes, metrics).

It gets this test's database and Redis (broker keys under this run's prefix, its own
queue) through its environment, like `live_daphne`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from grocer.env import BASE_DIR

QUEUE = f"grocer-test-{settings.TEST_RUN_ID}"
BROKER_PREFIX = f"{settings.REDIS_KEY_PREFIX}:obs-broker:"


def worker_env(**extra: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "grocer.settings.local",
        "GROCER_QUIET": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}",
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_KEY_PREFIX": settings.REDIS_KEY_PREFIX,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_KEY_PREFIX": BROKER_PREFIX,
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        **extra,
    }


def send_task(name: str, *, args: list | None = None, headers: dict | None = None) -> None:
    """Publish a task to the worker's broker prefix and queue."""
    from kombu import Connection

    from grocer.celery import app

    with Connection(
        settings.REDIS_URL, transport_options={"global_keyprefix": BROKER_PREFIX}
    ) as conn:
        app.send_task(name, args=args or [], queue=QUEUE, connection=conn, headers=headers)


class Worker:
    """The worker in its own process group; always stopped on exit."""

    def __init__(self, env: dict[str, str], *, pool: str = "solo", concurrency: int = 1) -> None:
        self.env = env
        self.pool = pool
        self.concurrency = concurrency
        # Lives as long as the worker, closed in __exit__, hence no `with`.
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="celery-worker-", suffix=".log", delete=False
        )
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Worker:
        argv = [
            *(sys.executable, "-m", "celery", "-A", "grocer", "worker"),
            *(f"--pool={self.pool}", f"--concurrency={self.concurrency}", "-Q", QUEUE),
            *("--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"),
        ]
        self.process = subprocess.Popen(
            argv,
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-6000:]

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while "ready." not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker did not start:\n{self.output()}")
            time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()
        os.unlink(self.log.name)
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(match=f"{BROKER_PREFIX}*", count=500))
        if keys:
            client.delete(*keys)
