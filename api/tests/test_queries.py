"""Statements per API read, pinned: prevents N+1 (the count does not grow with the data)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lists.tests.factories import ListItemFactory

pytestmark = pytest.mark.django_db

# Token lookup, the list with the membership check, one page of items.
ITEMS_QUERIES = 3


def _count(api, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("n", [5, 200])
def test_list_items_take_a_fixed_number_of_queries(
    api, family_world, n, django_assert_max_num_queries
):
    """Prevents N+1: the same statements for 5 and 200 items (assignees included)."""
    grocery_list = family_world["list"]
    for i in range(n):
        ListItemFactory(
            grocery_list=grocery_list, assigned_to=family_world["admin"] if i % 2 else None
        )
    url = f"/api/v1/lists/{grocery_list.id}/items?limit=200"
    api.get("/api/v1/me")  # the token's "last used" is written once a minute, not per request
    with django_assert_max_num_queries(ITEMS_QUERIES):
        body = api.get(url).json()
    assert len(body["results"]) == min(n + 1, 200)


def test_an_unchanged_list_is_a_304_without_the_items_query(
    api, family_world, django_assert_max_num_queries
):
    url = f"/api/v1/lists/{family_world['list'].id}/items"
    etag = api.get(url)["ETag"]
    with django_assert_max_num_queries(ITEMS_QUERIES - 1):
        assert api.get(url, if_none_match=etag).status_code == 304


def test_item_page_queries_do_not_grow_with_the_list(api, family_world):
    grocery_list = family_world["list"]
    url = f"/api/v1/lists/{grocery_list.id}/items?limit=200"
    api.get("/api/v1/me")
    few = _count(api, url)
    for _ in range(150):
        ListItemFactory(grocery_list=grocery_list)
    assert _count(api, url) == few


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/api/v1/me", 2),
        ("/api/v1/families/{family}/lists", 3),
        ("/api/v1/lists/{list}/events?after=0", 4),
        ("/api/v1/families/{family}/orders", 4),
    ],
)
def test_other_reads_are_pinned(api, family_world, path, queries, django_assert_max_num_queries):
    """Prevents N+1 on the other collections."""
    url = path.format(family=family_world["family"].id, list=family_world["list"].id)
    api.get("/api/v1/me")
    with django_assert_max_num_queries(queries):
        assert api.get(url).status_code == 200
