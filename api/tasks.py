from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(soft_time_limit=60, time_limit=90)
def purge_idempotency_records() -> int:
    return services.idempotency_purge_expired()
