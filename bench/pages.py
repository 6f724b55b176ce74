"""Page cost: server time and query count of the list page and the dashboard.

In-process through Django's test client against the bench database, with the servers'
settings, so the time is Django's (middleware, views, selectors, templates) without
daphne or the network; `CaptureQueriesContext` counts the queries. The same pages are
also fetched over HTTP from daphne for the round trip as a browser would see it.
"""

from __future__ import annotations

import time

import httpx
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from . import seed
from .stats import summary_ms
from .web import auth_headers, url_or_none

LIST_SIZES = (10, 100, 1000)
DASHBOARD_LISTS = 50


def _measure_in_process(client: Client, path: str, repeats: int) -> dict:
    samples, queries, statuses = [], [], set()
    cold = None
    for i in range(repeats + 1):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - start
        statuses.add(response.status_code)
        if i == 0:  # cold: empty caches for this list
            cold = {"ms": round(elapsed * 1000, 3), "queries": len(captured.captured_queries)}
            continue
        samples.append(elapsed)
        queries.append(len(captured.captured_queries))
    return {
        "status": sorted(statuses),
        "server_ms": summary_ms(samples),
        "queries": max(queries),
        "cold": cold,
        "bytes": len(response.content),
    }


def _measure_over_http(base_url: str, path: str, session_key: str, repeats: int) -> dict:
    samples = []
    with httpx.Client(base_url=base_url, timeout=30) as http:
        headers = auth_headers(session_key, htmx=False)
        http.get(path, headers=headers)
        for _ in range(repeats):
            start = time.perf_counter()
            response = http.get(path, headers=headers)
            samples.append(time.perf_counter() - start)
            response.raise_for_status()
    return summary_ms(samples)


def measure(*, web_url: str, repeats: int, sizes=LIST_SIZES) -> dict:
    detail = url_or_none("lists:detail", list_id="00000000-0000-0000-0000-000000000000")
    dashboard = url_or_none("lists:dashboard", family_id="00000000-0000-0000-0000-000000000000")
    if detail is None and dashboard is None:
        return {"skipped": "the list page and dashboard are not on this branch yet"}
    from families.models import User

    results: dict = {"list_page": [], "dashboard": None}
    client = Client(SERVER_NAME="127.0.0.1")
    if detail is not None:
        for size in sizes:
            (family,) = seed.families(
                tag=f"page{size}", count=1, members_per_family=3, items_per_list=size
            )
            client.force_login(User.objects.get(pk=family.members[0].user_id))
            path = url_or_none("lists:detail", list_id=family.list_ids[0])
            row = {"items": size, **_measure_in_process(client, path, repeats)}
            row["http_ms"] = _measure_over_http(
                web_url, path, family.members[0].session_key, repeats
            )
            results["list_page"].append(row)
    if dashboard is not None:
        (family,) = seed.families(
            tag="dash",
            count=1,
            members_per_family=3,
            lists_per_family=DASHBOARD_LISTS,
            items_per_list=10,
        )
        client.force_login(User.objects.get(pk=family.members[0].user_id))
        path = url_or_none("lists:dashboard", family_id=family.family_id)
        row = {"lists": DASHBOARD_LISTS, **_measure_in_process(client, path, repeats)}
        row["http_ms"] = _measure_over_http(web_url, path, family.members[0].session_key, repeats)
        results["dashboard"] = row
    return results
