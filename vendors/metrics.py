"""Scrape-time readings of vendor delivery for grocer.metrics (registered in apps.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily, Metric

from . import whatsapp
from .models import ShareDelivery


def breaker_state() -> Iterator[Metric]:
    if not whatsapp.is_configured():
        return
    state = GaugeMetricFamily(
        "grocer_whatsapp_breaker_open",
        "1 while the WhatsApp circuit breaker is open (sends wait for it to close).",
    )
    state.add_metric([], 1.0 if whatsapp.breaker_retry_in() > 0 else 0.0)
    yield state


def deliveries_pending() -> Iterator[Metric]:
    """The outbox of vendor messages: rows queued or being sent."""
    counts = dict.fromkeys((ShareDelivery.State.QUEUED, ShareDelivery.State.SENDING), 0)
    rows = (
        ShareDelivery.objects.filter(state__in=list(counts))
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    counts.update(dict(rows))
    backlog = GaugeMetricFamily(
        "grocer_whatsapp_deliveries_pending",
        "Vendor messages not finished yet, by state.",
        labels=["state"],
    )
    for state, n in counts.items():
        backlog.add_metric([str(state)], float(n))
    yield backlog
