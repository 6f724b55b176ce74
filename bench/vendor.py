"""Vendor delivery: shares per second through a real Celery worker to the fake Graph API.

A dedicated worker (threads pool: deliveries mostly wait on HTTP) gets WhatsApp pointed
at the fake API (in this process, over real HTTP, with latency and a share of 500s).
Each run queues `shares` deliveries, times until every one is recorded as sent, and
counts from the fake API's own log how many were delivered and how many twice.
"""

from __future__ import annotations

import time
from collections import Counter

LATENCY_MS = 50
FAILURE_RATES = (0.0, 0.1)
WORKER_THREADS = 8


def measure(*, stack, shares: int) -> dict:
    try:
        from vendors import tasks  # noqa: F401
        from vendors.tests import fake_graph
    except ImportError:
        return {"skipped": "vendors.tasks and the fake Graph API are not on this branch yet"}
    from .stack import VENV_BIN

    queue = f"{stack.name}-vendor"
    results: dict = {"latency_ms": LATENCY_MS, "worker_threads": WORKER_THREADS, "runs": []}
    with fake_graph.FakeGraph(latency=LATENCY_MS / 1000) as fake:
        env = {
            "BENCH_CELERY_QUEUE": queue,  # its retries stay on its own queue
            "WHATSAPP_API_BASE": fake.url,
            "WHATSAPP_API_VERSION": fake.version,
            "WHATSAPP_TOKEN": fake.token,
            "WHATSAPP_PHONE_NUMBER_ID": fake.phone_number_id,
            "WHATSAPP_TEMPLATE_NAME": fake.template_name,
            "WHATSAPP_APP_SECRET": "bench",
            "WHATSAPP_VERIFY_TOKEN": "bench",
            "WHATSAPP_MAX_RETRIES": "8",
        }
        proc = stack.spawn(
            "celery-vendor-worker",
            [
                *(str(VENV_BIN / "celery"), "-A", "grocer", "worker", "--loglevel=INFO"),
                *("--pool=threads", f"--concurrency={WORKER_THREADS}", "-Q", queue),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                f"--hostname={queue}@%h",
            ],
            env=env,
        )
        _wait_for_ready(proc)
        for rate in FAILURE_RATES:
            fake.failure_rate = rate
            fake.requests.clear()
            results["runs"].append(_run(fake=fake, queue=queue, shares=shares, rate=rate))
    return results


def _wait_for_ready(proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while "ready." not in proc.log.read_text(errors="replace"):
        if proc.popen.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"vendor worker did not start; see {proc.log}")
        time.sleep(0.2)


def _seed(shares: int) -> list[str]:
    """A family, a list, `shares` vendors and one queued delivery each (as share_send
    leaves them with WhatsApp configured)."""
    import secrets

    from families.models import Family
    from lists.models import GroceryList
    from vendors.models import ShareDelivery, Vendor, VendorShare

    tag = secrets.token_hex(3)
    family = Family.objects.create(name=f"Bench vendors {tag}")
    grocery_list = GroceryList.objects.create(family=family, name="Bench list")
    vendors = Vendor.objects.bulk_create(
        Vendor(name=f"Vendor {tag} {n}", whatsapp_number=f"+3469{n:07d}") for n in range(shares)
    )
    share_rows = VendorShare.objects.bulk_create(
        VendorShare(grocery_list=grocery_list, vendor=vendor, send_count=1) for vendor in vendors
    )
    deliveries = ShareDelivery.objects.bulk_create(
        ShareDelivery(share=share, number=1, vendor_url=f"https://bench.example/v/{share.token}/")
        for share in share_rows
    )
    return [str(d.id) for d in deliveries]


def _run(*, fake, queue: str, shares: int, rate: float) -> dict:
    from grocer.celery import app
    from vendors.models import ShareDelivery

    ids = _seed(shares)
    started = time.perf_counter()
    with app.producer_or_acquire() as producer:
        for delivery_id in ids:
            app.send_task(
                "vendors.tasks.deliver_share", args=[delivery_id], queue=queue, producer=producer
            )
    pending = ShareDelivery.objects.filter(pk__in=ids).exclude(state=ShareDelivery.State.SENT)
    deadline = time.monotonic() + max(60.0, shares / 5)
    while pending.exists():
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    accepted = Counter(
        r.body.get("biz_opaque_callback_data") for r in fake.requests if r.message_id
    )
    delivered = sum(1 for delivery_id in ids if accepted[delivery_id] >= 1)
    return {
        "failure_rate": rate,
        "shares": shares,
        "delivered": delivered,
        "duplicates": sum(1 for delivery_id in ids if accepted[delivery_id] > 1),
        "not_sent_in_time": pending.count(),
        "api_calls": len(fake.requests),
        "seconds": round(elapsed, 2),
        "per_second": round(shares / elapsed, 1),
    }
