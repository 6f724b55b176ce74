"""Sequential: one member adds items one after the other while others watch the list.

The shape of the side-by-side comparison in the issue that set the latency targets: one
writer sends the add form as the list page does (htmx POST with the session cookie, the
CSRF token, the form's idempotency key and htmx's headers), and 1 / 50 / 200 listeners,
logged in as other members of the same family, sit on the list page's socket as the page
connects it (Origin, session cookie, `catch_up` then `caught_up`), spread over the daphne
processes. For each add the samples are the writer's HTTP time, and for every listener
the time from the start of the request to the moment it has the event.

The writer's adds rotate over a few members of the family that do not listen, each
well under the per-member write limit (`lists.access.LIST_WRITE_RATE`, 300 per 5
minutes): a single member would be refused (429) from the 301st add on.

The next add starts when the previous one has reached every listener (or after
EVENT_TIMEOUT), so each add meets an idle server. The first WARMUP adds of each size are
not sampled (connections, caches). Lost events are counted against the database: every
listener must have every seq from the list's seq at connect to its final `last_seq`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass, field

import websockets

from . import httpclient, wsclient
from .stats import client_cpu_seconds, summary_ms
from .web import CSRF_TOKEN, auth_headers, url_or_none, websocket_path
from .writerproc import RemoteWriter

SIZES = ((1, 500), (50, 500), (200, 200))  # (listeners, adds)
SMOKE_SIZES = ((1, 10), (5, 10))
FLOOR_REQUESTS = 300
SMOKE_FLOOR_REQUESTS = 20
EVENT_TIMEOUT = 5.0
WARMUP = 5


def writes_per_writer() -> int:
    """Adds one writing member may send in a run: a margin under the list write limit."""
    from lists.access import LIST_WRITE_RATE

    return int(LIST_WRITE_RATE.split("/")[0]) * 2 // 3


def writers_needed(adds: int) -> int:
    return -(-(adds + WARMUP) // writes_per_writer())


@dataclass
class Listener:
    ws_url: str
    origin: str
    session_key: str
    received: dict[int, float] = field(default_factory=dict)
    duplicates: int = 0
    closed_code: int | None = None
    error: str | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Waiting:
    """The add whose event the listeners are waiting for."""

    seq: int
    remaining: int
    done: asyncio.Event = field(default_factory=asyncio.Event)


def _on_frame(listener: Listener, state: dict, text: str, arrived: float) -> None:
    """One whole text frame from the server, complete at `arrived` (perf_counter)."""
    state["frames"] += 1
    seq = wsclient.event_seq(text)
    if seq is None:
        if json.loads(text).get("type") in ("caught_up", "reload"):
            listener.ready.set()
        return
    if seq in listener.received:
        listener.duplicates += 1
        return
    listener.received[seq] = arrived
    waiting: Waiting | None = state.get("waiting")
    if waiting is not None and seq == waiting.seq:
        waiting.remaining -= 1
        if waiting.remaining <= 0:
            waiting.done.set()


async def _listen(listener: Listener, base_seq: int, state: dict, *, client: str) -> None:
    headers = {**auth_headers(listener.session_key, htmx=False), "Origin": listener.origin}
    headers.pop("X-CSRFToken")
    catch_up = json.dumps({"type": "catch_up", "last_seq": base_seq})
    try:
        if client == "lean":
            sock = await wsclient.connect(
                listener.ws_url,
                headers=headers,
                on_text=lambda text, arrived: _on_frame(listener, state, text, arrived),
            )
            try:
                sock.send_text(catch_up)
                await asyncio.shield(sock.closed)
                listener.closed_code = sock.close_code  # closed by the server
            finally:
                if not sock.closed.done():
                    await sock.close()
        else:
            async with websockets.connect(
                listener.ws_url,
                additional_headers=headers,
                open_timeout=30,
                ping_interval=None,
                max_size=2**22,
                compression=None,
            ) as ws:
                await ws.send(catch_up)
                async for raw in ws:
                    _on_frame(listener, state, raw, time.perf_counter())
                listener.closed_code = ws.close_code or 1000  # closed by the server
    except websockets.ConnectionClosed as closed:
        listener.closed_code = closed.rcvd.code if closed.rcvd else 1006
    except (OSError, TimeoutError, websockets.InvalidHandshake) as error:
        listener.error = repr(error)
    finally:
        if listener.closed_code is None:
            listener.closed_code = 1000 if listener.error is None else 0
        listener.ready.set()
        waiting = state.get("waiting")
        if waiting is not None and listener.received.get(waiting.seq) is None:
            # No longer listening: the add in flight must not wait for this one.
            waiting.remaining -= 1
            if waiting.remaining <= 0:
                waiting.done.set()


async def _run_size(
    *, web_urls, family, base_seq: int, adds: int, client: str, writer: str
) -> dict:
    list_id = family.list_ids[0]
    count = writers_needed(adds)
    writers, others = family.members[:count], family.members[count:]
    listeners = [
        Listener(
            ws_url=web_urls[i % len(web_urls)].replace("http://", "ws://")
            + websocket_path(list_id),
            origin=web_urls[i % len(web_urls)],
            session_key=member.session_key,
        )
        for i, member in enumerate(others)
    ]
    state: dict = {"waiting": None, "frames": 0}
    readers = [
        asyncio.create_task(_listen(lst, base_seq, state, client=client)) for lst in listeners
    ]
    started = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(lst.ready.wait() for lst in listeners)),
        timeout=max(60.0, len(listeners) * 0.3),
    )
    connect_seconds = time.perf_counter() - started
    # Presence frames of the last joins are still fanning out: let them settle.
    await asyncio.sleep(1.0)

    path = url_or_none("lists:item_add", list_id=list_id)
    page_headers = {
        "HX-Current-URL": f"{web_urls[0]}{url_or_none('lists:detail', list_id=list_id)}",
        "HX-Target": "add-errors",
        "HX-Trigger": "add-form",
    }
    writer_headers = [{**auth_headers(writer.session_key), **page_headers} for writer in writers]
    writer_ms: list[float] = []
    starts: dict[int, float] = {}  # seq -> its add's start, for the sampled adds
    statuses: dict[str, int] = {}
    late = late_warmup = 0
    seq = base_seq
    frames_before, cpu_before = state["frames"], client_cpu_seconds()
    async with contextlib.AsyncExitStack() as resources:
        if writer == "process":
            remote = await RemoteWriter.start(web_urls[0])
            resources.push_async_callback(remote.close)
            post = remote.post
        else:
            http = await resources.enter_async_context(
                httpclient.async_client(base_url=web_urls[0], timeout=30)
            )

            async def post(path, *, data, headers):
                start = time.perf_counter()
                response = await http.post(path, data=data, headers=headers)
                return start, time.perf_counter() - start, response.status_code

        for n in range(adds + WARMUP):
            if n == WARMUP:
                frames_before, cpu_before = state["frames"], client_cpu_seconds()
            seq += 1
            open_listeners = sum(1 for lst in listeners if lst.closed_code is None)
            waiting = state["waiting"] = Waiting(seq=seq, remaining=open_listeners)
            data = {
                "csrfmiddlewaretoken": CSRF_TOKEN,
                "text": f"2 sequential item {n}",
                "idempotency_key": str(uuid.uuid4()),
            }
            headers = writer_headers[n % len(writer_headers)]
            start, elapsed, status = await post(path, data=data, headers=headers)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status != 200:
                seq -= 1  # no event for a failed add
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    waiting.done.wait(),
                    timeout=max(0.01, start + EVENT_TIMEOUT - time.perf_counter()),
                )
            if n < WARMUP:
                late_warmup += not waiting.done.is_set()
                continue
            late += not waiting.done.is_set()
            writer_ms.append(elapsed)
            starts[seq] = start
    state["waiting"] = None
    client_cpu = client_cpu_seconds() - cpu_before
    frames = state["frames"] - frames_before
    await asyncio.sleep(0.3)  # stragglers
    # Taken at the end, not when the add stopped waiting: an event that came after
    # EVENT_TIMEOUT counts with its real delay (it used to be left out, which capped the
    # samples just under EVENT_TIMEOUT).
    samples = [
        lst.received[seq] - start
        for seq, start in starts.items()
        for lst in listeners
        if seq in lst.received
    ]
    closed = [lst for lst in listeners if lst.closed_code is not None]
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return {
        "listeners": len(listeners),
        "writers": len(writers),
        "adds": adds,
        "warmup_adds": WARMUP,
        "connect_seconds": round(connect_seconds, 2),
        "statuses": statuses,
        "writer_http_ms": summary_ms(writer_ms),
        "propagation_ms": summary_ms(samples),
        "client": client,
        "writer": writer,
        # This process's CPU (the listeners, and the writer's HTTP client when inline) per
        # frame received during the sampled adds: the bench's own share of the two cores.
        "client_cpu_us_per_frame": round(client_cpu / frames * 1e6, 1) if frames else None,
        # The same CPU per sampled add.
        "client_cpu_ms_per_add": round(client_cpu / len(writer_ms) * 1e3, 2) if writer_ms else None,
        "late_adds": late,
        "late_warmup_adds": late_warmup,
        "closed_early": len(closed),
        "close_codes": sorted({lst.closed_code for lst in closed}),
        "first_errors": [lst.error for lst in closed if lst.error][:3],
        "_listeners": listeners,
    }


async def _stack_floor(*, web_url: str, requests: int) -> dict:
    """The same client asking daphne for `/healthz`, one request after the other.

    `/healthz` goes through the whole middleware stack and touches neither PostgreSQL
    nor Redis: what is left of an add's HTTP time once this is taken away is the add's
    own work (session, CSRF, the write, the event, the row).
    """
    samples: list[float] = []
    async with httpclient.async_client(base_url=web_url, timeout=30) as http:
        for n in range(requests + WARMUP):
            start = time.perf_counter()
            response = await http.get("/healthz")
            elapsed = time.perf_counter() - start
            response.raise_for_status()
            if n >= WARMUP:
                samples.append(elapsed)
    return {"requests": requests, "http_ms": summary_ms(samples)}


def measure(
    *,
    web_urls: list[str],
    sizes=SIZES,
    floor_requests: int = FLOOR_REQUESTS,
    client: str = "lean",
    writer: str = "process",
) -> dict:
    if websocket_path("00000000-0000-0000-0000-000000000000") is None:
        return {"skipped": "the list socket is not on this branch yet"}
    from lists.models import GroceryList

    from . import seed

    runs = []
    for listeners, adds in sizes:
        (family,) = seed.families(
            tag=f"seq{listeners}",
            count=1,
            members_per_family=writers_needed(adds) + listeners,
            items_per_list=20,
        )
        list_id = family.list_ids[0]
        base_seq = GroceryList.objects.values_list("last_seq", flat=True).get(pk=list_id)
        run = asyncio.run(
            _run_size(
                web_urls=web_urls,
                family=family,
                base_seq=base_seq,
                adds=adds,
                client=client,
                writer=writer,
            )
        )
        final = GroceryList.objects.values_list("last_seq", flat=True).get(pk=list_id)
        want = set(range(base_seq + 1, final + 1))
        listener_rows = run.pop("_listeners")
        run["events_expected"] = len(want) * len(listener_rows)
        run["events_lost"] = sum(len(want - set(lst.received)) for lst in listener_rows)
        run["duplicates"] = sum(lst.duplicates for lst in listener_rows)
        runs.append(run)
    floor = asyncio.run(_stack_floor(web_url=web_urls[0], requests=floor_requests))
    return {"runs": runs, "healthz_floor": floor}
