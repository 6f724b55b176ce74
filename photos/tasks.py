"""Thin Celery tasks: load by id, call a service, retry storage hiccups with backoff."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from . import services
from .storage import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=5, soft_time_limit=60, time_limit=90)
def make_thumbnail(self, photo_id: str) -> str:
    """Idempotent: a photo that already has its thumbnail is left alone."""
    try:
        photo = services.photo_thumbnail_make(photo_id=photo_id)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            services.photo_mark_failed(photo_id=photo_id, error="Storage was unavailable.")
            raise
        countdown = get_exponential_backoff_interval(
            factor=10, retries=self.request.retries, maximum=600, full_jitter=True
        )
        raise self.retry(exc=exc, countdown=countdown) from exc
    return photo.status if photo is not None else "gone"


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def purge_deleted_photos() -> int:
    """Beat, every few hours: photos of rows soft-deleted past the retention period."""
    return services.photos_purge_deleted()
