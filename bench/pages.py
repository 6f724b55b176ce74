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


def _statements(repeats: int) -> dict:
    """Statements of one htmx item add and one status change, session and user included.

    Each request comes with its session cookie only, as a browser's would: nothing about
    the user or the session is cached in this process between requests.
    """
    from families.models import User
    from lists.models import ListItem

    (family,) = seed.families(tag="stmts", count=1, members_per_family=2, items_per_list=10)
    list_id = family.list_ids[0]
    client = Client(SERVER_NAME="127.0.0.1", headers={"HX-Request": "true"})
    client.force_login(User.objects.get(pk=family.members[0].user_id))
    add_path = url_or_none("lists:item_add", list_id=list_id)
    needed = list(
        ListItem.objects.filter(grocery_list_id=list_id, status="needed").values_list(
            "id", flat=True
        )
    )
    adds, checks, statuses = [], [], set()
    for i in range(repeats + 1):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(add_path, {"text": f"2 statement item {i}"})
        statuses.add(response.status_code)
        if i:  # the first fills the process's caches
            adds.append(len(captured.captured_queries))
    for i, item_id in enumerate(needed[: repeats + 1]):
        path = url_or_none("lists:item_status", list_id=list_id, item_id=item_id)
        with CaptureQueriesContext(connection) as captured:
            response = client.post(path, {"status": "purchased"})
        statuses.add(response.status_code)
        if i:
            checks.append(len(captured.captured_queries))
    return {
        "status": sorted(statuses),
        "item_add": max(adds, default=None),
        "item_status": max(checks, default=None),
    }


def measure(*, web_url: str, repeats: int, sizes=LIST_SIZES) -> dict:
    detail = url_or_none("lists:detail", list_id="00000000-0000-0000-0000-000000000000")
    dashboard = url_or_none("lists:dashboard", family_id="00000000-0000-0000-0000-000000000000")
    if detail is None and dashboard is None:
        return {"skipped": "the list page and dashboard are not on this branch yet"}
    from families.models import User

    results: dict = {"list_page": [], "dashboard": None}
    if url_or_none("lists:item_add", list_id="00000000-0000-0000-0000-000000000000"):
        results["statements"] = _statements(max(2, min(repeats, 10)))
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
