"""The photo page, the figure partial and the `photo_figure` tag: never a broken image."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from lists.models import ListItem
from photos.models import Photo

pytestmark = pytest.mark.django_db


def _photo(item, status, **extra) -> Photo:
    return Photo.objects.create(
        kind="item",
        family=item.grocery_list.family,
        item=item,
        key=f"families/x/items/{item.pk}/a.jpg",
        content_type="image/jpeg",
        size=1,
        width=640,
        height=480,
        status=status,
        **extra,
    )


def _render_row(item) -> str:
    request = RequestFactory().get("/")
    template = Template('{% load photos %}<li class="item">{% photo_figure item %}</li>')
    return template.render(Context({"item": item, "request": request}))


def test_no_photo_renders_a_placeholder(item):
    html = _render_row(item)
    assert "<img" not in html
    assert 'role="img"' in html and 'aria-label="No photo yet"' in html


def test_a_pending_photo_renders_a_polling_placeholder(item):
    _photo(item, Photo.Status.PENDING)
    html = _render_row(ListItem.objects.select_related("photo").get(pk=item.pk))
    assert "<img" not in html
    assert "preparing the preview" in html
    assert f'hx-get="{reverse("photos:figure", args=["item", item.pk])}"' in html


def test_a_failed_photo_renders_a_placeholder_that_does_not_poll(item):
    _photo(item, Photo.Status.FAILED, error="The photo could not be read.")
    html = _render_row(item)
    assert "<img" not in html
    assert "the preview could not be made" in html
    assert "hx-get" not in html


def test_a_ready_photo_renders_its_thumbnail_link(item):
    _photo(
        item, Photo.Status.READY, thumbnail_key="t.webp", thumbnail_width=256, thumbnail_height=192
    )
    html = _render_row(item)
    assert f'src="{reverse("photos:thumb", args=["item", item.pk])}"' in html
    assert 'width="256" height="192"' in html
    assert f'href="{reverse("photos:full", args=["item", item.pk])}"' in html


def test_the_thumbnail_url_is_a_404_not_a_broken_image_while_pending(client, member, item):
    _photo(item, Photo.Status.PENDING)
    client.force_login(member.user)
    assert client.get(reverse("photos:thumb", args=["item", item.pk])).status_code == 404


def test_the_photo_page_shows_the_widget(client, member, item, django_assert_max_num_queries):
    """Prevents N+1: the page costs a fixed number of queries."""
    _photo(item, Photo.Status.FAILED)
    client.force_login(member.user)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("photos:page", args=["item", item.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Photo of oat milk</h1>" in html
    assert "data-photo-upload" in html
    assert f'action="{reverse("photos:upload", args=["item", item.pk])}"' in html
    assert '<label for="photo-file-' in html
    assert "js/uploads.js" in html
    assert "<script>" not in html  # no inline script
    assert "Remove photo" in html


def test_the_profile_offers_a_picture(client, member):
    client.force_login(member.user)
    html = client.get(reverse("profile")).content.decode()
    assert 'aria-label="No photo yet"' in html
    assert f'href="{reverse("photos:page", args=["avatar", member.user.pk])}"' in html
    assert "Add a picture" in html
    page = client.get(reverse("photos:page", args=["avatar", member.user.pk]))
    assert page.status_code == 200
    assert f'href="{reverse("profile")}"' in page.content.decode()


def _logo(vendor, n=0) -> Photo:
    return Photo.objects.create(
        kind="logo",
        vendor=vendor,
        family=vendor.family,
        key=f"vendors/{vendor.pk}/logo/{n}.png",
        thumbnail_key=f"vendors/{vendor.pk}/logo/{n}.thumb256.webp",
        content_type="image/png",
        size=1,
        width=300,
        height=300,
        thumbnail_width=256,
        thumbnail_height=256,
        status=Photo.Status.READY,
    )


def test_family_admins_find_the_logo_on_the_vendor_edit_page(client):
    from families.models import Membership
    from families.tests.factories import MembershipFactory
    from vendors.tests.factories import VendorFactory

    admin = MembershipFactory(role=Membership.Role.ADMIN)
    vendor = VendorFactory(family=admin.family, name="Corner shop")
    client.force_login(admin.user)
    html = client.get(reverse("vendors:edit", args=[admin.family_id, vendor.pk])).content.decode()
    assert f'href="{reverse("photos:page", args=["logo", vendor.pk])}"' in html
    assert "Add a logo" in html


def test_the_vendor_directory_shows_logos_without_a_query_per_vendor(
    client, django_assert_num_queries
):
    """Prevents N+1: logos come with the vendors, so more logos cost no more queries."""
    from families.models import Membership
    from families.tests.factories import MembershipFactory
    from vendors.tests.factories import VendorFactory

    admin = MembershipFactory(role=Membership.Role.ADMIN)
    client.force_login(admin.user)
    url = reverse("vendors:directory", args=[admin.family_id])
    _logo(VendorFactory(family=admin.family))
    client.get(url)  # warm anything cached per session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        html = client.get(url).content.decode()
    assert html.count('class="photo-thumb"') == 1
    for n in range(3):
        _logo(VendorFactory(family=admin.family), n)
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count('class="photo-thumb"') == 4
