"""The metrics endpoint, scraped from real servers after real requests.

Two daphne processes share one PROMETHEUS_MULTIPROC_DIR, as the processes of one pod
do: a scrape of either reports both. A real Celery worker serves its own port.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from families.tests.factories import MembershipFactory
from grocer.testing import ServerProcess, free_port
from lists.tests.factories import GroceryListFactory
from lists.tests.realtime import Person, server_env, session_cookie

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    # send_task publishes to the worker on purpose; the suite itself runs eager.
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    # Two daphne processes (or a prefork worker) start per test: slow on a loaded machine.
    pytest.mark.timeout(300),
]

TOKEN = "metrics-test-token-0123456789abcdef"
TIMEOUT = 15


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def value(scrape: dict, name: str, **labels: str) -> float:
    """Sum of the samples named `name` whose labels include `labels` (0 when none)."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in scrape.items() if n == name and wanted <= ls)


@pytest.fixture
def pod(transactional_db, tmp_path):
    """Two daphne processes of one 'pod': one multiprocess directory, one token."""
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = {
        **server_env(),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "METRICS_TOKEN": TOKEN,
    }
    with ServerProcess(env=env) as a, ServerProcess(env=env) as b:
        yield a, b


def scrape(server) -> dict:
    response = httpx.get(
        f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def test_metrics_need_the_bearer_token(pod):
    a, _ = pod
    assert httpx.get(f"{a.url}/metrics").status_code == 401
    wrong = httpx.get(f"{a.url}/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert httpx.get(f"{a.url}/metrics", headers={"Authorization": TOKEN}).status_code == 401


def test_metrics_do_not_exist_without_a_token(live_daphne):
    assert httpx.get(f"{live_daphne.url}/metrics").status_code == 404


def test_series_move_after_real_requests_on_both_processes(pod):
    a, b = pod
    before = scrape(a)
    for _ in range(3):
        assert httpx.get(f"{a.url}/healthz").status_code == 200
    for _ in range(2):
        assert httpx.get(f"{b.url}/healthz").status_code == 200
    assert httpx.get(f"{b.url}/no-such-page/").status_code == 404

    after = scrape(b)  # process b reports what process a counted too
    moved = {
        "healthz 200": value(after, "grocer_http_requests_total", route="healthz", status="200")
        - value(before, "grocer_http_requests_total", route="healthz", status="200"),
        "unmatched 404": value(after, "grocer_http_requests_total", route="unmatched", status="404")
        - value(before, "grocer_http_requests_total", route="unmatched", status="404"),
        "healthz latency": value(
            after, "grocer_http_request_duration_seconds_count", route="healthz", method="GET"
        )
        - value(
            before, "grocer_http_request_duration_seconds_count", route="healthz", method="GET"
        ),
    }
    assert moved == {"healthz 200": 5, "unmatched 404": 1, "healthz latency": 5}
    # Scrape-time readings: PostgreSQL's connections and max_connections.
    assert value(after, "grocer_db_max_connections") > 0
    assert value(after, "grocer_db_connections") > 0
    assert ("grocer_outbox_messages", frozenset()) in after
    assert value(after, "grocer_scrape_errors") == 0


def test_writes_sockets_and_propagation_are_counted(pod):
    a, b = pod
    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    grocery_list = GroceryListFactory(family=ana.family)
    before = scrape(a)
    ana_browser = Person(ana.user, a)
    with connect(
        f"{b.url.replace('http://', 'ws://')}/ws/lists/{grocery_list.pk}/",
        origin=b.url,
        additional_headers={"Cookie": f"sessionid={session_cookie(ben.user)}"},
        open_timeout=TIMEOUT,
    ) as ws:
        ws.send(json.dumps({"type": "catch_up", "last_seq": grocery_list.last_seq}))
        while json.loads(ws.recv(timeout=TIMEOUT))["type"] != "caught_up":
            pass
        assert value(scrape(a), "grocer_websockets_open") == 1

        form = ana_browser.form(f"/lists/{grocery_list.pk}/")
        form["text"] = "milk"
        response = ana_browser.post(f"/lists/{grocery_list.pk}/items/", form)
        assert response.status_code == 302
        while json.loads(ws.recv(timeout=TIMEOUT))["type"] != "event":
            pass
    ana_browser.close()

    # The socket's close is seen by its server shortly after the client's.
    deadline = time.monotonic() + TIMEOUT
    while value(after := scrape(a), "grocer_websockets_open") != 0:
        assert time.monotonic() < deadline
        time.sleep(0.1)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("grocer_http_requests_total", route="lists:item_add", status="302") == 1
    statements = delta("grocer_http_request_db_statements_sum", route="lists:item_add")
    assert delta("grocer_http_request_db_statements_count", route="lists:item_add") == 1
    # Counted, whatever the number: the access check, the lock and the write at least.
    assert statements >= 3
    assert delta("grocer_list_events_published_total", type="item.added") == 1
    assert delta("grocer_event_propagation_seconds_count", stage="publish") == 1
    assert delta("grocer_event_propagation_seconds_count", stage="deliver") >= 1
    assert delta("grocer_websocket_connects_total") == 1
    assert delta("grocer_websocket_disconnects_total") == 1
    assert delta("grocer_cache_requests_total") >= 1  # the list page reads the item cache


@pytest.mark.django_db(transaction=True)
def test_celery_worker_serves_task_metrics_on_its_own_port(tmp_path):
    from grocer.tests.worker import Worker, send_task, worker_env

    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    port = free_port()
    env = worker_env(PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), WORKER_METRICS_PORT=str(port))
    # prefork: the tasks run in a child process, the port is served by the parent.
    with Worker(env, pool="prefork", concurrency=1) as worker:
        worker.wait_ready()
        send_task("vendors.tasks.requeue_stuck_deliveries")
        send_task("vendors.tasks.deliver_share", args=["not-a-uuid"])
        deadline = time.monotonic() + 30
        while True:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=TIMEOUT).text
            scraped = samples(text)
            done = value(scraped, "grocer_celery_tasks_total", outcome="success") + value(
                scraped, "grocer_celery_tasks_total", outcome="failure"
            )
            if done >= 2:
                break
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.2)
    task = "vendors.tasks.requeue_stuck_deliveries"
    assert value(scraped, "grocer_celery_tasks_total", task=task, outcome="success") == 1
    assert value(scraped, "grocer_celery_task_duration_seconds_count", task=task) == 1
    assert (
        value(
            scraped,
            "grocer_celery_tasks_total",
            task="vendors.tasks.deliver_share",
            outcome="failure",
        )
        == 1
    )
