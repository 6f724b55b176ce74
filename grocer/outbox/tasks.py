"""The outbox relay, driven by beat (see grocer/outbox/services.py)."""

from __future__ import annotations

from celery import shared_task

from .services import outbox_relay


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def relay_outbox() -> int:
    return outbox_relay()
