"""The whole upload flow against moto's S3 server: slot, browser POST, check, thumbnail."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta
from io import BytesIO
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from lists.models import ListEvent
from photos import services
from photos.models import Photo
from photos.tasks import make_thumbnail

from .conftest import SVG, image_bytes, post_to_storage

pytestmark = pytest.mark.django_db

FIVE_MB = 5 * 1024 * 1024


def _slot(client, item, content_type="image/jpeg", size=1000):
    response = client.post(
        reverse("photos:slot", args=["item", item.pk]),
        {"content_type": content_type, "size": size},
    )
    assert response.status_code == 200, response.content
    return response.json()


def _complete(client, item, token):
    return client.post(reverse("photos:complete", args=["item", item.pk]), {"token": token})


def _object_key(slot: dict) -> str:
    return slot["fields"]["key"]


def test_presigned_post_upload_then_complete_records_the_photo_and_its_thumbnail(
    client, s3, member, item, django_capture_on_commit_callbacks
):
    client.force_login(member.user)
    slot = _slot(client, item)
    key = _object_key(slot)
    assert slot["direct_to_storage"] is True
    assert slot["url"].startswith(s3.endpoint)
    assert re.fullmatch(rf"families/{member.family_id}/items/{item.pk}/[0-9a-f]{{32}}\.jpg", key), (
        key
    )

    upload = post_to_storage(slot, image_bytes(size=(1200, 800)))
    assert upload.status_code in (200, 201, 204), upload.text
    assert s3.exists(key)

    with django_capture_on_commit_callbacks(execute=True):
        response = _complete(client, item, slot["token"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"] == "Photo saved."

    photo = Photo.objects.get(item=item)
    assert (photo.key, photo.content_type, photo.width, photo.height) == (
        key,
        "image/jpeg",
        1200,
        800,
    )
    assert photo.family_id == member.family_id
    assert photo.status == Photo.Status.READY
    # The thumbnail: a WebP of at most 256 px, stored next to the original.
    assert photo.thumbnail_key.endswith(".webp")
    assert s3.exists(photo.thumbnail_key)
    with Image.open(BytesIO(s3.get(photo.thumbnail_key))) as thumb:
        assert thumb.format == "WEBP"
        assert max(thumb.size) == 256
        assert thumb.size == (photo.thumbnail_width, photo.thumbnail_height)
    # The answer was rendered before the thumbnail task ran (on commit): a placeholder
    # that polls, never a broken image; the poll then gets the thumbnail.
    assert body["status"] == "pending"
    assert "<img" not in body["html"]
    assert 'hx-trigger="every 2s"' in body["html"]
    figure = client.get(reverse("photos:figure", args=["item", item.pk])).content.decode()
    assert f'src="{reverse("photos:thumb", args=["item", item.pk])}"' in figure
    assert 'alt="Photo of oat milk"' in figure
    assert "hx-trigger" not in figure
    # The list's activity log knows the item got a photo.
    assert ListEvent.objects.filter(
        grocery_list=item.grocery_list, type="item.photo_changed"
    ).exists()


def test_the_presigned_post_policy_limits_size_type_key_and_time(client, s3, member, item):
    client.force_login(member.user)
    slot = _slot(client, item, content_type="image/png")
    policy = json.loads(base64.b64decode(slot["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, FIVE_MB] in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert {"key": _object_key(slot)} in conditions
    assert _object_key(slot).endswith(".png")
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timezone.now() < expires <= timezone.now() + timedelta(minutes=6)


@pytest.mark.parametrize(
    ("data", "filename"),
    [(b"just some text, not a photo", "notes.jpg"), (SVG, "drawing.jpg")],
    ids=["text", "svg"],
)
def test_a_file_that_is_not_an_image_is_rejected_and_deleted(
    client, s3, member, item, data, filename
):
    client.force_login(member.user)
    slot = _slot(client, item)
    assert post_to_storage(slot, data, filename=filename).is_success
    assert s3.exists(_object_key(slot))

    response = _complete(client, item, slot["token"])
    assert response.status_code == 400
    assert "not a photo we can use" in response.json()["error"]
    assert not s3.exists(_object_key(slot))
    assert not Photo.objects.exists()


def test_svg_is_refused_before_any_upload(client, s3, member, item):
    client.force_login(member.user)
    response = client.post(
        reverse("photos:slot", args=["item", item.pk]), {"content_type": "image/svg+xml"}
    )
    assert response.status_code == 400
    assert "JPEG, PNG, WebP or GIF" in response.json()["error"]


def test_an_oversized_upload_is_rejected_and_deleted_although_moto_accepted_it(
    client, s3, member, item
):
    client.force_login(member.user)
    slot = _slot(client, item)
    too_big = image_bytes() + b"\0" * FIVE_MB
    assert post_to_storage(slot, too_big).is_success  # moto ignores the policy
    assert s3.exists(_object_key(slot))

    response = _complete(client, item, slot["token"])
    assert response.status_code == 400
    assert response.json()["error"] == "That photo is too big: the limit is 5 MB."
    assert not s3.exists(_object_key(slot))
    assert not Photo.objects.exists()


def test_declaring_a_big_file_gets_no_slot(client, s3, member, item):
    client.force_login(member.user)
    response = client.post(
        reverse("photos:slot", args=["item", item.pk]),
        {"content_type": "image/jpeg", "size": FIVE_MB + 1},
    )
    assert response.status_code == 400
    assert "too big" in response.json()["error"]


def test_an_object_stored_with_a_non_image_type_is_rejected_and_deleted(client, s3, member, item):
    client.force_login(member.user)
    slot = _slot(client, item)
    # moto ignores the policy's Content-Type condition too.
    assert post_to_storage(slot, image_bytes(), content_type="text/html").is_success
    response = _complete(client, item, slot["token"])
    assert response.status_code == 400
    assert "JPEG, PNG, WebP or GIF" in response.json()["error"]
    assert not s3.exists(_object_key(slot))


def test_completing_without_uploading_is_a_clear_error(client, s3, member, item):
    client.force_login(member.user)
    slot = _slot(client, item)
    response = _complete(client, item, slot["token"])
    assert response.status_code == 400
    assert response.json()["error"] == "We did not receive the photo. Please try again."


def test_completing_twice_records_one_photo(
    client, s3, member, item, django_capture_on_commit_callbacks
):
    client.force_login(member.user)
    slot = _slot(client, item)
    post_to_storage(slot, image_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        assert _complete(client, item, slot["token"]).status_code == 200
        assert _complete(client, item, slot["token"]).status_code == 200
    assert Photo.objects.count() == 1
    assert s3.exists(_object_key(slot))


def test_a_slot_cannot_be_completed_for_another_item_or_by_another_user(client, s3, member, item):
    from families.tests.factories import MembershipFactory
    from lists.tests.factories import ListItemFactory

    client.force_login(member.user)
    slot = _slot(client, item)
    post_to_storage(slot, image_bytes())
    other_item = ListItemFactory(grocery_list=item.grocery_list)
    assert _complete(client, other_item, slot["token"]).status_code == 400
    # Same family, other person: the token is not transferable.
    sibling = MembershipFactory(family=member.family)
    client.force_login(sibling.user)
    assert _complete(client, item, slot["token"]).status_code == 400
    client.force_login(member.user)
    assert _complete(client, item, slot["token"] + "x").status_code == 400
    assert not Photo.objects.exists()


def test_replacing_a_photo_deletes_the_old_objects(
    client, s3, member, item, django_capture_on_commit_callbacks
):
    client.force_login(member.user)
    keys = []
    for color in ("red", "blue"):
        slot = _slot(client, item)
        post_to_storage(slot, image_bytes(color=color))
        with django_capture_on_commit_callbacks(execute=True):
            assert _complete(client, item, slot["token"]).status_code == 200
        keys.append(Photo.objects.get(item=item).thumbnail_key)
        keys.append(_object_key(slot))
    first_thumb, first, second_thumb, second = keys
    assert not s3.exists(first) and not s3.exists(first_thumb)
    assert s3.exists(second) and s3.exists(second_thumb)
    assert Photo.objects.get(item=item).key == second


def test_removing_a_photo_deletes_its_objects(
    client, s3, member, item, django_capture_on_commit_callbacks
):
    client.force_login(member.user)
    slot = _slot(client, item)
    post_to_storage(slot, image_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        _complete(client, item, slot["token"])
    photo = Photo.objects.get(item=item)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("photos:remove", args=["item", item.pk]))
    assert response.status_code == 302
    assert not Photo.objects.exists()
    assert not s3.exists(photo.key) and not s3.exists(photo.thumbnail_key)


def _recorded_photo(client, s3, member, item, capture):
    client.force_login(member.user)
    slot = _slot(client, item)
    post_to_storage(slot, image_bytes())
    with capture(execute=True):
        assert _complete(client, item, slot["token"]).status_code == 200
    return Photo.objects.get(item=item)


def test_members_get_a_short_lived_presigned_url_for_the_photo(
    client, s3, member, item, django_capture_on_commit_callbacks
):
    photo = _recorded_photo(client, s3, member, item, django_capture_on_commit_callbacks)
    for variant, key, content_type in (
        ("thumb", photo.thumbnail_key, "image/webp"),
        ("full", photo.key, "image/jpeg"),
    ):
        response = client.get(reverse(f"photos:{variant}", args=["item", item.pk]))
        assert response.status_code == 302
        assert response["Cache-Control"].startswith("private")
        url = response["Location"]
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        assert parsed.path == f"/{s3.bucket}/{key}"
        assert query["X-Amz-Expires"] == ["300"]
        signed_at = datetime.strptime(query["X-Amz-Date"][0] + "+0000", "%Y%m%dT%H%M%SZ%z")
        assert abs(signed_at - timezone.now()) < timedelta(minutes=1)
        fetched = httpx.get(url)
        assert fetched.status_code == 200
        assert fetched.headers["content-type"] == content_type
    # The bucket is private: the object's plain URL is refused.
    assert httpx.get(f"{s3.endpoint}/{s3.bucket}/{photo.key}").status_code == 403


def test_another_familys_member_gets_404_everywhere(
    client, s3, member, item, stranger, django_capture_on_commit_callbacks
):
    photo = _recorded_photo(client, s3, member, item, django_capture_on_commit_callbacks)
    slot = _slot(client, item)
    client.force_login(stranger.user)
    args = ["item", item.pk]
    assert client.get(reverse("photos:page", args=args)).status_code == 404
    assert client.get(reverse("photos:thumb", args=args)).status_code == 404
    assert client.get(reverse("photos:full", args=args)).status_code == 404
    assert client.get(reverse("photos:figure", args=args)).status_code == 404
    assert (
        client.post(reverse("photos:slot", args=args), {"content_type": "image/jpeg"}).status_code
        == 404
    )
    assert (
        client.post(reverse("photos:complete", args=args), {"token": slot["token"]}).status_code
        == 404
    )
    assert client.post(reverse("photos:remove", args=args)).status_code == 404
    upload = client.post(
        reverse("photos:upload", args=args), {"file": BytesIO(image_bytes())}, format="multipart"
    )
    assert upload.status_code == 404
    assert Photo.objects.get(pk=photo.pk).key == photo.key
    assert s3.exists(photo.key)
    client.logout()
    assert client.get(reverse("photos:full", args=args)).status_code == 404


def test_a_deleted_items_photo_is_no_longer_served(
    client, s3, member, item, django_capture_on_commit_callbacks
):
    _recorded_photo(client, s3, member, item, django_capture_on_commit_callbacks)
    item.delete()
    assert client.get(reverse("photos:full", args=["item", item.pk])).status_code == 404


def test_the_thumbnail_task_is_idempotent(
    client, s3, member, item, django_capture_on_commit_callbacks
):
    photo = _recorded_photo(client, s3, member, item, django_capture_on_commit_callbacks)
    before = s3.list(f"families/{member.family_id}/")
    make_thumbnail.delay(str(photo.pk))
    assert (
        s3.list(f"families/{member.family_id}/")
        == before
        == sorted([photo.key, photo.thumbnail_key])
    )


def test_a_thumbnail_that_cannot_be_made_marks_the_photo_failed(s3, member, item):
    # Recorded directly, as if the object were corrupted after the upload check.
    key = f"families/{member.family_id}/items/{item.pk}/broken.jpg"
    s3.put(key, image_bytes()[:200])
    photo = Photo.objects.create(
        kind="item",
        family=member.family,
        item=item,
        key=key,
        content_type="image/jpeg",
        size=200,
        width=800,
        height=600,
    )
    make_thumbnail.delay(str(photo.pk))
    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED
    assert photo.error == "The photo could not be read."
    assert not photo.thumbnail_key


def test_a_missing_original_marks_the_photo_failed(s3, member, item):
    photo = Photo.objects.create(
        kind="item",
        family=member.family,
        item=item,
        key=f"families/{member.family_id}/items/{item.pk}/gone.jpg",
        content_type="image/jpeg",
        size=1,
        width=1,
        height=1,
    )
    make_thumbnail.delay(str(photo.pk))
    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED


def test_service_rejects_a_decompression_bomb(s3, member, item):
    out = BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")  # 64 megapixels in a few kilobytes
    from photos.images import NotAnImageError, inspect_image

    assert len(out.getvalue()) < 100_000
    with pytest.raises(NotAnImageError):
        inspect_image(out.getvalue())


def test_slot_tokens_expire(member, item, s3, monkeypatch):
    from photos.access import photo_target_for_change

    target = photo_target_for_change(kind="item", owner_id=item.pk, user=member.user)
    slot = services.upload_slot_issue(target=target, actor=member.user, content_type="image/jpeg")
    monkeypatch.setattr(services, "SLOT_MAX_AGE_SECONDS", -1)
    with pytest.raises(services.UploadRejectedError, match="took too long"):
        services.upload_slot_claim(token=slot.token, target=target, actor=member.user)
