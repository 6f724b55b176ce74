"""Delivery through a real Celery worker process (not eager), including kill -9 mid-send.

The worker gets this test's database, Redis (broker keys under this run's prefix, its own
queue) and the fake Graph API through its environment, like `live_daphne`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from grocer.env import BASE_DIR
from vendors import services
from vendors.models import ShareDelivery, VendorShare
from vendors.tests.factories import ShareDeliveryFactory
from vendors.tests.fake_graph import http_status, ok
from vendors.webhook import webhook_status_apply

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    # The test publishes to the worker's broker on purpose; the suite itself runs eager.
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]

QUEUE = f"vendors-test-{settings.TEST_RUN_ID}"
BROKER_PREFIX = f"{settings.REDIS_KEY_PREFIX}:broker:"


class Worker:
    """`celery -A grocer worker` in its own process group; always stopped on exit."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        # Lives as long as the worker, closed in __exit__, hence no `with`.
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="celery-worker-", suffix=".log", delete=False
        )
        self.process: subprocess.Popen | None = None
        self.schedule = tempfile.mkdtemp(prefix="celery-beat-")

    def __enter__(self) -> Worker:
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "grocer",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            QUEUE,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            # Beat inside the worker: the sweep that hands out due sends (and the outbox
            # relay), as the deployment's beat process does.
            "--beat",
            f"--schedule={self.schedule}/schedule",
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

    def kill(self) -> None:
        """kill -9 the whole worker: no cleanup, no ack, no shutdown handlers."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
        os.unlink(self.log.name)
        shutil.rmtree(self.schedule, ignore_errors=True)


@pytest.fixture
def worker_env(transactional_db, fake_graph):
    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "grocer.settings.local",
        "GROCER_QUIET": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}",
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_KEY_PREFIX": settings.REDIS_KEY_PREFIX,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_KEY_PREFIX": BROKER_PREFIX,
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        # Unacked messages of a dead worker come back after this many seconds.
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "CELERY_UNACKED_RESTORE_SECONDS": "1",
        "WHATSAPP_API_BASE": fake_graph.url,
        "WHATSAPP_API_VERSION": fake_graph.version,
        "WHATSAPP_TOKEN": fake_graph.token,
        "WHATSAPP_PHONE_NUMBER_ID": fake_graph.phone_number_id,
        "WHATSAPP_TEMPLATE_NAME": fake_graph.template_name,
        "WHATSAPP_READ_TIMEOUT": "120",
        "WHATSAPP_CLAIM_STALE_SECONDS": "3",
        "WHATSAPP_MAX_RETRIES": "3",
        # Short intervals: due sends are swept every second, a lost task is handed out
        # again after 3 s, retries back off from 1 s.
        "WHATSAPP_DUE_SWEEP_SECONDS": "1",
        "WHATSAPP_DISPATCH_LEASE_SECONDS": "3",
        "WHATSAPP_RETRY_BACKOFF_SECONDS": "1",
    }
    yield env
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match=f"{BROKER_PREFIX}*", count=500))
    if keys:
        client.delete(*keys)


def enqueue(delivery: ShareDelivery) -> None:
    """What `share_send` does on commit, sent to the worker's broker and queue."""
    from kombu import Connection

    from grocer.celery import app

    with Connection(
        settings.REDIS_URL, transport_options={"global_keyprefix": BROKER_PREFIX}
    ) as conn:
        app.send_task(
            "vendors.tasks.deliver_share", args=[str(delivery.id)], connection=conn, queue=QUEUE
        )


def wait_until(predicate, *, timeout: float, what: str, worker: Worker | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            log = worker.output() if worker else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{log}")
        time.sleep(0.2)


def state_of(delivery: ShareDelivery) -> str:
    return ShareDelivery.objects.values_list("state", flat=True).get(pk=delivery.pk)


def test_a_real_worker_sends_and_retries(worker_env, fake_graph):
    """The first attempt on the task enqueued at commit; the retry when the sweep finds
    it due."""
    delivery = ShareDeliveryFactory()
    fake_graph.script(http_status(503))
    with Worker(worker_env) as worker:
        enqueue(delivery)
        wait_until(
            lambda: state_of(delivery) == ShareDelivery.State.SENT,
            timeout=60,
            what="the send",
            worker=worker,
        )
    share = VendorShare.objects.get(pk=delivery.share_id)
    assert share.status == VendorShare.Status.SENT
    assert share.whatsapp_message_id == fake_graph.sent[0].message_id
    assert [r.reply_status for r in fake_graph.requests] == [503, 200]


def test_worker_killed_mid_send_sends_at_most_once(worker_env, fake_graph):
    delivery = ShareDeliveryFactory()
    fake_graph.script(ok(delay=60))  # "WhatsApp" takes its time to answer
    with Worker(worker_env) as first:
        enqueue(delivery)
        assert fake_graph.wait_for_requests(1, timeout=60), first.output()
        first.kill()
    assert state_of(delivery) == ShareDelivery.State.SENDING  # claimed, no answer recorded

    with Worker(worker_env) as second:
        # The message comes back to the new worker (acks_late: it was never acked).
        wait_until(
            lambda: state_of(delivery) != ShareDelivery.State.SENDING,
            timeout=60,
            what="the redelivered task",
            worker=second,
        )
        assert "deliver_share" in second.output()
    assert len(fake_graph.requests) == 1  # exactly one message reached WhatsApp
    assert state_of(delivery) == ShareDelivery.State.INTERRUPTED
    share = VendorShare.objects.get(pk=delivery.share_id)
    assert share.status == VendorShare.Status.FAILED
    assert share.failure_reason == services.INTERRUPTED_REASON

    # WhatsApp did send it: its status webhook carries our id and settles the share.
    webhook_status_apply(
        status={"id": "wamid.late", "status": "sent", "biz_opaque_callback_data": str(delivery.id)}
    )
    share.refresh_from_db()
    assert share.status == VendorShare.Status.SENT


def test_waiting_sends_survive_a_worker_killed_with_kill_9(worker_env, fake_graph):
    """Sends waiting for the breaker's cool-down when the worker dies go out soon after
    a worker is back, not after the broker's one-hour visibility timeout."""
    from vendors import whatsapp

    env = {
        **worker_env,
        # Production's visibility timeout: a wait held by the dead worker as an
        # unacknowledged countdown task would come back only after an hour.
        "CELERY_VISIBILITY_TIMEOUT": "3600",
        "WHATSAPP_BREAKER_RESET_SECONDS": "20",
    }
    del env["CELERY_UNACKED_RESTORE_SECONDS"]
    deliveries = [ShareDeliveryFactory() for _ in range(5)]

    def waiting() -> bool:
        return all(
            d.next_attempt_at and d.dispatched_at is None and d.state == "queued"
            for d in ShareDelivery.objects.filter(pk__in=[d.pk for d in deliveries])
        )

    with Worker(env) as first:
        wait_until(lambda: " ready." in first.output(), timeout=60, what="the worker", worker=first)
        # Another worker's failures opened the breaker (its state is shared through Redis).
        whatsapp.breaker().open()
        for delivery in deliveries:
            enqueue(delivery)
        wait_until(waiting, timeout=60, what="five sends waiting for the breaker", worker=first)
        first.kill()
    assert fake_graph.requests == []

    with Worker(env) as second:
        back = time.monotonic()
        wait_until(
            lambda: all(state_of(d) == ShareDelivery.State.SENT for d in deliveries),
            timeout=120,  # the target: every waiting send out within 2 minutes
            what="the waiting sends",
            worker=second,
        )
        elapsed = time.monotonic() - back
    print(f"5 waiting sends out {elapsed:.1f}s after the new worker started")
    assert len(fake_graph.sent) == 5  # each exactly once
    assert len(fake_graph.requests) == 5
