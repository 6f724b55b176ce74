"""Propagation: how long a change takes to reach every open page of its list.

N websocket clients (family members) sit on their family's list page socket, spread
over the daphne processes; writers add and check items over HTTP (htmx requests, with
CSRF) at a steady rate. For every event each subscriber receives, the sample is the time
from the start of the write request that caused it to its arrival at that subscriber,
all measured on this process's monotonic clock.

One write is in flight per list at a time, so an event is attributed to the write
running on its list when it first arrives. Lost events are counted against the
database at the end: every subscriber must have received every seq between the list's
seq when it connected and the list's final `last_seq`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from dataclasses import dataclass, field

import httpx
import websockets

from . import httpclient, wsclient
from .stats import client_cpu_seconds, summary_ms
from .web import auth_headers, url_or_none, websocket_path

EVENT_TIMEOUT = 5.0  # a write whose event has not reached every subscriber by then is late


@dataclass
class Subscriber:
    list_id: str
    session_key: str
    ws_url: str
    origin: str
    received: dict[int, float] = field(default_factory=dict)
    duplicates: int = 0
    max_seq: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    closed_code: int | None = None


@dataclass
class ListState:
    list_id: str
    writer_session: str
    base_seq: int
    needed_items: list[str]
    subscribers: list[Subscriber] = field(default_factory=list)
    seq_start: dict[int, float] = field(default_factory=dict)
    pending_start: float | None = None
    progress: asyncio.Event = field(default_factory=asyncio.Event)


class LagMonitor:
    """How late this process's event loop runs: the client's own share of the latency."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.samples.append(max(0.0, time.perf_counter() - start - self.interval))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> dict:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return summary_ms(self.samples)


def _on_frame(sub: Subscriber, state: ListState, counter: list[int], text: str, arrived: float):
    """One whole text frame from the server, complete at `arrived` (perf_counter)."""
    counter[0] += 1
    seq = wsclient.event_seq(text)
    if seq is None:
        if json.loads(text).get("type") in ("caught_up", "reload"):
            sub.ready.set()
        return
    if seq in sub.received:
        sub.duplicates += 1
        return
    sub.received[seq] = arrived
    sub.max_seq = max(sub.max_seq, seq)
    if seq not in state.seq_start and state.pending_start is not None:
        state.seq_start[seq] = state.pending_start
    state.progress.set()


async def _subscribe(
    sub: Subscriber,
    state: ListState,
    *,
    connect_sem: asyncio.Semaphore,
    client: str,
    frames: list[int],
):
    headers = {**auth_headers(sub.session_key, htmx=False), "Origin": sub.origin}
    headers.pop("X-CSRFToken")
    catch_up = json.dumps({"type": "catch_up", "last_seq": state.base_seq})
    async with connect_sem:
        if client == "lean":
            sock = await wsclient.connect(
                sub.ws_url,
                headers=headers,
                on_text=lambda text, arrived: _on_frame(sub, state, frames, text, arrived),
            )
            sock.send_text(catch_up)
            return sock
        ws = await websockets.connect(
            sub.ws_url,
            additional_headers=headers,
            open_timeout=30,
            ping_interval=None,
            max_size=2**22,
            compression=None,
        )
        await ws.send(catch_up)
    return ws


async def _read(ws, sub: Subscriber, state: ListState, frames: list[int]) -> None:
    try:
        if isinstance(ws, wsclient.LeanSocket):
            await asyncio.shield(ws.closed)  # the frames are read by its callback
            sub.closed_code = ws.close_code
            return
        async for raw in ws:
            _on_frame(sub, state, frames, raw, time.perf_counter())
    except websockets.ConnectionClosed as closed:
        sub.closed_code = closed.rcvd.code if closed.rcvd else None
    finally:
        sub.ready.set()


async def _write(
    state: ListState, http: httpclient.LeanClient | httpx.AsyncClient, counter: list[int]
) -> tuple:
    """One add or check on the list; returns (kind, status, seconds)."""
    headers = auth_headers(state.writer_session)
    if state.needed_items and random.random() < 0.5:
        kind = "check"
        item_id = state.needed_items.pop()
        path = url_or_none("lists:item_status", list_id=state.list_id, item_id=item_id)
        data = {"status": "purchased"}
    else:
        kind = "add"
        counter[0] += 1
        path = url_or_none("lists:item_add", list_id=state.list_id)
        data = {"text": f"1 propagation item {counter[0]}"}
    start = time.perf_counter()
    state.pending_start = start
    state.progress.clear()
    response = await http.post(path, data=data, headers=headers)
    return kind, response.status_code, time.perf_counter() - start, start


async def _settle(state: ListState, before: int, deadline: float) -> bool:
    """Wait until every subscriber has every seq newer than `before` that anyone got."""
    while True:
        newer = [seq for seq in state.seq_start if seq > before]
        if newer:
            top = max(newer)
            if all(sub.max_seq >= top or sub.closed_code is not None for sub in state.subscribers):
                return True
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return False
        state.progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.progress.wait(), timeout=remaining)


async def _run(
    *,
    web_urls: list[str],
    lists: list[ListState],
    write_rate: float,
    duration: float,
    client: str = "lean",
) -> dict:
    connect_sem = asyncio.Semaphore(50)
    frames = [0]
    subscribers = [sub for state in lists for sub in state.subscribers]
    by_list = {state.list_id: state for state in lists}
    started = time.perf_counter()
    sockets = await asyncio.gather(
        *(
            _subscribe(
                sub, by_list[sub.list_id], connect_sem=connect_sem, client=client, frames=frames
            )
            for sub in subscribers
        ),
        return_exceptions=True,
    )
    failed = [error for error in sockets if isinstance(error, BaseException)]
    readers = [
        asyncio.create_task(_read(ws, sub, by_list[sub.list_id], frames))
        for ws, sub in zip(sockets, subscribers, strict=True)
        if not isinstance(ws, BaseException)
    ]
    await asyncio.wait_for(
        asyncio.gather(
            *(
                sub.ready.wait()
                for ws, sub in zip(sockets, subscribers, strict=True)
                if not isinstance(ws, BaseException)
            )
        ),
        timeout=max(120.0, len(subscribers) * 0.06),
    )
    connect_seconds = time.perf_counter() - started

    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    clients = [httpclient.async_client(base_url=url, timeout=30, limits=limits) for url in web_urls]
    monitor = LagMonitor()
    monitor.start()
    frames_before, cpu_before = frames[0], client_cpu_seconds()
    write_times: list[float] = []
    statuses: dict[str, int] = {}
    late_writes = 0
    skipped = 0
    counter = [0]
    busy: set[str] = set()
    tasks: set[asyncio.Task] = set()

    async def one_write(state: ListState) -> None:
        nonlocal late_writes
        before = max((sub.max_seq for sub in state.subscribers), default=state.base_seq)
        before = max(before, max(state.seq_start, default=state.base_seq))
        http = random.choice(clients)
        try:
            kind, status, seconds, start = await _write(state, http, counter)
            statuses[f"{kind} {status}"] = statuses.get(f"{kind} {status}", 0) + 1
            write_times.append(seconds)
            if 200 <= status < 300 and not await _settle(state, before, start + EVENT_TIMEOUT):
                late_writes += 1
        except httpx.HTTPError as error:
            statuses[type(error).__name__] = statuses.get(type(error).__name__, 0) + 1
        finally:
            state.pending_start = None
            busy.discard(state.list_id)

    interval = 1.0 / write_rate
    next_at = time.perf_counter()
    stop_at = next_at + duration
    while next_at < stop_at:
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        next_at += interval
        idle = [state for state in lists if state.list_id not in busy]
        if not idle:
            skipped += 1
            continue
        state = random.choice(idle)
        busy.add(state.list_id)
        task = asyncio.create_task(one_write(state))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=EVENT_TIMEOUT + 35)
    lag = await monitor.stop()
    client_cpu = client_cpu_seconds() - cpu_before
    received = frames[0] - frames_before
    for http in clients:
        await http.aclose()
    await asyncio.sleep(0.5)  # stragglers
    closes = await asyncio.gather(
        *(ws.close() for ws in sockets if not isinstance(ws, BaseException)),
        return_exceptions=True,
    )
    del closes
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return {
        "connect_failures": len(failed),
        "first_connect_errors": [repr(error) for error in failed[:3]],
        "connect_seconds": round(connect_seconds, 2),
        "writes": sum(statuses.values()),
        "write_statuses": statuses,
        "write_http_ms": summary_ms(write_times),
        "late_writes": late_writes,
        "skipped_ticks": skipped,
        "client_loop_lag_ms": lag,
        "client": client,
        # This process's CPU (subscribers, writers' HTTP clients, the scheduler) per frame
        # received while the writes ran: the bench's own share of the two cores.
        "client_cpu_us_per_frame": round(client_cpu / received * 1e6, 1) if received else None,
        # The same CPU per write: with 5 subscribers a list, mostly the writers' HTTP client.
        "client_cpu_ms_per_write": round(client_cpu / len(write_times) * 1e3, 2)
        if write_times
        else None,
    }


def measure(
    *,
    web_urls: list[str],
    clients: int,
    families: int,
    write_rate: float,
    duration: float,
    seed_items: int = 20,
    client: str = "lean",
) -> dict:
    if websocket_path("00000000-0000-0000-0000-000000000000") is None:
        return {"skipped": "the list socket is not on this branch yet"}
    if url_or_none("lists:item_add", list_id="00000000-0000-0000-0000-000000000000") is None:
        return {"skipped": "the item endpoints are not on this branch yet"}
    from lists.models import GroceryList, ListItem

    from . import seed

    per_family = max(1, -(-clients // families))
    seeded = seed.families(
        tag="prop", count=families, members_per_family=per_family, items_per_list=seed_items
    )
    list_ids = [family.list_ids[0] for family in seeded]
    seqs = {
        str(k): v
        for k, v in GroceryList.objects.filter(pk__in=list_ids).values_list("id", "last_seq")
    }
    needed: dict[str, list[str]] = {list_id: [] for list_id in list_ids}
    for item_id, list_id in ListItem.objects.filter(
        grocery_list_id__in=list_ids, status="needed"
    ).values_list("id", "grocery_list_id"):
        needed[str(list_id)].append(str(item_id))
    states = []
    made = 0
    for family in seeded:
        list_id = family.list_ids[0]
        state = ListState(
            list_id=list_id,
            writer_session=family.members[0].session_key,
            base_seq=seqs[list_id],
            needed_items=needed[list_id],
        )
        for member in family.members:
            if made >= clients:
                break
            base = web_urls[made % len(web_urls)]
            state.subscribers.append(
                Subscriber(
                    list_id=list_id,
                    session_key=member.session_key,
                    ws_url=base.replace("http://", "ws://") + websocket_path(list_id),
                    origin=base,
                )
            )
            made += 1
        states.append(state)

    result = asyncio.run(
        _run(
            web_urls=web_urls,
            lists=states,
            write_rate=write_rate,
            duration=duration,
            client=client,
        )
    )

    final = {
        str(k): v
        for k, v in GroceryList.objects.filter(pk__in=list_ids).values_list("id", "last_seq")
    }
    samples: list[float] = []
    expected = received = lost = duplicates = unattributed = 0
    for state in states:
        for sub in state.subscribers:
            want = set(range(state.base_seq + 1, final[state.list_id] + 1))
            expected += len(want)
            got = set(sub.received)
            received += len(got & want)
            lost += len(want - got)
            duplicates += sub.duplicates
            for seq, arrived in sub.received.items():
                start = state.seq_start.get(seq)
                if start is None:
                    unattributed += 1
                else:
                    samples.append(arrived - start)
    result.update(
        {
            "clients": sum(len(state.subscribers) for state in states),
            "families": families,
            "write_rate": write_rate,
            "duration_s": duration,
            "events_expected": expected,
            "events_received": received,
            "events_lost": lost,
            "duplicates": duplicates,
            "unattributed": unattributed,
            "latency_ms": summary_ms(samples),
        }
    )
    return result
