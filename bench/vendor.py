"""Vendor delivery: shares per second through Celery to the fake Graph API."""

from __future__ import annotations


def measure(*, stack, shares: int) -> dict:
    try:
        from vendors import tasks  # noqa: F401
        from vendors.tests import fake_graph  # noqa: F401
    except ImportError:
        return {"skipped": "vendors.tasks and the fake Graph API are not on this branch yet"}
    raise NotImplementedError
