"""The beat task that removes photos of rows soft-deleted longer than the retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from lists.models import ListItem
from lists.tests.factories import ListItemFactory
from photos.models import Photo
from photos.tasks import purge_deleted_photos
from vendors.tests.factories import VendorFactory

from .conftest import image_bytes

pytestmark = pytest.mark.django_db


def _photo(s3, *, item=None, vendor=None) -> Photo:
    if item is not None:
        prefix = f"families/{item.grocery_list.family_id}/items/{item.pk}"
        owner = {"kind": "item", "item": item, "family_id": item.grocery_list.family_id}
    else:
        prefix = f"vendors/{vendor.pk}/logo"
        owner = {"kind": "logo", "vendor": vendor}
    key, thumb = f"{prefix}/a.jpg", f"{prefix}/a.thumb256.webp"
    s3.put(key, image_bytes())
    s3.put(thumb, image_bytes("WEBP"), "image/webp")
    return Photo.objects.create(
        key=key,
        thumbnail_key=thumb,
        status="ready",
        content_type="image/jpeg",
        size=1,
        width=1,
        height=1,
        **owner,
    )


def _deleted(model_instance, days_ago: int) -> None:
    type(model_instance).all_objects.filter(pk=model_instance.pk).update(
        deleted_at=timezone.now() - timedelta(days=days_ago)
    )


def test_purge_removes_photos_of_rows_deleted_before_the_retention_and_keeps_the_rest(s3):
    assert settings.GROCER_PHOTO_RETENTION_DAYS == 30
    old_item, recent_item, live_item = ListItemFactory(), ListItemFactory(), ListItemFactory()
    in_old_list = ListItemFactory()
    old_vendor = VendorFactory()
    photos = {
        "old": _photo(s3, item=old_item),
        "recent": _photo(s3, item=recent_item),
        "live": _photo(s3, item=live_item),
        "old_list": _photo(s3, item=in_old_list),
        "old_vendor": _photo(s3, vendor=old_vendor),
    }
    _deleted(old_item, 31)
    _deleted(recent_item, 29)
    _deleted(in_old_list.grocery_list, 45)
    _deleted(old_vendor, 31)

    assert purge_deleted_photos.delay().get() == 3

    for name in ("old", "old_list", "old_vendor"):
        photo = photos[name]
        assert not Photo.objects.filter(pk=photo.pk).exists(), name
        assert not s3.exists(photo.key) and not s3.exists(photo.thumbnail_key), name
    for name in ("recent", "live"):
        photo = photos[name]
        assert Photo.objects.filter(pk=photo.pk).exists(), name
        assert s3.exists(photo.key) and s3.exists(photo.thumbnail_key), name
    # The soft-deleted rows themselves are history and stay (without their photos).
    assert ListItem.all_objects.filter(pk=old_item.pk).exists()
    # Idempotent: nothing left to do.
    assert purge_deleted_photos.delay().get() == 0


def test_the_retention_is_configurable(s3, settings):
    settings.GROCER_PHOTO_RETENTION_DAYS = 7
    item = ListItemFactory()
    photo = _photo(s3, item=item)
    _deleted(item, 8)
    assert purge_deleted_photos.delay().get() == 1
    assert not s3.exists(photo.key)


def test_a_photo_whose_object_is_already_gone_is_still_purged(s3):
    item = ListItemFactory()
    photo = _photo(s3, item=item)
    s3.client.delete_object(Bucket=s3.bucket, Key=photo.key)
    _deleted(item, 40)
    assert purge_deleted_photos.delay().get() == 1
    assert not Photo.objects.exists()
    assert not s3.exists(photo.thumbnail_key)


def test_purge_is_in_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["photos-purge-deleted"]
    assert entry["task"] == purge_deleted_photos.name
