"""Write throughput: item adds per second from 16 concurrent clients, against a trivial
view (/healthz) driven the same way on the same servers.

Each client adds to its own family's list (adds to one list serialize on its row lock by
design; that is not what this measures), in turn as each of several members of that
family: one member is refused (429) past the list write limit (`lists.access.
LIST_WRITE_RATE`), and refusals are not adds. Clients spread over the daphne processes
the way a load balancer would.
"""

from __future__ import annotations

import asyncio
import itertools
import time

import httpx

from . import httpclient, seed
from .stats import summary_ms
from .web import auth_headers, url_or_none

# Adds per second one client is assumed never to exceed, to seed enough members.
MAX_ADDS_PER_CLIENT_PER_SECOND = 100


def members_per_client(duration: float) -> int:
    """Members each client rotates over so that none reaches the list write limit."""
    from lists.access import LIST_WRITE_RATE

    per_member = int(LIST_WRITE_RATE.split("/")[0]) * 2 // 3
    return max(1, -(-int(duration * MAX_ADDS_PER_CLIENT_PER_SECOND) // per_member))


async def _drive(*, requests, duration: float) -> dict:
    """Run each request factory in a loop, concurrently, for `duration` seconds."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.perf_counter() + duration

    async def worker(make_request) -> None:
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            try:
                response = await make_request()
            except httpx.HTTPError as error:
                errors.append(repr(error))
                continue
            latencies.append(time.perf_counter() - start)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(make) for make in requests))
    elapsed = time.perf_counter() - started
    ok = sum(n for status, n in statuses.items() if 200 <= status < 300)
    return {
        "requests": sum(statuses.values()),
        "ok": ok,
        "per_second": round(ok / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": len(errors),
        "first_errors": errors[:3],
        "latency_ms": summary_ms(latencies),
        "seconds": round(elapsed, 2),
    }


async def _run(*, web_urls: list[str], families, duration: float, concurrency: int) -> dict:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    clients = [httpclient.async_client(base_url=url, timeout=30, limits=limits) for url in web_urls]
    counter = itertools.count()
    try:

        def adder(i: int):
            family = families[i]
            http = clients[i % len(clients)]
            path = url_or_none("lists:item_add", list_id=family.list_ids[0])
            members = itertools.cycle([auth_headers(m.session_key) for m in family.members])

            async def request():
                return await http.post(
                    path, data={"text": f"2 bench item {next(counter)}"}, headers=next(members)
                )

            return request

        def trivial(i: int):
            http = clients[i % len(clients)]

            async def request():
                return await http.get("/healthz")

            return request

        adds = await _drive(requests=[adder(i) for i in range(concurrency)], duration=duration)
        healthz = await _drive(requests=[trivial(i) for i in range(concurrency)], duration=duration)
    finally:
        for http in clients:
            await http.aclose()
    ratio = adds["per_second"] / healthz["per_second"] if healthz["per_second"] else None
    return {
        "concurrency": concurrency,
        "item_add": adds,
        "trivial_view": healthz,
        "ratio": round(ratio, 3) if ratio is not None else None,
    }


def measure(*, web_urls: list[str], duration: float, concurrency: int = 16) -> dict:
    if url_or_none("lists:item_add", list_id="00000000-0000-0000-0000-000000000000") is None:
        return {"skipped": "the item add endpoint is not on this branch yet"}
    families = seed.families(
        tag="writer", count=concurrency, members_per_family=members_per_client(duration)
    )
    return asyncio.run(
        _run(web_urls=web_urls, families=families, duration=duration, concurrency=concurrency)
    )
