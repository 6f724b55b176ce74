"""Daphne's own CPU per request, read from /proc: what the server spends, not the client.

    python -m bench.probe healthz --requests 1000
    python -m bench.probe add --requests 400 --listeners 1
    python -m bench.probe add --requests 400 --py-spy /tmp/add.txt   # where daphne's time goes

One daphne of the production shape (no Celery workers), PostgreSQL and Redis. Requests go
one after the other from the bench's lean keep-alive client; `--listeners N` sockets sit on
the list as pages do, on the same daphne, so its CPU includes the fan-out; the next
request starts once every socket has the event. Daphne's CPU is
the difference of utime + stime in /proc/<pid>/stat over the sampled requests, which the
machine's load moves far less than wall times (bench/README.md, "The HTTP stack under
daphne"). `--py-spy FILE` records daphne with py-spy (raw, folded stacks) meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import time
import uuid

from . import httpclient, wsclient
from .stack import VENV_BIN, Stack
from .stats import summary_ms
from .web import CSRF_TOKEN, auth_headers, url_or_none, websocket_path

WARMUP = 20


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _probe(
    *,
    web_url: str,
    socket_urls: list[str],
    pids: list[int],
    what: str,
    requests: int,
    family,
    listeners: int,
):
    list_id = family.list_ids[0]
    writers = family.members[listeners:]
    received = asyncio.Event()
    waiting = {"remaining": 0}
    sockets = []
    for n, member in enumerate(family.members[:listeners]):
        socket_url = socket_urls[n % len(socket_urls)]
        headers = {**auth_headers(member.session_key, htmx=False), "Origin": socket_url}
        headers.pop("X-CSRFToken")

        def on_text(text: str, arrived: float) -> None:
            if wsclient.event_seq(text) is not None:
                waiting["remaining"] -= 1
                if waiting["remaining"] <= 0:
                    received.set()

        sock = await wsclient.connect(
            socket_url.replace("http://", "ws://") + websocket_path(list_id),
            headers=headers,
            on_text=on_text,
        )
        sock.send_text(json.dumps({"type": "catch_up", "last_seq": 0}))
        sockets.append(sock)
    await asyncio.sleep(1.0)
    path = url_or_none("lists:item_add", list_id=list_id)
    page = {"HX-Current-URL": f"{web_url}{url_or_none('lists:detail', list_id=list_id)}"}
    wall: list[float] = []
    cpu_before: list[float] = []
    async with httpclient.async_client(base_url=web_url, timeout=30) as http:
        for n in range(requests + WARMUP):
            if n == WARMUP:
                cpu_before = [cpu_seconds(pid) for pid in pids]
            received.clear()
            waiting["remaining"] = len(sockets)
            start = time.perf_counter()
            if what == "healthz":
                response = await http.get("/healthz")
            else:
                writer = writers[n % len(writers)]
                response = await http.post(
                    path,
                    data={
                        "csrfmiddlewaretoken": CSRF_TOKEN,
                        "text": f"2 probe item {n}",
                        "idempotency_key": str(uuid.uuid4()),
                    },
                    headers={**auth_headers(writer.session_key), **page},
                )
            elapsed = time.perf_counter() - start
            response.raise_for_status()
            if sockets and what != "healthz":
                await asyncio.wait_for(received.wait(), timeout=5)
            if n >= WARMUP:
                wall.append(elapsed)
        cpu = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before, strict=True)]
    for sock in sockets:
        await sock.close()
    return {
        "what": what,
        "requests": requests,
        "listeners": listeners,
        # The writer's daphne first.
        "daphne_cpu_ms_per_request": [round(c / requests * 1e3, 2) for c in cpu],
        "http_ms": summary_ms(wall),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.probe")
    parser.add_argument("what", choices=["healthz", "add"])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--listeners", type=int, default=0)
    parser.add_argument(
        "--listeners-on",
        choices=("same", "other", "both"),
        default="same",
        help="the writer's daphne, a second one, or both in turn (two daphnes but for same)",
    )
    parser.add_argument("--py-spy", help="record daphne with py-spy (raw format) to this file")
    args = parser.parse_args()
    processes = 1 if args.listeners_on == "same" else 2
    with Stack(web_processes=processes, whatsapp_workers=0) as stack:
        from lists.access import LIST_WRITE_RATE

        from . import seed

        per_writer = int(LIST_WRITE_RATE.split("/")[0]) * 2 // 3
        writers = -(-(args.requests + WARMUP) // per_writer)

        (family,) = seed.families(
            tag="probe",
            count=1,
            members_per_family=writers + args.listeners,
            items_per_list=20,
        )
        daphnes = [proc for proc in stack.procs if proc.name.startswith("daphne")]
        daphne = daphnes[0]
        socket_urls = {
            "same": stack.web_urls[:1],
            "other": stack.web_urls[1:],
            "both": stack.web_urls,
        }[args.listeners_on]
        spy = None
        if args.py_spy:
            spy = subprocess.Popen(
                [
                    str(VENV_BIN / "py-spy"),
                    "record",
                    "--format",
                    "raw",
                    "-o",
                    args.py_spy,
                    "--pid",
                    str(daphne.popen.pid),
                    "--gil",
                    "--rate",
                    "1000",
                ],
                stdout=subprocess.DEVNULL,
            )
            time.sleep(1.0)
        result = asyncio.run(
            _probe(
                web_url=stack.web_urls[0],
                socket_urls=socket_urls,
                pids=[proc.popen.pid for proc in daphnes],
                what=args.what,
                requests=args.requests,
                family=family,
                listeners=args.listeners,
            )
        )
        if spy is not None:
            spy.send_signal(2)
            spy.wait(timeout=30)
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
