"""The production WhatsApp worker (`--pool=threads`, its own queue) keeps sends bounded.

Celery cannot enforce a task's hard time limit in a thread pool; the bound of a send
there is the WhatsApp client's own timeout. A real threads worker, a fake API that
never answers in time: the attempt ends at the read timeout, not when the API answers.
"""

from __future__ import annotations

import time

import pytest

from grocer.tests.worker import QUEUE, Worker, send_task, worker_env
from vendors.models import ShareDelivery
from vendors.tests.factories import ShareDeliveryFactory
from vendors.tests.fake_graph import ok

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    pytest.mark.timeout(300),  # a real worker starts
]


def _whatsapp_worker_env(fake_graph, **extra: str) -> dict[str, str]:
    """A worker talking to the fake Graph API, a send cut after 2 s, routed like production."""
    return worker_env(
        WHATSAPP_API_BASE=fake_graph.url,
        WHATSAPP_API_VERSION=fake_graph.version,
        WHATSAPP_TOKEN=fake_graph.token,
        WHATSAPP_PHONE_NUMBER_ID=fake_graph.phone_number_id,
        WHATSAPP_TEMPLATE_NAME=fake_graph.template_name,
        WHATSAPP_READ_TIMEOUT="2",
        # One attempt only: the retry would be the same story.
        WHATSAPP_MAX_RETRIES="0",
        # The send task goes to the WhatsApp queue, as in production.
        CELERY_WHATSAPP_QUEUE=QUEUE,
        **extra,
    )


@pytest.mark.django_db(transaction=True)
def test_a_hung_api_call_is_cut_by_the_client_timeout_in_the_threads_pool(fake_graph):
    delivery = ShareDeliveryFactory()
    fake_graph.script(ok(delay=120))  # far beyond every limit involved
    env = _whatsapp_worker_env(fake_graph)
    with Worker(env, pool="threads", concurrency=4) as worker:
        worker.wait_ready()
        started = time.monotonic()
        send_task("vendors.tasks.deliver_share", args=[str(delivery.id)])

        def settled() -> ShareDelivery | None:
            row = ShareDelivery.objects.get(pk=delivery.pk)
            return row if row.state == ShareDelivery.State.FAILED else None

        deadline = started + 60
        while (row := settled()) is None:
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.2)
    # Ended by the 2 s read timeout (the loop's deadline is half the API's 120 s delay).
    assert row.last_error.startswith("timeout"), row.last_error
    assert len(fake_graph.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_a_drain_in_the_threads_pool_sends_its_batch_and_a_hung_call_is_cut(fake_graph):
    """The drain's sends run on the process's own pool: each is still bounded by the
    client's timeout, and the rest of the batch goes out once each."""
    deliveries = [ShareDeliveryFactory() for _ in range(6)]
    fake_graph.script(ok(delay=120))  # the first send hangs, the others are answered
    env = _whatsapp_worker_env(fake_graph, WHATSAPP_DRAIN_BATCH="4", WHATSAPP_SEND_THREADS="4")
    with Worker(env, pool="threads", concurrency=2) as worker:
        worker.wait_ready()
        send_task("vendors.tasks.drain_deliveries")

        def settled() -> bool:
            rows = ShareDelivery.objects.filter(pk__in=[d.pk for d in deliveries])
            return all(
                row.state in (ShareDelivery.State.SENT, ShareDelivery.State.FAILED) for row in rows
            )

        deadline = time.monotonic() + 60
        while not settled():
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.2)
    rows = ShareDelivery.objects.filter(pk__in=[d.pk for d in deliveries])
    [hung] = [row for row in rows if row.state == ShareDelivery.State.FAILED]
    assert hung.last_error.startswith("timeout"), hung.last_error
    assert sum(row.state == ShareDelivery.State.SENT for row in rows) == 5
    assert len(fake_graph.requests) == 6
    sent = [r.body["biz_opaque_callback_data"] for r in fake_graph.sent]
    assert sorted(sent) == sorted(str(row.pk) for row in rows if row.state == "sent")
