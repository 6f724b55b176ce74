"""Lighthouse on the list page, as a phone sees it: `make lighthouse` / `python -m bench.audit`.

The production shape (production settings, hashed and compressed static files, one daphne)
on a throwaway database from `Stack`; a family member with a ready-made session opens a list
of 30 items. Lighthouse (the npm package pinned in bench/lighthouse/package.json) drives
Debian's Chromium with its mobile preset (Moto G power, slow 4G, 4x CPU slowdown).

It reports scores and the failing audits; it asserts nothing (timings on a shared machine
are not a test). Targets: performance >= 90, accessibility 100, best practices 100,
cumulative layout shift <= 0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .stack import BASE_DIR, Stack, free_port, wait_for_http

NODE_DIR = BASE_DIR / "bench" / "lighthouse"
LIGHTHOUSE = NODE_DIR / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
TARGETS = {"performance": 0.90, "accessibility": 1.0, "best-practices": 1.0}
CLS_TARGET = 0.1


def _install_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    if not shutil.which("npm"):
        raise SystemExit("npm is needed for Lighthouse (apt-get install npm)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True)


def _seed(items: int) -> tuple[str, str]:
    """One family, one list of `items` items; returns (list id, session key)."""
    from . import seed

    family = seed.families(tag="lighthouse", count=1, members_per_family=2, items_per_list=items)[0]
    return family.list_ids[0], family.members[0].session_key


def _chromium_with_session(stack: Stack, base: str, cookie_name: str, session_key: str) -> int:
    """Debian's Chromium with a logged-in session cookie; returns its DevTools port.

    Lighthouse's --extra-headers would not reach the page's own htmx requests, which then
    land on the login page and shift the layout; a real cookie behaves like a real phone.
    """
    import tempfile

    from playwright.sync_api import sync_playwright

    port = free_port()
    profile = tempfile.mkdtemp(prefix="grocer-lighthouse-")
    stack.spawn(
        "chromium",
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
    )
    wait_for_http(f"http://127.0.0.1:{port}/json/version", timeout=30)
    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
        browser.contexts[0].add_cookies(
            [{"name": cookie_name, "value": session_key, "url": base, "httpOnly": True}]
        )
    return port


def _lighthouse(url: str, port: int, output: Path) -> dict:
    argv = [
        str(LIGHTHOUSE),
        url,
        f"--port={port}",
        "--form-factor=mobile",
        "--only-categories=performance,accessibility,best-practices,seo",
        # Keep the session cookie set above.
        "--disable-storage-reset",
        "--output=json",
        f"--output-path={output}",
        "--quiet",
    ]
    subprocess.run(argv, check=True)
    return json.loads(output.read_text())


def summarize(report: dict) -> dict:
    categories = {key: cat["score"] for key, cat in report["categories"].items()}
    audits = report["audits"]
    failing = sorted(
        (audit["id"], audit["title"], audit.get("displayValue", ""))
        for audit in audits.values()
        if audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
        and audit.get("score") is not None
        and audit["score"] < 0.9
    )
    return {
        "scores": categories,
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "fcp_ms": round(audits["first-contentful-paint"]["numericValue"]),
        "failing": failing,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__)
    parser.add_argument("--items", type=int, default=30, help="items on the audited list")
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs (median shown)")
    parser.add_argument("--output", type=Path, help="JSON path (default bench/results/<time>)")
    args = parser.parse_args(argv)
    _install_lighthouse()
    load = os.getloadavg()
    with Stack(web_processes=0, servers=False) as stack:
        list_id, session_key = _seed(args.items)
        from django.conf import settings

        port = free_port()
        proc = stack.spawn(
            "daphne",
            [
                *(str(Path(sys.executable).with_name("daphne")), "-b", "127.0.0.1"),
                *("-p", str(port), "grocer.asgi:application"),
            ],
        )
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", timeout=60, process=proc.popen)
        chrome_port = _chromium_with_session(stack, base, settings.SESSION_COOKIE_NAME, session_key)
        results = []
        for run in range(args.runs):
            out = stack.logs / f"lighthouse-{run}.json"
            results.append(summarize(_lighthouse(f"{base}/lists/{list_id}/", chrome_port, out)))
    results.sort(key=lambda r: r["scores"]["performance"] or 0)
    median = results[len(results) // 2]
    record = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average": [round(x, 2) for x in load],
        "items": args.items,
        "runs": results,
        "median": median,
    }
    output = args.output or BASE_DIR / "bench" / "results" / f"lighthouse-{record['when']}.json"
    output.write_text(json.dumps(record, indent=2))
    print(f"Lighthouse, list page with {args.items} items, mobile (load average {load[0]:.2f})")
    for key, score in median["scores"].items():
        target = TARGETS.get(key)
        mark = "" if target is None else ("  ok" if score >= target else f"  (target {target})")
        print(f"  {key:16} {round(score * 100):>3}{mark}")
    cls_mark = "ok" if median["cls"] <= CLS_TARGET else f"(target {CLS_TARGET})"
    print(f"  {'CLS':16} {median['cls']:.3f}  {cls_mark}")
    print(f"  FCP {median['fcp_ms']} ms, LCP {median['lcp_ms']} ms, TBT {median['tbt_ms']} ms")
    for audit_id, title, value in median["failing"]:
        print(f"  - {audit_id}: {title} {value}")
    print(f"Written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
