"""`python -m bench`: start the production shape, measure, print a table, write JSON.

Parts (all by default): floor, sequential, propagation, churn, pages, api, writes, vendor.
A part whose app code is not on this branch reports "skipped" with the reason instead of
failing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from . import report, vendor
from .stack import BASE_DIR, REDIS_URL, Stack

PARTS = ("floor", "sequential", "propagation", "churn", "pages", "api", "writes", "vendor")
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--clients", type=int, default=1000, help="websocket clients (max 5000)")
    parser.add_argument("--families", type=int, default=200, help="families the clients span")
    parser.add_argument(
        "--duration", type=float, default=30.0, help="seconds of each sustained write run"
    )
    parser.add_argument(
        "--propagation-seconds", type=float, default=30.0, help="seconds of writes to sockets"
    )
    parser.add_argument("--write-rate", type=float, default=20.0, help="propagation writes/s")
    parser.add_argument("--churn-sockets", type=int, default=200, help="churn: list sockets")
    parser.add_argument("--churn-writers", type=int, default=20, help="churn: HTTP writers")
    parser.add_argument("--churn-seconds", type=float, default=60.0, help="churn: run length")
    parser.add_argument(
        "--churn-reconnect", type=float, default=20.0, help="churn: mean socket lifetime (s)"
    )
    parser.add_argument("--floor-count", type=int, default=2000, help="floor round trips")
    parser.add_argument("--page-repeats", type=int, default=30, help="timed requests per page")
    parser.add_argument("--shares", type=int, default=400, help="vendor deliveries per run")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}"
    )
    parser.add_argument("--worker-pool", default="prefork", help="Celery worker --pool")
    parser.add_argument("--worker-concurrency", type=int, default=4, help="Celery --concurrency")
    parser.add_argument(
        "--whatsapp-workers",
        type=int,
        default=2,
        help="WhatsApp send workers (production: worker-whatsapp); 0: the main worker sends",
    )
    parser.add_argument("--whatsapp-pool", default="threads", help="their Celery --pool")
    parser.add_argument(
        "--whatsapp-concurrency", type=int, default=4, help="their Celery --concurrency"
    )
    parser.add_argument(
        "--ws-client",
        choices=("lean", "websockets"),
        default="lean",
        help="listeners' WebSocket client: bench.wsclient, or the websockets library (before)",
    )
    parser.add_argument(
        "--http-client",
        choices=("lean", "httpx"),
        default="lean",
        help="writers' HTTP client: bench.httpclient, or httpx (before)",
    )
    parser.add_argument(
        "--sequential-writer",
        choices=("process", "inline"),
        default="process",
        help="sequential: the writer's HTTP client in a process of its own (bench/writerproc.py)"
        ", or on the listeners' event loop (before)",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds (CI)")
    parser.add_argument("--output", type=Path, help="JSON path (default bench/results/<time>)")
    parser.add_argument(
        "--py-spy", action="store_true", help="flame graphs of the servers per part (root)"
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the bench database")
    args = parser.parse_args(argv)
    if args.smoke:
        args.clients, args.families = 20, 4
        args.duration, args.propagation_seconds, args.write_rate = 2.0, 3.0, 5.0
        args.floor_count, args.page_repeats, args.shares = 50, 2, 20
        args.churn_sockets, args.churn_writers = 12, 3
        args.churn_seconds, args.churn_reconnect = 8.0, 3.0
        # Other checkouts run this in their suites: keep the worker small.
        args.worker_concurrency = min(args.worker_concurrency, 2)
        # No separate WhatsApp workers: the one worker serves their queue too.
        args.whatsapp_workers = 0
    if not 1 <= args.clients <= 5000:
        parser.error("--clients must be between 1 and 5000")
    if not 1 <= args.families <= args.clients:
        parser.error("--families must be between 1 and --clients")
    unknown = set(args.parts.split(",")) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    return args


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except Exception:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from . import httpclient

    httpclient.KIND = args.http_client
    parts = [part for part in PARTS if part in args.parts.split(",")]
    started = datetime.now(tz=UTC)
    results: dict = {
        "meta": {
            "started_at": started.isoformat(timespec="seconds"),
            "commit": _git_commit(),
            "smoke": args.smoke,
            "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            # The servers inherit this environment (grocer.env.redis_channel_layer).
            "channel_layer": os.environ.get("GROCER_CHANNEL_LAYER", "pubsub"),
            "python": platform.python_version(),
            "platform": platform.platform(),
        }
    }
    fake = None
    extra_env: dict[str, str] = {}
    if "vendor" in parts and vendor.available() is None:
        # Started before the stack: the worker learns the fake API's URL from its environment.
        fake = vendor.start_fake_graph()
        extra_env.update(vendor.fake_graph_env(fake))
    try:
        failed = _run_parts(args, parts, results, extra_env=extra_env, fake=fake)
    finally:
        if fake is not None:
            fake.__exit__(None, None, None)
    results["meta"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = report.targets(results)
    output = args.output or RESULTS_DIR / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(report.table(results))
    print(f"\nJSON written to {output}")
    return 1 if failed else 0


def _run_parts(args, parts: list[str], results: dict, *, extra_env: dict, fake) -> bool:
    """Start the stack, run each part in turn; True when a part failed."""
    failed = False
    with Stack(
        worker_pool=args.worker_pool,
        worker_concurrency=args.worker_concurrency,
        whatsapp_workers=args.whatsapp_workers,
        whatsapp_pool=args.whatsapp_pool,
        whatsapp_concurrency=args.whatsapp_concurrency,
        extra_env=extra_env,
        keep_database=args.keep_db,
    ) as stack:
        results["meta"]["stack"] = {
            "settings": stack.env["DJANGO_SETTINGS_MODULE"],
            "web": stack.web_urls,
            "worker": f"--pool={args.worker_pool} --concurrency={args.worker_concurrency}",
            "whatsapp_workers": (
                f"{args.whatsapp_workers} x --pool={args.whatsapp_pool} "
                f"--concurrency={args.whatsapp_concurrency}"
            ),
            "database": stack.name,
        }
        print(f"stack up: {', '.join(stack.web_urls)}, logs in {stack.logs}", file=sys.stderr)
        for part in parts:
            print(f"-- {part}", file=sys.stderr)
            begin = time.perf_counter()
            spies = _start_py_spy(stack, part, args) if args.py_spy else []
            try:
                results[part] = _run_part(part, args, stack, fake)
            except Exception:
                failed = True
                results[part] = {"error": traceback.format_exc()}
                print(results[part]["error"], file=sys.stderr)
                print(stack.tail_logs(), file=sys.stderr)
            finally:
                profiles = _stop_py_spy(spies)
            results[part]["part_seconds"] = round(time.perf_counter() - begin, 2)
            if profiles:
                results[part]["py_spy"] = profiles
    return failed


def _start_py_spy(stack: Stack, part: str, args) -> list[tuple[subprocess.Popen, Path]]:
    """py-spy on every server process while the part runs: flame graphs in results/."""
    spies = []
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    for proc in stack.procs:
        out = RESULTS_DIR / f"{stamp}-{part}-{proc.name}.svg"
        argv = [str(Path(sys.executable).with_name("py-spy")), "record", "--pid"]
        argv += [str(proc.popen.pid), "--format", "flamegraph", "-o", str(out), "--nonblocking"]
        if proc.name.startswith("celery"):
            argv.append("--subprocesses")
        spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        spies.append((spy, out))
    return spies


def _stop_py_spy(spies) -> list[str]:
    written = []
    for spy, _out in spies:
        spy.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
    for spy, out in spies:
        try:
            spy.wait(timeout=30)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait()
        if out.exists():
            written.append(str(out.relative_to(BASE_DIR)))
    return written


def _run_part(part: str, args: argparse.Namespace, stack: Stack, fake) -> dict:
    if part == "floor":
        from . import floor

        return asyncio.run(
            floor.measure(redis_url=REDIS_URL, prefix=stack.name, count=args.floor_count)
        )
    if part == "sequential":
        from . import sequential

        sizes = sequential.SMOKE_SIZES if args.smoke else sequential.SIZES
        floor_requests = (
            sequential.SMOKE_FLOOR_REQUESTS if args.smoke else sequential.FLOOR_REQUESTS
        )
        return sequential.measure(
            web_urls=stack.web_urls,
            sizes=sizes,
            floor_requests=floor_requests,
            client=args.ws_client,
            writer=args.sequential_writer,
        )
    if part == "propagation":
        from . import propagation

        return propagation.measure(
            web_urls=stack.web_urls,
            clients=args.clients,
            families=args.families,
            write_rate=args.write_rate,
            duration=args.propagation_seconds,
            client=args.ws_client,
        )
    if part == "churn":
        from . import churn

        return churn.measure(
            web_urls=stack.web_urls,
            sockets=args.churn_sockets,
            writers=args.churn_writers,
            seconds=args.churn_seconds,
            reconnect=args.churn_reconnect,
        )
    if part == "pages":
        from . import pages

        return pages.measure(web_url=stack.web_urls[0], repeats=args.page_repeats)
    if part == "api":
        from . import api

        return api.measure(web_url=stack.web_urls[0], repeats=args.page_repeats)
    if part == "writes":
        from . import writes

        return writes.measure(web_urls=stack.web_urls, duration=args.duration)
    if part == "vendor":
        if fake is None:
            return {"skipped": vendor.available() or "the fake Graph API did not start"}
        return vendor.measure(stack=stack, fake=fake, shares=args.shares)
    raise ValueError(part)
