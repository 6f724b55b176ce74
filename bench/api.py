"""API cost: `GET /api/v1/lists/{id}/items` for 10, 100 and 1,000 items.

Like the page cost part: in-process through Django's test client (Django's time for
auth, middleware, the view and JSON rendering, without daphne or the network) with the
queries counted, and the same request over HTTP from daphne. One token per family,
sent as `Authorization: Bearer`, as a script would.
"""

from __future__ import annotations

import time

import httpx
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from . import seed
from .stats import summary_ms

LIST_SIZES = (10, 100, 1000)


def _in_process(client: Client, path: str, headers: dict, repeats: int) -> dict:
    samples, cpu, queries, statuses = [], [], [], set()
    for i in range(repeats + 1):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            started_cpu = time.process_time()
            response = client.get(path, headers=headers)
            cpu_time = time.process_time() - started_cpu
            elapsed = time.perf_counter() - start
        statuses.add(response.status_code)
        if i:  # the first one writes the token's "last used" and warms the caches
            samples.append(elapsed)
            cpu.append(cpu_time)
            queries.append(len(captured.captured_queries))
    etag = response.get("ETag")
    not_modified = None
    if etag:
        # A client polling an unchanged list: If-None-Match, answered 304.
        polls = []
        for _ in range(repeats):
            start = time.perf_counter()
            answer = client.get(path, headers={**headers, "If-None-Match": etag})
            polls.append(time.perf_counter() - start)
        not_modified = {"status": answer.status_code, "server_ms": summary_ms(polls)}
    return {
        "status": sorted(statuses),
        "server_ms": summary_ms(samples),
        # This process's CPU for the request (Django's side; PostgreSQL's work on the
        # query is not in it): comparable between a busy and a quiet machine.
        "server_cpu_ms": summary_ms(cpu),
        "not_modified": not_modified,
        "queries": max(queries),
        "bytes": len(response.content),
        "served": len(response.json().get("results", [])) if response.status_code == 200 else 0,
    }


def _over_http(base_url: str, path: str, headers: dict, repeats: int) -> dict:
    samples = []
    with httpx.Client(base_url=base_url, timeout=30) as http:
        http.get(path, headers=headers)
        for _ in range(repeats):
            start = time.perf_counter()
            response = http.get(path, headers=headers)
            samples.append(time.perf_counter() - start)
            response.raise_for_status()
    return summary_ms(samples)


def measure(*, web_url: str, repeats: int, sizes=LIST_SIZES) -> dict:
    try:
        from api.services import token_create
    except ImportError:
        return {"skipped": "the API is not on this branch yet"}
    from django.conf import settings

    from families.models import User

    # The bench asks far more often than a script would; the limit is not what is measured.
    settings.API_RATE_LIMIT = "1000000/m"
    client = Client(SERVER_NAME="127.0.0.1")
    rows = []
    for size in sizes:
        (family,) = seed.families(
            tag=f"api{size}", count=1, members_per_family=2, items_per_list=size
        )
        user = User.objects.get(pk=family.members[0].user_id)
        _token, secret = token_create(user=user, name="bench", scope="read")
        headers = {"Authorization": f"Bearer {secret}"}
        path = f"/api/v1/lists/{family.list_ids[0]}/items?limit={max(size, 1)}"
        row = {"items": size, **_in_process(client, path, headers, repeats)}
        try:
            row["http_ms"] = _over_http(web_url, path, headers, repeats)
        except httpx.HTTPError as error:  # the daphne servers keep their own rate limit
            row["http_ms"] = None
            row["http_error"] = str(error)
        rows.append(row)
    return {"list_items": rows}
