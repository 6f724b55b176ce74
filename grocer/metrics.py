"""Prometheus metrics for every process: daphne, Celery workers, management commands.

With `PROMETHEUS_MULTIPROC_DIR` set (the image sets it) each process writes its samples
to memory-mapped files in that directory, and whoever serves a scrape adds them all up:
several daphne processes or a prefork worker's children are counted, not just the one
that happened to answer. Without it (development, tests) samples stay in the process.

Where a scrape is served (never through the public site without a credential):
- web: `GET /metrics` with `Authorization: Bearer $METRICS_TOKEN` (404 without a token
  configured, 401 with a wrong one);
- Celery workers: their own HTTP port, `CELERY_METRICS_PORT` (grocer/celery.py), which
  nothing outside the cluster or the compose network reaches.

Recording a sample is a dictionary lookup and an add on a memory-mapped value: no I/O,
no SQL. What costs a round trip (queue depths, the breaker, PostgreSQL connections) is
read only when Prometheus scrapes, by `ScrapeTimeCollector`.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
STATEMENT_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 90.0)

# --- HTTP (grocer.middleware.RequestMetricsMiddleware) --------------------------------
http_requests = Counter(
    "grocer_http_requests_total",
    "HTTP requests by route name, method and status.",
    ["route", "method", "status"],
)
http_duration = Histogram(
    "grocer_http_request_duration_seconds",
    "Time in Django per request, by route name and method.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
http_statements = Histogram(
    "grocer_http_request_db_statements",
    "SQL statements per request, by route name.",
    ["route"],
    buckets=STATEMENT_BUCKETS,
)

# --- Real time (lists.consumers, lists.events) ------------------------------------------
websockets_open = Gauge(
    "grocer_websockets_open",
    "Open list sockets, per process.",
    multiprocess_mode="livesum",
)
websocket_connects = Counter("grocer_websocket_connects_total", "Accepted list sockets.")
websocket_disconnects = Counter(
    "grocer_websocket_disconnects_total",
    "Closed list sockets by close code.",
    ["code"],
)
list_events_published = Counter(
    "grocer_list_events_published_total",
    "List events sent to the channel layer, by event type.",
    ["type"],
)
event_propagation = Histogram(
    "grocer_event_propagation_seconds",
    "Server-side propagation: commit -> group send done (stage=publish), consumer "
    "receive -> socket send done (stage=deliver).",
    ["stage"],
    buckets=FAST_BUCKETS,
)
channel_layer_errors = Counter(
    "grocer_channel_layer_errors_total",
    "Channel-layer operations that raised, by operation.",
    ["operation"],
)

# --- Cache and rate limits --------------------------------------------------------------
cache_requests = Counter(
    "grocer_cache_requests_total",
    "Cache reads by result (hit, miss, error).",
    ["result"],
)
cache_errors = Counter(
    "grocer_cache_errors_total",
    "Cache operations that raised (Redis unreachable, timeouts), by operation.",
    ["operation"],
)
rate_limited = Counter(
    "grocer_rate_limited_total",
    "Requests refused with 429, by limit.",
    ["limit"],
)

# --- Celery (grocer.celery) -------------------------------------------------------------
celery_tasks = Counter(
    "grocer_celery_tasks_total",
    "Celery task runs by task and outcome (success, failure, retry).",
    ["task", "outcome"],
)
celery_task_duration = Histogram(
    "grocer_celery_task_duration_seconds",
    "Celery task run time by task.",
    ["task"],
    buckets=TASK_BUCKETS,
)

# --- WhatsApp (vendors.whatsapp) --------------------------------------------------------
whatsapp_sends = Counter(
    "grocer_whatsapp_sends_total",
    "Cloud API send attempts by outcome (sent, retryable, permanent, breaker_open) and "
    "Graph error code (empty when none).",
    ["outcome", "code"],
)

# --- Database connection pool (sampled, see `sample_db_pool`) ---------------------------
db_pool_size = Gauge(
    "grocer_db_pool_connections",
    "Connections held by this process's psycopg pool, by state.",
    ["state"],
    multiprocess_mode="livesum",
)
db_pool_waiting = Gauge(
    "grocer_db_pool_requests_waiting",
    "Requests waiting for a pooled connection.",
    multiprocess_mode="livesum",
)
db_pool_max = Gauge(
    "grocer_db_pool_max_connections",
    "The pool's maximum size, per process.",
    multiprocess_mode="livesum",
)

_POOL_SAMPLE_SECONDS = 5.0
_pool_sampled_at = 0.0


def sample_db_pool() -> None:
    """Copies the psycopg pool's counters into gauges, at most every few seconds.

    Without Django's pool (`OPTIONS["pool"]`) there is nothing to sample: PostgreSQL's
    own view of connections is read at scrape time instead.
    """
    global _pool_sampled_at
    now = time.monotonic()
    if now - _pool_sampled_at < _POOL_SAMPLE_SECONDS:
        return
    _pool_sampled_at = now
    from django.db import connections

    pool = getattr(connections["default"], "pool", None)
    if pool is None:
        return
    stats = pool.get_stats()
    size = stats.get("pool_size", 0)
    available = stats.get("pool_available", 0)
    db_pool_size.labels("busy").set(size - available)
    db_pool_size.labels("idle").set(available)
    db_pool_waiting.set(stats.get("requests_waiting", 0))
    db_pool_max.set(stats.get("pool_max", getattr(pool, "max_size", 0)))


ScrapeReader = Callable[[], Iterable[Metric]]
_scrape_readers: dict[str, ScrapeReader] = {}


def register_scrape_reader(name: str, reader: ScrapeReader) -> None:
    """Higher apps add readings here from `AppConfig.ready()` (vendors: its breaker and
    send backlog): this module never imports them."""
    _scrape_readers[name] = reader


class ScrapeTimeCollector(Collector):
    """What needs a round trip is read when Prometheus asks, once per scrape.

    Each reading is independent: a dead Redis or PostgreSQL costs that reading (and
    shows as `grocer_scrape_errors`), never the scrape.
    """

    def collect(self) -> Iterator[Metric]:
        errors = GaugeMetricFamily(
            "grocer_scrape_errors", "Readings that failed during this scrape.", labels=["source"]
        )
        readers = {
            "queues": self._queues,
            "outbox": self._outbox,
            "postgres": self._postgres,
            **_scrape_readers,
        }
        for source, reader in readers.items():
            try:
                yield from reader()
            except Exception:
                logger.warning("metrics: reading %s failed", source, exc_info=True)
                errors.add_metric([source], 1)
        yield errors

    @staticmethod
    def _queues() -> Iterator[Metric]:
        from django.conf import settings

        if not settings.REDIS_URL or settings.CELERY_BROKER_URL.startswith("memory"):
            return
        import redis

        prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
        queues = {settings.CELERY_TASK_DEFAULT_QUEUE}
        if settings.CELERY_WHATSAPP_QUEUE:
            queues.add(settings.CELERY_WHATSAPP_QUEUE)
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1
        )
        try:
            pipe = client.pipeline(transaction=False)
            for queue in sorted(queues):
                pipe.llen(f"{prefix}{queue}")
            depths = pipe.execute()
        finally:
            client.close()
        depth = GaugeMetricFamily(
            "grocer_celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        for queue, length in zip(sorted(queues), depths, strict=True):
            depth.add_metric([queue], float(length))
        yield depth

    @staticmethod
    def _outbox() -> Iterator[Metric]:
        """Tasks written at commit whose publish has not reached the broker yet."""
        from django.db.models import Count, Min
        from django.utils import timezone

        from grocer.outbox.models import OutboxMessage

        row = OutboxMessage.objects.aggregate(n=Count("id"), oldest=Min("created_at"))
        depth = GaugeMetricFamily(
            "grocer_outbox_messages", "Task calls in the outbox, waiting for the broker."
        )
        depth.add_metric([], float(row["n"]))
        yield depth
        age = GaugeMetricFamily(
            "grocer_outbox_oldest_age_seconds", "Age of the oldest outbox row (0 when empty)."
        )
        oldest = row["oldest"]
        age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
        yield age

    @staticmethod
    def _postgres() -> Iterator[Metric]:
        from django.db import connections

        connection = connections["default"]
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() GROUP BY 1"
            )
            by_state = cursor.fetchall()
            cursor.execute("SELECT current_setting('max_connections')::int")
            (max_connections,) = cursor.fetchone()
        used = GaugeMetricFamily(
            "grocer_db_connections",
            "PostgreSQL server connections to this database, by state.",
            labels=["state"],
        )
        for state, n in by_state:
            used.add_metric([state], float(n))
        yield used
        limit = GaugeMetricFamily(
            "grocer_db_max_connections", "PostgreSQL's max_connections setting."
        )
        limit.add_metric([], float(max_connections))
        yield limit
        lag = GaugeMetricFamily(
            "grocer_db_replica_lag_seconds",
            "How far each read replica's replay is behind (only when replicas are configured).",
            labels=["alias"],
        )
        replicas = [alias for alias in connections if alias != "default"]
        for alias in replicas:
            replica = connections[alias]
            if replica.vendor != "postgresql":
                continue
            with replica.cursor() as cursor:
                cursor.execute(
                    "SELECT coalesce(extract(epoch FROM now() - "
                    "pg_last_xact_replay_timestamp()), 0) WHERE pg_is_in_recovery()"
                )
                row = cursor.fetchone()
            lag.add_metric([alias], float(row[0]) if row else 0.0)
        if replicas:
            yield lag


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def registry(*, scrape_time: bool = True) -> CollectorRegistry:
    """Every process's samples (multiprocess mode) or this process's, plus scrape-time readings."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
    else:
        collected = CollectorRegistry()
        collected.register(_ProcessRegistry())
    if scrape_time:
        collected.register(ScrapeTimeCollector())
    return collected


class _ProcessRegistry(Collector):
    """The default registry's metrics, inside a fresh registry (so scrape-time readings
    are never registered on the process-wide default)."""

    def collect(self):
        return REGISTRY.collect()


def exposition(*, scrape_time: bool = True) -> bytes:
    return generate_latest(registry(scrape_time=scrape_time))


def token_matches(authorization: str, token: str) -> bool:
    scheme, _, given = authorization.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given, token)


__all__ = ["CONTENT_TYPE_LATEST", "exposition", "token_matches"]
