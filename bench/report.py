"""The issue's targets, checked against a run's results, and the printed table."""

from __future__ import annotations


def _get(results: dict, *path, default=None):
    value = results
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return default
        value = value[key]
    return value


def _page(results: dict, items: int) -> dict | None:
    for row in _get(results, "pages", "list_page", default=[]) or []:
        if row.get("items") == items:
            return row
    return None


def ratios(results: dict) -> dict:
    p50 = _get(results, "propagation", "latency_ms", "p50")
    layer = _get(results, "floor", "channel_layer", "p50")
    pubsub = _get(results, "floor", "redis_pubsub", "p50")
    return {
        "p50_to_channel_layer": round(p50 / layer, 2) if p50 and layer else None,
        "p50_to_redis_pubsub": round(p50 / pubsub, 2) if p50 and pubsub else None,
    }


def targets(results: dict) -> list[dict]:
    """One row per target of the issue: the value measured and whether it is met."""
    rows = []

    def add(name: str, target: str, value, met) -> None:
        rows.append({"target": name, "goal": target, "value": value, "met": met})

    for run in _get(results, "sequential", "runs", default=[]) or []:
        n = run["listeners"]
        writer, prop = run["writer_http_ms"], run["propagation_ms"]
        add(
            f"writer's add HTTP p50 ({n} listeners)",
            "<= 8 ms",
            writer["p50"],
            _le(writer["p50"], 8),
        )
        add(
            f"writer's add HTTP p99 ({n} listeners)",
            "<= 25 ms",
            writer["p99"],
            _le(writer["p99"], 25),
        )
        if n <= 50:
            add(f"propagation p50 ({n} listeners)", "<= 8 ms", prop["p50"], _le(prop["p50"], 8))
            add(f"propagation p99 ({n} listeners)", "<= 15 ms", prop["p99"], _le(prop["p99"], 15))
        else:
            add(f"propagation p99 ({n} listeners)", "<= 30 ms", prop["p99"], _le(prop["p99"], 30))
        add(f"events lost ({n} listeners)", "0", run["events_lost"], run["events_lost"] == 0)

    prop = results.get("propagation") or {}
    if "latency_ms" in prop:
        clients = prop.get("clients")
        ratio = ratios(results)["p50_to_channel_layer"]
        add(
            f"propagation p50 / channel-layer p50 ({clients} clients)",
            "<= 5x",
            ratio,
            _le(ratio, 5),
        )
        add(
            f"propagation p99 ({clients} clients)",
            "<= 50 ms",
            prop["latency_ms"]["p99"],
            _le(prop["latency_ms"]["p99"], 50),
        )
        add(f"events lost ({clients} clients)", "0", prop["events_lost"], prop["events_lost"] == 0)
    churn = results.get("churn") or {}
    if "latency_ms" in churn:
        n = churn["sockets"]
        latency = churn["latency_ms"]
        add(
            f"churn write -> socket p50 ({n} sockets)",
            "<= 50 ms",
            latency["p50"],
            _le(latency["p50"], 50),
        )
        add(
            f"churn write -> socket p99 ({n} sockets)",
            "<= 500 ms",
            latency["p99"],
            _le(latency["p99"], 500),
        )
        worst = max((row["p99"] for row in churn["latency_by_slice_ms"] if row["n"]), default=None)
        add("churn p99, worst time slice", "<= 500 ms", worst, _le(worst, 500))
        add(
            "churn writes answered 5xx",
            "0",
            churn["writes_5xx"],
            churn["writes_5xx"] == 0,
        )
    for items, limit in ((100, 15), (1000, 60)):
        row = _page(results, items)
        if row:
            p50 = row["server_ms"]["p50"]
            add(f"{items:,}-item list page server p50", f"<= {limit} ms", p50, _le(p50, limit))
    small, big = _page(results, 100), _page(results, 1000)
    if small and big:
        per_row = round((big["bytes"] - small["bytes"]) / 900)
        add("list page HTML per row", "<= 1,200 B", per_row, _le(per_row, 1200))
        counts = {row["queries"] for row in _get(results, "pages", "list_page", default=[])}
        add("list page queries constant", "same at every size", sorted(counts), len(counts) == 1)
    statements = _get(results, "pages", "statements") or {}
    if statements.get("item_add") is not None:
        add(
            "statements per htmx item add",
            "<= 8",
            statements["item_add"],
            _le(statements["item_add"], 8),
        )
    if statements.get("item_status") is not None:
        n = statements["item_status"]
        add("statements per status change", "<= 6", n, _le(n, 6))
    for row in _get(results, "api", "list_items", default=[]) or []:
        if row["items"] == 1000:
            p50 = row["server_ms"]["p50"]
            add("API 1,000 items server p50", "<= 30 ms", p50, _le(p50, 30))
            cpu = (row.get("server_cpu_ms") or {}).get("p50")
            if cpu is not None:
                add("API 1,000 items server CPU p50", "<= 30 ms", cpu, _le(cpu, 30))
    api_counts = {row["queries"] for row in _get(results, "api", "list_items", default=[]) or []}
    if api_counts:
        add(
            "API items queries constant",
            "same at every size",
            sorted(api_counts),
            len(api_counts) == 1,
        )
    writes = results.get("writes") or {}
    if "ratio" in writes:
        add("item adds/s vs trivial view", ">= 0.5", writes["ratio"], _ge(writes["ratio"], 0.5))
    vendor = results.get("vendor") or {}
    if "runs" in vendor:
        for run in vendor["runs"]:
            label = f"vendor msgs/s ({run['failure_rate']:.0%} failing)"
            add(label, ">= 80/s", run["per_second"], _ge(run["per_second"], 80))
            if run["failure_rate"] and run.get("first_attempts_per_second"):
                # The figure above runs until the last retry, which waits out its backoff:
                # this one is the rate the workers sent at.
                add(
                    f"vendor send rate, each share tried once ({run['failure_rate']:.0%} failing)",
                    ">= 80/s",
                    run["first_attempts_per_second"],
                    _ge(run["first_attempts_per_second"], 80),
                )
            add(
                f"vendor all delivered once ({run['failure_rate']:.0%} failing)",
                "all, 0 twice",
                f"{run['delivered']}/{run['shares']}, {run['duplicates']} twice",
                run["delivered"] == run["shares"] and run["duplicates"] == 0,
            )
    return rows


def _le(value, limit) -> bool | None:
    return None if value is None else value <= limit


def _ge(value, limit) -> bool | None:
    return None if value is None else value >= limit


def _ms(summary: dict | None) -> str:
    if not summary or not summary.get("n"):
        return "-"
    return " / ".join(f"{summary[key]:.2f}" for key in ("p50", "p95", "p99", "max"))


def table(results: dict) -> str:
    lines = []
    meta = results["meta"]
    lines.append(
        f"Grocer bench {meta['started_at']} commit {meta['commit']}"
        f"{' (smoke)' if meta['smoke'] else ''}, {meta['cpus']} CPUs, load "
        f"{meta['load_average_at_start']} -> {meta.get('load_average_at_end')}"
        f", channel layer {meta.get('channel_layer', 'list')}"
    )
    lines.append("")

    floor = results.get("floor") or {}
    if "channel_layer" in floor:
        lines.append("Floor (ms, p50 / p95 / p99 / max)")
        used = floor["channel_layer"].get("backend", "channels_redis.core.RedisChannelLayer")
        lines.append(
            f"  channel layer group_send -> receive  {_ms(floor['channel_layer'])}  ({used})"
        )
        lines.append(f"  Redis PUBLISH -> message             {_ms(floor['redis_pubsub'])}")
        if "pubsub_channel_layer" in floor:
            lines.append(
                f"  pub/sub layer group_send -> receive  {_ms(floor['pubsub_channel_layer'])}"
            )
        if "list_channel_layer" in floor:
            lines.append(
                f"  list layer group_send -> receive     {_ms(floor['list_channel_layer'])}"
            )
        lines.append("")
    lines.extend(_section("floor", floor))

    sequential = results.get("sequential") or {}
    if "runs" in sequential:
        lines.append("Sequential: one writer adding, N listeners (ms, p50 / p95 / p99 / max)")
        for run in sequential["runs"]:
            lines.append(
                f"  {run['listeners']:>4} listeners x {run['adds']} adds"
                f"   writer HTTP {_ms(run['writer_http_ms'])}"
            )
            lines.append(
                f"  {'':>26}propagation {_ms(run['propagation_ms'])}"
                f"   lost {run['events_lost']}/{run['events_expected']}, late adds"
                f" {run['late_adds']}, statuses {run['statuses']}"
            )
            if run.get("client_cpu_us_per_frame") is not None:
                lines.append(
                    f"  {'':>26}client ({run.get('client')}) CPU"
                    f" {run['client_cpu_us_per_frame']} µs per frame received,"
                    f" writer {run.get('writer', 'inline')}"
                )
        floor = sequential.get("healthz_floor")
        if floor:
            lines.append(
                f"  stack floor: GET /healthz x {floor['requests']}, same client"
                f"   {_ms(floor['http_ms'])}"
            )
        lines.append("")
    lines.extend(_section("sequential", sequential))

    prop = results.get("propagation") or {}
    if "latency_ms" in prop:
        r = ratios(results)
        lines.append(
            f"Propagation: {prop['clients']} clients, {prop['families']} families, "
            f"{prop['writes']} writes at {prop['write_rate']}/s"
        )
        lines.append(f"  write start -> event (ms)            {_ms(prop['latency_ms'])}")
        lines.append(f"  write HTTP response (ms)             {_ms(prop['write_http_ms'])}")
        lines.append(f"  client event-loop lag (ms)           {_ms(prop['client_loop_lag_ms'])}")
        if prop.get("client_cpu_us_per_frame") is not None:
            lines.append(
                f"  client ({prop.get('client')}) CPU per frame      "
                f"{prop['client_cpu_us_per_frame']} µs"
            )
        lines.append(
            f"  events expected {prop['events_expected']}, lost {prop['events_lost']}, "
            f"duplicates {prop['duplicates']}, connect failures {prop['connect_failures']}"
        )
        lines.append(
            f"  p50 = {r['p50_to_channel_layer']}x the channel-layer floor, "
            f"{r['p50_to_redis_pubsub']}x the Redis PUBLISH floor"
        )
        lines.append("")
    lines.extend(_section("propagation", prop))

    churn = results.get("churn") or {}
    if "latency_ms" in churn:
        lines.append(
            f"Churn: {churn['sockets']} sockets on {churn['lists']} lists reconnecting every"
            f" ~{churn['reconnect_s']:g} s, {churn['writers']} writers, {churn['seconds']:g} s,"
            f" {churn['writes']} writes"
        )
        lines.append(f"  write start -> socket (ms)           {_ms(churn['latency_ms'])}")
        for row in churn["latency_by_slice_ms"]:
            lines.append(f"    writes from {row['from_s']:>5.1f} s           {_ms(row)}")
        lines.append(f"  write HTTP response (ms)             {_ms(churn['write_http_ms'])}")
        lines.append(f"  write answers {churn['write_statuses']}")
        lines.append(
            f"  live {churn['live_deliveries']}, replayed {churn['replayed_by_catch_up']},"
            f" catch-ups for a gap {churn['gap_catch_ups']}, after a heartbeat"
            f" {churn['heartbeat_catch_ups']}, presence frames {churn['presence_frames']},"
            f" connects {churn['connects']}, failed handshakes {churn['handshake_failures']},"
            f" behind at the end {churn['sockets_behind_after_final_catch_up']}"
        )
        lines.append("")
    lines.extend(_section("churn", churn))

    pages = results.get("pages") or {}
    if "list_page" in pages:
        lines.append("Page cost (server p50 ms in-process, queries, HTTP p50 ms via daphne)")
        for row in pages["list_page"]:
            lines.append(
                f"  list page, {row['items']:>5} items       {row['server_ms']['p50']:>8.2f} ms"
                f"  {row['queries']:>3} queries   {row['http_ms']['p50']:>8.2f} ms"
                f"   (cold {row['cold']['ms']:.1f} ms, {row['cold']['queries']} queries)"
                f"  {row['bytes'] / 1024:.0f} KB"
            )
        row = pages.get("dashboard")
        if row:
            lines.append(
                f"  dashboard, {row['lists']:>3} lists          {row['server_ms']['p50']:>8.2f} ms"
                f"  {row['queries']:>3} queries   {row['http_ms']['p50']:>8.2f} ms"
                f"   (cold {row['cold']['ms']:.1f} ms, {row['cold']['queries']} queries)"
            )
        statements = pages.get("statements")
        if statements:
            lines.append(
                f"  statements: htmx item add {statements['item_add']},"
                f" status change {statements['item_status']} (session and user included)"
            )
        lines.append("")
    lines.extend(_section("pages", pages))

    api = results.get("api") or {}
    if "list_items" in api:
        lines.append(
            "API cost: GET /api/v1/lists/{id}/items"
            " (server p50 ms in-process, its CPU, queries, HTTP p50 ms, 304 p50 ms)"
        )
        for row in api["list_items"]:
            http = row.get("http_ms") or {}
            cpu = (row.get("server_cpu_ms") or {}).get("p50", float("nan"))
            polled = ((row.get("not_modified") or {}).get("server_ms") or {}).get("p50")
            lines.append(
                f"  {row['items']:>5} items            {row['server_ms']['p50']:>8.2f} ms"
                f" (CPU {cpu:.2f})"
                f"  {row['queries']:>3} queries   {http.get('p50', float('nan')):>8.2f} ms"
                f"  {row['bytes'] / 1024:.0f} KB"
                + (f"  304: {polled:.2f} ms" if polled is not None else "")
            )
        lines.append("")
    lines.extend(_section("api", api))

    writes = results.get("writes") or {}
    if "ratio" in writes:
        lines.append(f"Writes: {writes['concurrency']} concurrent clients")
        for key, label in (("item_add", "item add (htmx POST)"), ("trivial_view", "/healthz")):
            w = writes[key]
            lines.append(
                f"  {label:<22} {w['per_second']:>8.1f}/s  latency {_ms(w['latency_ms'])} ms"
                f"  statuses {w['statuses']} errors {w['errors']}"
            )
        lines.append(f"  ratio {writes['ratio']}")
        lines.append("")
    lines.extend(_section("writes", writes))

    vendor = results.get("vendor") or {}
    if "runs" in vendor:
        lines.append(f"Vendor delivery (fake Graph API, {vendor.get('latency_ms')} ms latency)")
        for run in vendor["runs"]:
            lines.append(
                f"  {run['failure_rate']:>4.0%} failing: {run['per_second']:>7.1f} msgs/s, "
                f"delivered {run['delivered']}/{run['shares']}, sent twice {run['duplicates']}, "
                f"API calls {run['api_calls']}"
            )
            if run.get("first_attempts_per_second"):
                lines.append(
                    f"{'':15}every share's first attempt at"
                    f" {run['first_attempts_per_second']} msgs/s (the rest is retries' backoff)"
                )
            cpu = run.get("cpu")
            if cpu:
                lines.append(
                    f"{'':15}CPU {cpu['workers_s']} s workers + {cpu['postgres_s']} s PostgreSQL"
                    f" = {cpu['ms_per_message']} ms per message sent,"
                    f" {cpu['messages_per_cpu_second']} msgs per CPU-second"
                    f" (load {run.get('load_average', ['?'])[0]} at the end)"
                )
        lines.append("")
    lines.extend(_section("vendor", vendor))

    rows = results.get("targets") or []
    if rows:
        lines.append(
            f"Targets (load average {meta['load_average_at_start']} at start,"
            f" {meta.get('load_average_at_end')} at end, {meta['cpus']} CPUs)"
        )
        for row in rows:
            mark = {True: "met", False: "MISSED", None: "n/a"}[row["met"]]
            lines.append(f"  {row['target']:<44} {row['goal']:>14}  {row['value']!s:>16}  {mark}")
    return "\n".join(lines)


def _section(name: str, part: dict) -> list[str]:
    if "skipped" in part:
        return [f"{name}: skipped ({part['skipped']})", ""]
    if "error" in part:
        return [f"{name}: FAILED\n{part['error']}", ""]
    return []
