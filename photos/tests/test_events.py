"""Item photo changes reach open list pages: an event per change, rows re-rendered,
and the list's cached rows dropped once the thumbnail is ready."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from lists.cache import cached_list_items, list_items_key
from lists.events import event_message
from lists.models import GroceryList, ListEvent
from photos.models import Photo

from .conftest import image_bytes, post_to_storage

pytestmark = pytest.mark.django_db


def test_a_new_photo_is_an_item_event_with_the_row_and_a_summary(
    client, s3, member, item, django_capture_on_commit_callbacks
):
    client.force_login(member.user)
    slot = client.post(
        reverse("photos:slot", args=["item", item.pk]), {"content_type": "image/jpeg"}
    ).json()
    post_to_storage(slot, image_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("photos:complete", args=["item", item.pk]), {"token": slot["token"]})
    event = ListEvent.objects.get(type="item.photo_changed")
    message = event_message(event)
    assert message["item_id"] == str(item.pk)
    assert message["html"] is not None and f'id="item-{item.pk}"' in message["html"]
    assert message["summary"] == f"{member.user.name} added a photo of oat milk"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("photos:remove", args=["item", item.pk]))
    removed = ListEvent.objects.get(type="item.photo_removed")
    assert event_message(removed)["summary"] == f"{member.user.name} removed the photo of oat milk"


def test_a_finished_thumbnail_drops_the_lists_cached_rows(s3, member, item):
    from photos.tasks import make_thumbnail

    grocery_list = GroceryList.objects.get(pk=item.grocery_list_id)
    key = f"families/{member.family_id}/items/{item.pk}/a.jpg"
    s3.put(key, image_bytes())
    photo = Photo.objects.create(
        kind="item",
        family=member.family,
        item=item,
        key=key,
        content_type="image/jpeg",
        size=1,
        width=800,
        height=600,
    )
    cached_list_items(grocery_list=grocery_list, load=lambda: ["rows with a pending photo"])
    cache_key = list_items_key(family_id=member.family_id, list_id=grocery_list.pk)
    assert cache.get(cache_key) is not None
    make_thumbnail.delay(str(photo.pk))
    assert cache.get(cache_key) is None
