"""Churn: list pages that keep reconnecting while many people write to the same lists.

The shape of the storm that found the catch-up problems: `--churn-sockets` (200) list
page sockets over 6 lists of 3 families (tabs of 10 viewing members per family), spread
over the daphne processes, each one a client that behaves like live.js: it applies
events by seq, buffers one that arrives early and asks for a catch-up only if the
missing seq has not come within GAP_WAIT, sends a heartbeat every HEARTBEAT seconds and
catches up when the heartbeat's seq is ahead, and drops its socket and reconnects (with
`catch_up` from its last seq) after a random lifetime around `--churn-reconnect` (20)
seconds. Meanwhile `--churn-writers` (20) members write over HTTP as the page does (htmx
POSTs): adds (some of the same name at the same moment), status changes, and now and
then "clear purchased", for `--churn-seconds` (60).

All sockets connect and catch up first (at most 50 handshakes at a time); the run starts
once they are open. Sample: for every event and every socket that applies it, live or
replayed, the time from the start of the write request that caused it to the moment the
socket has it. A write is known by what its event carries (the added name; the item and
new status). Reported overall and per time slice of the run (by write start), so a
latency that grows through the run shows. Also counted: events replayed by catch-ups
against live deliveries, catch-ups asked for because of a gap, presence frames,
handshakes that failed, write answers by status (a 503 is a lost change), and at the
end, after a final catch-up, sockets whose seqs have a hole.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from dataclasses import dataclass, field

import httpx
import websockets

from . import httpclient
from .stats import summary_ms
from .web import auth_headers, url_or_none, websocket_path

FAMILIES = 3
LISTS_PER_FAMILY = 2
HEARTBEAT = 20.0  # seconds, as live.js by default
GAP_WAIT = 0.5  # seconds an early event waits for the one it skipped (live.js GAP_WAIT_MS)
SLICES = 6
VIEWERS_PER_FAMILY = 10  # members with the list open; the sockets are their tabs
NAMES = ["milk", "eggs", "bread", "apples", "rice", "coffee", "butter", "tea"]


@dataclass
class ListState:
    list_id: str
    # Attribution of events to the writes that caused them.
    starts: dict[tuple, float] = field(default_factory=dict)
    seq_start: dict[int, float] = field(default_factory=dict)
    needed: set[str] = field(default_factory=set)
    purchased: set[str] = field(default_factory=set)


@dataclass
class Counters:
    live: int = 0
    replayed: int = 0
    duplicates: int = 0
    gap_catch_ups: int = 0
    heartbeat_catch_ups: int = 0
    presence_frames: int = 0
    connects: int = 0
    handshake_failures: int = 0
    unexpected_closes: int = 0
    reloads: int = 0
    first_errors: list[str] = field(default_factory=list)


@dataclass
class Socket:
    list_id: str
    session_key: str
    ws_url: str
    origin: str
    last_seq: int
    arrivals: dict[int, float] = field(default_factory=dict)


def _event_key(message: dict) -> tuple | None:
    payload = message.get("payload") or {}
    if message.get("event_type") == "item.added":
        return ("add", payload.get("name"))
    if message.get("event_type") == "item.status_changed":
        return ("status", payload.get("item_id"), payload.get("status"))
    return None  # "clear purchased" is not sampled


def _note_event(state: ListState, message: dict) -> None:
    """First sight of an event anywhere: attribute it, and learn the list's items."""
    seq = message["seq"]
    if seq not in state.seq_start:
        key = _event_key(message)
        start = state.starts.pop(key, None) if key else None
        if start is not None:
            state.seq_start[seq] = start
    payload = message.get("payload") or {}
    item_id = message.get("item_id")
    kind = message.get("event_type")
    if kind == "item.added" and item_id:
        state.needed.add(item_id)
    elif kind == "item.status_changed" and item_id:
        target = state.purchased if payload.get("status") == "purchased" else state.needed
        state.needed.discard(item_id)
        state.purchased.discard(item_id)
        target.add(item_id)
    elif kind == "items.cleared":
        for cleared in payload.get("item_ids") or []:
            state.purchased.discard(cleared)


async def _socket_life(
    sock: Socket,
    state: ListState,
    counters: Counters,
    clock: dict[str, float],
    *,
    reconnect: float,
    first_connect: asyncio.Semaphore,
    ready: asyncio.Event,
) -> None:
    """Connect, catch up, apply events like live.js, drop after a while; again until the end.

    The first connect (before the writers start) goes through `first_connect`, so the
    run starts from open pages rather than from a stampede of handshakes.
    """
    headers = {**auth_headers(sock.session_key, htmx=False), "Origin": sock.origin}
    headers.pop("X-CSRFToken")
    # The first drops are spread over the reconnect period, as in a running system.
    offset = random.uniform(0, reconnect)
    first = True
    while time.perf_counter() < clock["stop_at"]:
        try:
            if first:
                async with first_connect:
                    ws = await _connect(sock, headers)
            else:
                ws = await _connect(sock, headers)
        except Exception as error:
            counters.handshake_failures += 1
            if len(counters.first_errors) < 3:
                counters.first_errors.append(repr(error))
            await asyncio.sleep(0.5)
            continue
        counters.connects += 1
        if first:
            first = False

            def drop_at() -> float:
                return min(clock["stop_at"], clock["start"] + offset)
        else:
            until = min(
                clock["stop_at"], time.perf_counter() + random.uniform(0.5, 1.5) * reconnect
            )

            def drop_at(until=until) -> float:
                return until

        await _session(ws, sock, state, counters, drop_at=drop_at, ready=ready)
        ready.set()
        with contextlib.suppress(Exception):
            await ws.close()


async def _connect(sock: Socket, headers: dict[str, str]):
    return await websockets.connect(
        sock.ws_url,
        additional_headers=headers,
        open_timeout=30,
        ping_interval=None,
        max_size=2**22,
        compression=None,
    )


async def _session(
    ws, sock: Socket, state: ListState, counters: Counters, *, drop_at, ready: asyncio.Event
):
    early: dict[int, dict] = {}
    catching_up = False
    # Behind this seq (an early event, or the heartbeat's seq) since gap_deadline - GAP_WAIT.
    behind = 0
    gap_deadline: float | None = None
    next_beat = time.perf_counter() + HEARTBEAT

    async def catch_up() -> None:
        nonlocal catching_up
        catching_up = True
        await ws.send(json.dumps({"type": "catch_up", "last_seq": sock.last_seq}))

    def apply(message: dict, *, replayed: bool) -> None:
        sock.last_seq = message["seq"]
        sock.arrivals.setdefault(message["seq"], time.perf_counter())
        if replayed:
            counters.replayed += 1
        else:
            counters.live += 1

    await catch_up()
    while True:
        now = time.perf_counter()
        until = drop_at()
        if now >= until:
            return
        wake = min(until, next_beat, gap_deadline or until, now + 1.0)
        if gap_deadline is not None and now >= gap_deadline:
            gap_deadline = None
            if behind > sock.last_seq and not catching_up:
                if early:
                    counters.gap_catch_ups += 1
                else:
                    counters.heartbeat_catch_ups += 1
                await catch_up()
            continue
        if now >= next_beat:
            next_beat = now + HEARTBEAT
            await ws.send(json.dumps({"type": "heartbeat"}))
            continue
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout=max(0.001, wake - now))
        except TimeoutError:
            continue
        except websockets.ConnectionClosed:
            counters.unexpected_closes += 1
            return
        message = json.loads(raw)
        kind = message.get("type")
        if kind == "event":
            _note_event(state, message)
            seq = message["seq"]
            if seq <= sock.last_seq:
                counters.duplicates += 1
                continue
            if seq > sock.last_seq + 1:
                early[seq] = message
                behind = max(behind, seq)
                if gap_deadline is None:
                    gap_deadline = time.perf_counter() + GAP_WAIT
                continue
            apply(message, replayed=catching_up)
            while sock.last_seq + 1 in early:
                apply(early.pop(sock.last_seq + 1), replayed=catching_up)
            for old in [s for s in early if s <= sock.last_seq]:
                del early[old]
            if not early and behind <= sock.last_seq:
                gap_deadline = None
        elif kind == "caught_up":
            catching_up = False
            early.clear()
            gap_deadline = None
            ready.set()
        elif kind == "presence":
            counters.presence_frames += 1
        elif kind == "heartbeat":
            seq = message.get("seq")
            if isinstance(seq, int) and seq > sock.last_seq:
                behind = max(behind, seq)
                if gap_deadline is None:
                    gap_deadline = time.perf_counter() + GAP_WAIT
        elif kind == "reload":
            counters.reloads += 1
            return


async def _writer(
    writer_id: int,
    session_key: str,
    state: ListState,
    http: httpclient.LeanClient | httpx.AsyncClient,
    statuses: dict[str, int],
    write_times: list[float],
    *,
    stop_at: float,
) -> None:
    headers = auth_headers(session_key)
    n = 0
    while time.perf_counter() < stop_at:
        n += 1
        roll = random.random()
        if roll < 0.05 and state.purchased:
            kind = "clear"
            path = url_or_none("lists:items_clear_purchased", list_id=state.list_id)
            data: dict[str, str] = {}
            key: tuple | None = None
        elif roll < 0.45 and (state.needed or state.purchased):
            kind = "status"
            pool = state.needed if state.needed and random.random() < 0.7 else state.purchased
            if not pool:
                pool = state.needed or state.purchased
            item_id = random.choice(sorted(pool))
            status = "needed" if item_id in state.purchased else "purchased"
            path = url_or_none("lists:item_status", list_id=state.list_id, item_id=item_id)
            data = {"status": status}
            key = ("status", item_id, status)
        else:
            kind = "add"
            # A shared name now and then: two people adding "milk" at the same moment.
            name = random.choice(NAMES) if random.random() < 0.2 else f"churn w{writer_id}n{n}"
            path = url_or_none("lists:item_add", list_id=state.list_id)
            data = {"text": name, "idempotency_key": str(uuid.uuid4())}
            key = ("add", name)
        start = time.perf_counter()
        if key is not None:
            # The newest write with this key is the one whose event is still to come.
            state.starts[key] = start
        try:
            response = await http.post(path, data=data, headers=headers)
            label = f"{kind} {response.status_code}"
        except httpx.HTTPError as error:
            label = f"{kind} {type(error).__name__}"
        write_times.append(time.perf_counter() - start)
        statuses[label] = statuses.get(label, 0) + 1
        await asyncio.sleep(random.uniform(0.1, 0.4))


async def _run(
    *, web_urls: list[str], states: list[ListState], sockets: list[Socket], writers, args
) -> dict:
    counters = Counters()
    by_list = {state.list_id: state for state in states}
    clock = {"start": float("inf"), "stop_at": float("inf")}
    first_connect = asyncio.Semaphore(50)
    readies = [asyncio.Event() for _ in sockets]
    socket_tasks = [
        asyncio.create_task(
            _socket_life(
                sock,
                by_list[sock.list_id],
                counters,
                clock,
                reconnect=args["reconnect"],
                first_connect=first_connect,
                ready=ready,
            )
        )
        for sock, ready in zip(sockets, readies, strict=True)
    ]
    warm_up = time.perf_counter()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readies)), timeout=120)
    warm_up = time.perf_counter() - warm_up
    counters.presence_frames = 0  # the run's, not the first connects'
    clock["start"] = begin = time.perf_counter()
    clock["stop_at"] = begin + args["seconds"]
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    clients = [httpclient.async_client(base_url=url, timeout=30, limits=limits) for url in web_urls]
    statuses: dict[str, int] = {}
    write_times: list[float] = []
    writer_tasks = [
        asyncio.create_task(
            _writer(
                n,
                session_key,
                by_list[list_id],
                clients[n % len(clients)],
                statuses,
                write_times,
                stop_at=clock["stop_at"],
            )
        )
        for n, (session_key, list_id) in enumerate(writers)
    ]
    await asyncio.gather(*writer_tasks)
    await asyncio.gather(*socket_tasks, return_exceptions=True)
    for http in clients:
        await http.aclose()
    return {
        "begin": begin,
        "warm_up_s": round(warm_up, 2),
        "counters": counters,
        "write_statuses": statuses,
        "write_http_ms": summary_ms(write_times),
    }


async def _final_catch_up(sockets: list[Socket]) -> None:
    """Every socket connects once more and catches up (replays are not sampled)."""
    sem = asyncio.Semaphore(50)

    async def one(sock: Socket) -> bool:
        headers = {**auth_headers(sock.session_key, htmx=False), "Origin": sock.origin}
        headers.pop("X-CSRFToken")
        async with (
            sem,
            websockets.connect(
                sock.ws_url, additional_headers=headers, open_timeout=30, ping_interval=None
            ) as ws,
        ):
            await ws.send(json.dumps({"type": "catch_up", "last_seq": sock.last_seq}))
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "event" and message["seq"] == sock.last_seq + 1:
                    sock.last_seq = message["seq"]
                elif message.get("type") in ("caught_up", "reload"):
                    break

    await asyncio.gather(*(one(sock) for sock in sockets), return_exceptions=True)


def measure(
    *,
    web_urls: list[str],
    sockets: int,
    writers: int,
    seconds: float,
    reconnect: float,
) -> dict:
    if websocket_path("00000000-0000-0000-0000-000000000000") is None:
        return {"skipped": "the list socket is not on this branch yet"}
    from lists.models import GroceryList, ListItem

    from . import seed

    writers_per_family = -(-writers // FAMILIES)
    per_family = writers_per_family + VIEWERS_PER_FAMILY
    seeded = seed.families(
        tag="churn",
        count=FAMILIES,
        members_per_family=per_family,
        lists_per_family=LISTS_PER_FAMILY,
        items_per_list=10,
    )
    list_ids = [list_id for family in seeded for list_id in family.list_ids]
    seqs = dict(
        GroceryList.objects.filter(pk__in=list_ids).values_list("id", "last_seq").iterator()
    )
    seqs = {str(k): v for k, v in seqs.items()}
    states = {list_id: ListState(list_id=list_id) for list_id in list_ids}
    for item_id, list_id, status in ListItem.objects.filter(
        grocery_list_id__in=list_ids
    ).values_list("id", "grocery_list_id", "status"):
        target = states[str(list_id)].purchased if status == "purchased" else None
        (target if target is not None else states[str(list_id)].needed).add(str(item_id))
    writer_list: list[tuple[str, str]] = []
    viewers: list[tuple[str, str]] = []  # (session, list), one per viewing member
    for family in seeded:
        for i, member in enumerate(family.members):
            list_id = family.list_ids[i % len(family.list_ids)]
            if i < writers_per_family:
                if len(writer_list) < writers:
                    writer_list.append((member.session_key, list_id))
            else:
                viewers.append((member.session_key, list_id))
    # Several tabs per member (phone and laptop, two windows): a reconnecting tab of
    # someone who is still viewing changes nobody's presence.
    socks: list[Socket] = []
    for n in range(sockets):
        session_key, list_id = viewers[n % len(viewers)]
        base = web_urls[n % len(web_urls)]
        socks.append(
            Socket(
                list_id=list_id,
                session_key=session_key,
                ws_url=base.replace("http://", "ws://") + websocket_path(list_id),
                origin=base,
                last_seq=seqs[list_id],
            )
        )
    base_seq = dict(seqs)
    outcome = asyncio.run(
        _run(
            web_urls=web_urls,
            states=list(states.values()),
            sockets=socks,
            writers=writer_list,
            args={"seconds": seconds, "reconnect": reconnect},
        )
    )
    asyncio.run(_final_catch_up(socks))
    final = {
        str(k): v
        for k, v in GroceryList.objects.filter(pk__in=list_ids).values_list("id", "last_seq")
    }
    begin = outcome["begin"]
    slice_s = seconds / SLICES
    samples: list[float] = []
    by_slice: list[list[float]] = [[] for _ in range(SLICES)]
    behind = 0
    for sock in socks:
        state = states[sock.list_id]
        behind += sock.last_seq != final[sock.list_id]
        for seq, arrived in sock.arrivals.items():
            start = state.seq_start.get(seq)
            if start is None:
                continue
            samples.append(arrived - start)
            index = min(SLICES - 1, max(0, int((start - begin) // slice_s)))
            by_slice[index].append(arrived - start)
    counters: Counters = outcome["counters"]
    return {
        "sockets": len(socks),
        "writers": len(writer_list),
        "lists": len(list_ids),
        "seconds": seconds,
        "reconnect_s": reconnect,
        "warm_up_s": outcome["warm_up_s"],
        "writes": sum(outcome["write_statuses"].values()),
        "write_statuses": outcome["write_statuses"],
        "writes_5xx": sum(
            count
            for label, count in outcome["write_statuses"].items()
            if label.split()[-1].startswith("5")
        ),
        "write_http_ms": outcome["write_http_ms"],
        "events": sum(final[list_id] - base_seq[list_id] for list_id in list_ids),
        "latency_ms": summary_ms(samples),
        "latency_by_slice_ms": [
            {"from_s": round(i * slice_s, 1), **summary_ms(values)}
            for i, values in enumerate(by_slice)
        ],
        "live_deliveries": counters.live,
        "replayed_by_catch_up": counters.replayed,
        "duplicates_dropped": counters.duplicates,
        "gap_catch_ups": counters.gap_catch_ups,
        "heartbeat_catch_ups": counters.heartbeat_catch_ups,
        "presence_frames": counters.presence_frames,
        "connects": counters.connects,
        "handshake_failures": counters.handshake_failures,
        "first_handshake_errors": counters.first_errors,
        "unexpected_closes": counters.unexpected_closes,
        "reloads": counters.reloads,
        "sockets_behind_after_final_catch_up": behind,
    }
