"""Item rows on the list page: thumbnail, placeholder while pending, a way to add one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grocer.testing import clear_test_cache
from lists.tests.factories import ListItemFactory

from .factories import ItemPhotoFactory

pytestmark = pytest.mark.django_db


def _page(client, grocery_list) -> str:
    response = client.get(reverse("lists:detail", args=[grocery_list.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_rows_show_thumbnails_placeholders_and_a_photo_link(client, member, item):
    ready_item = ListItemFactory(grocery_list=item.grocery_list, name="rye bread")
    ItemPhotoFactory(
        item=ready_item,
        status="ready",
        thumbnail_key="t.webp",
        thumbnail_width=256,
        thumbnail_height=192,
    )
    ItemPhotoFactory(item=item, status="pending")
    bare = ListItemFactory(grocery_list=item.grocery_list, name="eggs")
    client.force_login(member.user)
    html = _page(client, item.grocery_list)
    assert f'src="{reverse("photos:thumb", args=["item", ready_item.pk])}"' in html
    assert 'alt="Photo of rye bread"' in html
    assert 'aria-label="Photo of oat milk: preparing the preview"' in html
    # The pending photo is a placeholder, never a broken image.
    assert html.count('class="photo-thumb"') == 1
    assert f'id="photo-item-{bare.pk}"' not in html  # no photo, no figure in the row
    # Adding one is in the row's menu, loaded when it opens (light rows).
    menu = client.get(
        reverse("lists:item_menu", kwargs={"list_id": bare.grocery_list_id, "item_id": bare.pk}),
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert f'href="{reverse("photos:page", args=["item", bare.pk])}"' in menu
    assert "Add photo<span" in menu


def test_photos_cost_no_query_per_row(client, member, item):
    """Prevents N+1: the page's query count does not grow with the number of photos."""
    client.force_login(member.user)
    ItemPhotoFactory(item=item, status="ready", thumbnail_key="t.webp")
    _page(client, item.grocery_list)  # session and per-user lookups settle
    # Rows are cached per list until the next list event; these photos come straight
    # from a factory (no event), so both measurements start from an empty cache.
    clear_test_cache()
    with CaptureQueriesContext(connection) as one:
        _page(client, item.grocery_list)
    for _ in range(4):
        ItemPhotoFactory(
            item=ListItemFactory(grocery_list=item.grocery_list),
            status="ready",
            thumbnail_key="t.webp",
        )
    clear_test_cache()
    with CaptureQueriesContext(connection) as five:
        html = _page(client, item.grocery_list)
    assert html.count('class="photo-thumb"') == 5
    assert len(five.captured_queries) == len(one.captured_queries)
