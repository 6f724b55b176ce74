"""The benchmark keeps working: `python -m bench --smoke` runs every part end to end.

Asserts completion and the shape of the results, and that no event was lost; never a
timing (the numbers of a smoke run on a busy CI machine mean nothing).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from grocer.env import BASE_DIR

# The smoke run boots the whole production shape (daphne processes, a Celery worker):
# minutes on a busy machine. Its own subprocess bound below ends it first, so the bench
# can stop the servers it started instead of being cut off by pytest-timeout.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(600)]


def _postgres_server_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"


def _latency(summary: dict) -> None:
    assert summary["n"] > 0
    for key in ("p50", "p95", "p99", "max"):
        assert isinstance(summary[key], float)
    assert summary["p50"] <= summary["p95"] <= summary["p99"] <= summary["max"]


def test_smoke_run_completes_with_well_formed_results(tmp_path):
    output = tmp_path / "smoke.json"
    env = {
        **os.environ,
        "BENCH_POSTGRES_URL": _postgres_server_url(),
        "BENCH_REDIS_URL": settings.REDIS_URL,
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--output", str(output)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-5000:]
    results = json.loads(output.read_text())
    assert results["meta"]["smoke"] is True
    for part in ("floor", "sequential", "propagation", "churn", "pages", "api", "writes", "vendor"):
        assert "error" not in results[part], results[part]["error"]
        # Every part's app code is on main: none may quietly skip.
        assert "skipped" not in results[part], results[part]["skipped"]

    _latency(results["floor"]["channel_layer"])
    _latency(results["floor"]["redis_pubsub"])

    prop = results["propagation"]
    assert prop["connect_failures"] == 0
    assert prop["events_expected"] > 0
    assert prop["events_received"] == prop["events_expected"]
    assert prop["events_lost"] == 0
    assert prop["duplicates"] == 0
    _latency(prop["latency_ms"])

    sequential = results["sequential"]
    assert [run["listeners"] for run in sequential["runs"]] == [1, 5]
    for run in sequential["runs"]:
        assert run["statuses"] == {"200": run["adds"] + run["warmup_adds"]}
        assert run["events_expected"] == (run["adds"] + run["warmup_adds"]) * run["listeners"]
        assert run["events_lost"] == 0
        assert run["duplicates"] == 0
        assert run["writer_http_ms"]["n"] == run["adds"]
        _latency(run["writer_http_ms"])
        _latency(run["propagation_ms"])
    floor = sequential["healthz_floor"]
    assert floor["http_ms"]["n"] == floor["requests"]
    _latency(floor["http_ms"])

    churn = results["churn"]
    assert churn["writes"] > 0 and churn["writes_5xx"] == 0
    assert churn["connects"] >= churn["sockets"]
    assert len(churn["latency_by_slice_ms"]) == 6
    # After a final catch-up every socket has every event (none lost, however delivered).
    assert churn["sockets_behind_after_final_catch_up"] == 0

    api_rows = results["api"]["list_items"]
    assert [row["items"] for row in api_rows] == [10, 100, 1000]
    for row in api_rows:
        assert row["status"] == [200] and row["served"] == row["items"]
        _latency(row["server_ms"])
    assert len({row["queries"] for row in api_rows}) == 1
    pages = results["pages"]
    assert pages["statements"]["status"] == [200]
    assert pages["statements"]["item_add"] > 0
    assert pages["statements"]["item_status"] > 0
    assert [row["items"] for row in pages["list_page"]] == [10, 100, 1000]
    for row in [*pages["list_page"], pages["dashboard"]]:
        assert row["status"] == [200]
        assert isinstance(row["queries"], int) and row["queries"] > 0
        _latency(row["server_ms"])
        _latency(row["http_ms"])

    writes = results["writes"]
    assert writes["item_add"]["ok"] > 0
    assert writes["item_add"]["errors"] == 0
    assert set(writes["item_add"]["statuses"]) == {"200"}
    assert writes["trivial_view"]["ok"] > 0
    assert isinstance(writes["ratio"], float)

    vendor = results["vendor"]
    assert [run["failure_rate"] for run in vendor["runs"]] == [0.0, 0.1]
    for run in vendor["runs"]:
        assert run["delivered"] == run["shares"]
        assert run["duplicates"] == 0
        assert not run["timed_out"]
        assert run["first_attempts_per_second"] > 0

    assert all(set(row) == {"target", "goal", "value", "met"} for row in results["targets"])
    assert "Targets" in completed.stdout or not results["targets"]
