"""Vendor logos and avatars: who may change them and who may see them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from families.models import Membership
from families.tests.factories import MembershipFactory, UserFactory
from photos.models import Photo
from vendors.tests.factories import VendorFactory

from .conftest import image_bytes, post_to_storage

pytestmark = pytest.mark.django_db


def _upload(client, kind, owner_id, capture):
    response = client.post(
        reverse("photos:slot", args=[kind, owner_id]), {"content_type": "image/png"}
    )
    assert response.status_code == 200, response.content
    slot = response.json()
    assert post_to_storage(slot, image_bytes("PNG")).is_success
    with capture(execute=True):
        response = client.post(
            reverse("photos:complete", args=[kind, owner_id]), {"token": slot["token"]}
        )
    assert response.status_code == 200, response.content
    return slot["fields"]["key"]


def _slot_status(client, kind, owner_id) -> int:
    return client.post(
        reverse("photos:slot", args=[kind, owner_id]), {"content_type": "image/png"}
    ).status_code


def test_family_admins_upload_their_vendors_logo_and_anyone_may_see_it(
    client, s3, django_capture_on_commit_callbacks
):
    admin = MembershipFactory(role=Membership.Role.ADMIN)
    vendor = VendorFactory(family=admin.family)
    client.force_login(admin.user)
    key = _upload(client, "logo", vendor.pk, django_capture_on_commit_callbacks)
    assert key.startswith(f"vendors/{vendor.pk}/logo/")
    photo = Photo.objects.get(vendor=vendor)
    assert photo.status == Photo.Status.READY
    assert photo.family_id == admin.family_id

    client.logout()
    response = client.get(reverse("photos:thumb", args=["logo", vendor.pk]))
    assert response.status_code == 302
    assert response["Cache-Control"].startswith("public")


def test_logo_changes_need_a_family_admin_or_staff_for_shared_vendors(client, s3):
    admin = MembershipFactory(role=Membership.Role.ADMIN)
    vendor = VendorFactory(family=admin.family)
    plain_member = MembershipFactory(family=admin.family)
    outsider = MembershipFactory()
    shared_vendor = VendorFactory(family=None)

    client.force_login(plain_member.user)
    assert _slot_status(client, "logo", vendor.pk) == 403
    client.force_login(outsider.user)
    assert _slot_status(client, "logo", vendor.pk) == 404
    assert _slot_status(client, "logo", shared_vendor.pk) == 403
    client.force_login(UserFactory(is_staff=True))
    assert _slot_status(client, "logo", shared_vendor.pk) == 200


def test_avatars_are_changed_by_their_user_and_seen_by_their_families(
    client, s3, django_capture_on_commit_callbacks
):
    me = MembershipFactory()
    relative = MembershipFactory(family=me.family)
    stranger = MembershipFactory()
    client.force_login(me.user)
    key = _upload(client, "avatar", me.user.pk, django_capture_on_commit_callbacks)
    assert key.startswith(f"users/{me.user.pk}/avatar/")
    assert client.get(reverse("photos:thumb", args=["avatar", me.user.pk])).status_code == 302

    client.force_login(relative.user)
    assert client.get(reverse("photos:thumb", args=["avatar", me.user.pk])).status_code == 302
    assert _slot_status(client, "avatar", me.user.pk) == 404

    client.force_login(stranger.user)
    assert client.get(reverse("photos:thumb", args=["avatar", me.user.pk])).status_code == 404
    assert _slot_status(client, "avatar", me.user.pk) == 404
    client.logout()
    assert client.get(reverse("photos:thumb", args=["avatar", me.user.pk])).status_code == 404
