"""The same flow with the embedded default (local files): `make run` handles photos too."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from photos.models import Photo

from .conftest import SVG, image_bytes

pytestmark = pytest.mark.django_db


def _slot(client, item, content_type="image/png"):
    response = client.post(
        reverse("photos:slot", args=["item", item.pk]), {"content_type": content_type}
    )
    assert response.status_code == 200
    return response.json()


def _send(client, slot, data, name="photo.png", content_type="image/png"):
    return client.post(
        slot["url"],
        {**slot["fields"], "file": SimpleUploadedFile(name, data, content_type=content_type)},
    )


def test_slot_upload_complete_and_serve_with_local_files(
    client, local_media, member, item, django_capture_on_commit_callbacks
):
    client.force_login(member.user)
    slot = _slot(client, item)
    assert slot["direct_to_storage"] is False
    assert slot["url"] == reverse("photos:direct")
    assert _send(client, slot, image_bytes("PNG", (300, 900))).status_code == 204

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("photos:complete", args=["item", item.pk]), {"token": slot["token"]}
        )
    assert response.status_code == 200
    photo = Photo.objects.get(item=item)
    assert photo.status == Photo.Status.READY
    assert (local_media / photo.key).is_file()
    assert (local_media / photo.thumbnail_key).is_file()

    thumb = client.get(reverse("photos:thumb", args=["item", item.pk]))
    assert thumb.status_code == 200
    assert thumb["Content-Type"] == "image/webp"
    assert thumb["Cache-Control"].startswith("private")
    with Image.open(BytesIO(b"".join(thumb.streaming_content))) as image:
        assert image.format == "WEBP"
        assert image.size == (85, 256)
    full = client.get(reverse("photos:full", args=["item", item.pk]))
    assert full["Content-Type"] == "image/png"
    assert b"".join(full.streaming_content) == (local_media / photo.key).read_bytes()


def test_local_direct_upload_rejects_wrong_type_and_keeps_nothing(
    client, local_media, member, item
):
    client.force_login(member.user)
    slot = _slot(client, item, content_type="image/jpeg")
    assert _send(client, slot, SVG, name="x.jpg", content_type="image/jpeg").status_code == 204
    response = client.post(
        reverse("photos:complete", args=["item", item.pk]), {"token": slot["token"]}
    )
    assert response.status_code == 400
    assert "not a photo we can use" in response.json()["error"]
    assert not any(path.is_file() for path in local_media.rglob("*"))
    assert not Photo.objects.exists()


def test_local_direct_upload_refuses_oversize_before_storing(
    client, local_media, member, item, settings
):
    settings.GROCER_PHOTO_MAX_BYTES = 1000
    client.force_login(member.user)
    slot = _slot(client, item)
    response = _send(client, slot, image_bytes("PNG") + b"\0" * 2000)
    assert response.status_code == 400
    assert "too big" in response.json()["error"]
    assert not local_media.exists() or not any(p.is_file() for p in local_media.rglob("*"))


def test_direct_upload_needs_the_token_holder(client, local_media, member, item, stranger):
    client.force_login(member.user)
    slot = _slot(client, item)
    client.force_login(stranger.user)
    assert _send(client, slot, image_bytes("PNG")).status_code == 404
    client.force_login(member.user)
    forged = {"token": slot["token"][:-2] + "xx"}
    assert (
        _send(client, {"url": slot["url"], "fields": forged}, image_bytes("PNG")).status_code == 400
    )


def test_the_no_javascript_form_uploads_and_redirects(
    client, local_media, member, item, django_capture_on_commit_callbacks
):
    client.force_login(member.user)
    page = reverse("photos:page", args=["item", item.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("photos:upload", args=["item", item.pk]),
            {"file": SimpleUploadedFile("p.webp", image_bytes("WEBP"), "image/webp")},
            follow=True,
        )
    assert response.redirect_chain == [(page, 302)]
    assert "Photo saved." in response.content.decode()
    photo = Photo.objects.get(item=item)
    assert photo.content_type == "image/webp"
    assert photo.key.endswith(".webp")
    assert photo.status == Photo.Status.READY


def test_the_no_javascript_form_explains_a_wrong_file(client, local_media, member, item):
    client.force_login(member.user)
    response = client.post(
        reverse("photos:upload", args=["item", item.pk]),
        {"file": SimpleUploadedFile("notes.jpg", b"hello", "image/jpeg")},
        follow=True,
    )
    assert "not a photo we can use" in response.content.decode()
    assert not Photo.objects.exists()
    assert not local_media.exists() or not any(p.is_file() for p in local_media.rglob("*"))


def test_upload_slots_are_rate_limited_per_user(client, local_media, member, item):
    client.force_login(member.user)
    url = reverse("photos:slot", args=["item", item.pk])
    statuses = [client.post(url, {"content_type": "image/png"}).status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
