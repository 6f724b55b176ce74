"""Vendor delivery: shares per second through Celery to the fake Graph API.

The fake Graph API (`vendors/tests/fake_graph.py`) runs in this process; the stack's
worker posts to it (its URL and credentials are in the stack's environment). Every call
is answered after `LATENCY` seconds; in the second run a random 10% of calls fail with a
retryable 500. Shares are created through `vendors.services.share_send` in one
transaction, so every task is enqueued at its commit; the clock starts just before
the commit and stops when every delivery is `sent` (or after a bounded wait).

"Sent twice" counts deliveries for which the API accepted more than one message.

Before the two timed runs an untimed warm-up sends one share per sending thread (Celery's
or the drains' pool, whichever is larger), so every thread has opened its PostgreSQL
connection and the process its HTTP client, as in a worker that has been up for a while.
Each run also reports the CPU time the sends cost (`cpu`): the sending workers' processes
and the PostgreSQL backends of the bench database, read from /proc, so a figure taken on
a busy machine can still be compared.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from pathlib import Path

LATENCY = 0.1
FAILURE_RATE = 0.1
WAIT_LIMIT = 180.0


def available() -> str | None:
    """None when the vendor delivery code is here, else why not."""
    from importlib.util import find_spec

    if find_spec("vendors.tasks") is None or find_spec("vendors.tests.fake_graph") is None:
        return "vendors.tasks and the fake Graph API are not on this branch yet"
    return None


def start_fake_graph():
    """The fake API, started; call before the stack so the worker gets its URL."""
    from vendors.tests.fake_graph import FakeGraph

    fake = FakeGraph()
    fake.__enter__()
    return fake


def fake_graph_env(fake) -> dict[str, str]:
    return {
        "WHATSAPP_API_BASE": fake.url,
        "WHATSAPP_API_VERSION": fake.version,
        "WHATSAPP_TOKEN": fake.token,
        "WHATSAPP_PHONE_NUMBER_ID": fake.phone_number_id,
        "WHATSAPP_TEMPLATE_NAME": fake.template_name,
    }


def _script(fake, *, calls: int, failure_rate: float, rng: random.Random) -> None:
    from vendors.tests.fake_graph import error, ok

    fake.script(
        *(
            error(131000, status=500, message="Something went wrong", delay=LATENCY)
            if rng.random() < failure_rate
            else ok(delay=LATENCY)
            for _ in range(calls)
        )
    )


def _clock_ticks(pid: int) -> int | None:
    """utime + stime of a process in clock ticks (all its threads), None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])


def _process_group(pgid: int) -> list[int]:
    """A worker and its pool's children (each worker runs in a session of its own)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def _cpu_snapshot(stack) -> dict[str, dict[int, int]] | None:
    """CPU ticks of the sending workers and of the bench database's PostgreSQL backends
    (None off Linux: no /proc)."""
    if not Path("/proc/self/stat").exists():
        return None
    from django.db import connection

    senders = [
        proc
        for proc in stack.procs
        if proc.name.startswith("celery-whatsapp" if stack.whatsapp_workers else "celery-worker")
    ]
    workers = [pid for proc in senders for pid in _process_group(proc.popen.pid)]
    with connection.cursor() as cursor:
        # Not this process's own backend: its polling is the bench's, not the sends'.
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    snapshot: dict[str, dict[int, int]] = {"workers": {}, "postgres": {}}
    for group, pids in (("workers", workers), ("postgres", backends)):
        for pid in pids:
            ticks = _clock_ticks(pid)
            if ticks is not None:
                snapshot[group][pid] = ticks
    return snapshot


def _cpu_spent(before, after, *, messages: int) -> dict | None:
    """CPU seconds between two snapshots; a process that started in between counts whole,
    one that ended in between is missed (so the figure is a lower bound)."""
    if before is None or after is None:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    spent = {
        group: round(
            sum(ticks - before[group].get(pid, 0) for pid, ticks in after[group].items()) / tick,
            2,
        )
        for group in ("workers", "postgres")
    }
    total = spent["workers"] + spent["postgres"]
    return {
        "workers_s": spent["workers"],
        "postgres_s": spent["postgres"],
        "ms_per_message": round(1000 * total / messages, 1) if messages else None,
        "messages_per_cpu_second": round(messages / total, 1) if total else None,
    }


def _shares_attempted(fake) -> int:
    """Shares whose message reached the fake API at least once, answered either way."""
    return len({(r.body or {}).get("biz_opaque_callback_data") for r in list(fake.requests)})


def _one_run(*, fake, shares: int, failure_rate: float, tag: str, web_url: str, stack=None) -> dict:
    from django.conf import settings
    from django.db import transaction

    from families.models import Family, User
    from lists.models import GroceryList
    from vendors import services, tasks
    from vendors.models import ShareDelivery, Vendor

    from . import seed

    (family,) = seed.families(tag=tag, count=1, members_per_family=1, lists_per_family=shares)
    actor = User.objects.get(pk=family.members[0].user_id)
    vendor = Vendor.objects.create(
        family=Family.objects.get(pk=family.family_id),
        name=f"{tag} vendor",
        whatsapp_number="+34600111222",
    )
    lists = list(GroceryList.objects.filter(family_id=family.family_id))
    with fake._lock:
        fake._script.clear()
        fake.requests.clear()
    # Enough scripted answers for every first attempt and its retries.
    _script(fake, calls=shares * 3, failure_rate=failure_rate, rng=random.Random(7))

    with transaction.atomic():
        for grocery_list in lists:
            services.share_send(
                grocery_list=grocery_list,
                vendor=vendor,
                message="Hello from the bench",
                actor=actor,
                base_url=web_url,
            )
        deliveries = ShareDelivery.objects.filter(share__vendor=vendor)
        cpu_before = _cpu_snapshot(stack) if stack is not None else None
        started = time.perf_counter()
    done_states = {ShareDelivery.State.SENT, ShareDelivery.State.FAILED}
    sent = 0
    # When every share had reached the API once: the sending rate, apart from the wait
    # the failed ones then spend in their backoff before the retry.
    first_attempts_at: float | None = None
    deadline = started + WAIT_LIMIT
    # Beat's job in production: a retried send waits in PostgreSQL until this sweep
    # (every WHATSAPP_DUE_SWEEP_SECONDS) hands it to a worker again.
    sweep_every = settings.WHATSAPP_DUE_SWEEP_SECONDS
    next_sweep = started + sweep_every
    while time.perf_counter() < deadline:
        states = Counter(deliveries.values_list("state", flat=True))
        sent = states.get(ShareDelivery.State.SENT, 0)
        if first_attempts_at is None and _shares_attempted(fake) >= shares:
            first_attempts_at = time.perf_counter()
        if sum(states.get(state, 0) for state in done_states) >= shares:
            break
        if time.perf_counter() >= next_sweep:
            tasks.dispatch_due_deliveries()
            next_sweep += sweep_every
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    cpu_after = _cpu_snapshot(stack) if stack is not None else None
    states = Counter(deliveries.values_list("state", flat=True))
    accepted = Counter(
        (r.body or {}).get("biz_opaque_callback_data") for r in list(fake.requests) if r.message_id
    )
    calls = len(fake.requests)
    failed_calls = sum(1 for r in list(fake.requests) if r.reply_status != 200)
    return {
        "failure_rate": failure_rate,
        "shares": shares,
        "delivered": states.get(ShareDelivery.State.SENT, 0),
        "states": dict(states),
        "duplicates": sum(1 for n in accepted.values() if n > 1),
        "api_calls": calls,
        "failed_calls": failed_calls,
        "seconds": round(elapsed, 2),
        "per_second": round(sent / elapsed, 1) if elapsed else None,
        "first_attempts_per_second": (
            round(shares / (first_attempts_at - started), 1) if first_attempts_at else None
        ),
        "timed_out": elapsed >= WAIT_LIMIT,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpu": _cpu_spent(cpu_before, cpu_after, messages=states.get(ShareDelivery.State.SENT, 0)),
    }


def measure(*, stack, fake, shares: int) -> dict:
    reason = available()
    if reason:
        return {"skipped": reason}
    from django.conf import settings

    # A drain's sends run on its process's pool: warm every pool thread, not just
    # Celery's.
    threads = (
        stack.whatsapp_workers * max(stack.whatsapp_concurrency, settings.WHATSAPP_SEND_THREADS)
        if stack.whatsapp_workers
        else max(stack.worker_concurrency, settings.WHATSAPP_SEND_THREADS)
    )
    warmup = _one_run(
        fake=fake, shares=threads, failure_rate=0.0, tag="vendorwarm", web_url=stack.web_urls[0]
    )
    runs = [
        _one_run(
            fake=fake,
            shares=shares,
            failure_rate=rate,
            tag=f"vendor{i}",
            web_url=stack.web_urls[0],
            stack=stack,
        )
        for i, rate in enumerate((0.0, FAILURE_RATE))
    ]
    return {
        "latency_ms": int(LATENCY * 1000),
        "worker": (
            f"{stack.whatsapp_workers} x --pool={stack.whatsapp_pool} "
            f"--concurrency={stack.whatsapp_concurrency} (WhatsApp queue)"
            if stack.whatsapp_workers
            else f"--pool={stack.worker_pool} --concurrency={stack.worker_concurrency}"
        ),
        "warmup": {"shares": warmup["shares"], "delivered": warmup["delivered"]},
        "runs": runs,
    }
