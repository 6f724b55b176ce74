"""ETag / If-None-Match (304) / If-Match (428, 412 with the current item) and cursor pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lists import item_services
from lists import services as list_services
from lists.models import ListItem
from lists.tests.factories import ListItemFactory

pytestmark = pytest.mark.django_db


def test_get_sends_an_etag_and_honours_if_none_match(api, family_world):
    url = f"/api/v1/items/{family_world['item'].id}"
    first = api.get(url)
    etag = first["ETag"]
    assert etag == f'"item-{family_world["item"].id}-v1"'
    not_modified = api.get(url, if_none_match=etag)
    assert not_modified.status_code == 304 and not_modified.content == b""
    item_services.item_set_status(
        item_id=family_world["item"].id,
        grocery_list=family_world["list"],
        actor=family_world["admin"],
        status="purchased",
    )
    changed = api.get(url, if_none_match=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    list_url = f"/api/v1/lists/{family_world['list'].id}"
    assert api.get(list_url, if_none_match=api.get(list_url)["ETag"]).status_code == 304


def test_list_items_send_an_etag_that_moves_with_any_item_change(api, family_world):
    """A script polling a list gets 304s until something on it changes."""
    url = f"/api/v1/lists/{family_world['list'].id}/items"
    etag = api.get(url)["ETag"]
    not_modified = api.get(url, if_none_match=etag)
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert api.get(f"{url}?limit=1")["ETag"] != etag  # another page, its own tag
    item_services.item_set_status(
        item_id=family_world["item"].id,
        grocery_list=family_world["list"],
        actor=family_world["admin"],
        status="in_cart",
    )
    changed = api.get(url, if_none_match=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["results"][0]["status"] == "in_cart"
    item_services.item_add(
        grocery_list=family_world["list"], name="bread", actor=family_world["admin"]
    )
    added = api.get(url, if_none_match=changed["ETag"])
    assert added.status_code == 200 and "bread" in {r["name"] for r in added.json()["results"]}


def test_list_items_are_written_exactly_as_one_item_is(api, family_world):
    """The page is built from plain rows, without the ItemOut models: each row must still
    be what ItemOut gives for the item (ids, an unassigned or assigned member, a timestamp
    with and without a fraction of a second)."""
    grocery_list = family_world["list"]
    ListItemFactory(grocery_list=grocery_list, assigned_to=family_world["admin"], note="oat")
    ListItem.objects.filter(pk=family_world["item"].pk).update(
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
    rows = api.get(f"/api/v1/lists/{grocery_list.id}/items").json()["results"]
    assert len(rows) == 2
    assert rows[0]["created_at"] == "2026-01-02T03:04:05Z"
    for row in rows:
        assert row == api.get(f"/api/v1/items/{row['id']}").json()


def test_patch_without_if_match_is_428(api, family_world):
    response = api.patch(f"/api/v1/items/{family_world['item'].id}", {"note": "oat"})
    assert response.status_code == 428
    assert response["Content-Type"] == "application/problem+json"
    assert ListItem.objects.get(pk=family_world["item"].pk).note == ""
    list_response = api.patch(f"/api/v1/lists/{family_world['list'].id}", {"name": "x"})
    assert list_response.status_code == 428


def test_patch_with_a_stale_etag_is_412_with_the_current_item(api, family_world):
    url = f"/api/v1/items/{family_world['item'].id}"
    stale = api.get(url)["ETag"]
    item_services.item_update(
        item_id=family_world["item"].id,
        grocery_list=family_world["list"],
        actor=family_world["admin"],
        changes={"note": "semi-skimmed"},
        base={},
    )
    response = api.patch(url, {"note": "oat"}, if_match=stale)
    assert response.status_code == 412
    body = response.json()
    assert body["current"]["note"] == "semi-skimmed" and body["current"]["version"] == 2
    assert response["ETag"] == f'"item-{family_world["item"].id}-v2"'
    assert ListItem.objects.get(pk=family_world["item"].pk).note == "semi-skimmed"
    retried = api.patch(url, {"note": "oat"}, if_match=response["ETag"])
    assert retried.status_code == 200 and retried.json()["note"] == "oat"


def test_list_patch_with_a_stale_etag_is_412(api, family_world):
    url = f"/api/v1/lists/{family_world['list'].id}"
    stale = api.get(url)["ETag"]
    list_services.list_archive(grocery_list=family_world["list"], actor=family_world["admin"])
    response = api.patch(url, {"name": "Renamed"}, if_match=stale)
    assert response.status_code == 412
    assert response.json()["current"]["status"] == "archived"


def test_cursor_pages_are_stable_under_inserts(api, family_world):
    grocery_list = family_world["list"]
    # Positions below any seq: an added item takes its event's seq as its position, and
    # the factory's own sequence runs on across tests.
    ListItem.objects.filter(pk=family_world["item"].pk).update(position=-100)
    for n in range(5):
        ListItemFactory(grocery_list=grocery_list, name=f"thing {n}", position=n - 50)
    url = f"/api/v1/lists/{grocery_list.id}/items?limit=2"
    seen = []
    page = api.get(url).json()
    seen += [row["name"] for row in page["results"]]
    # Someone adds items between pages: nothing is served twice or skipped.
    item_services.item_add(grocery_list=grocery_list, actor=family_world["admin"], name="late one")
    while page["next"]:
        page = api.get(page["next"].removeprefix("http://testserver")).json()
        seen += [row["name"] for row in page["results"]]
        if len(seen) == 4:
            item_services.item_add(
                grocery_list=grocery_list, actor=family_world["admin"], name="late two"
            )
    expected = ["milk"] + [f"thing {n}" for n in range(5)] + ["late one", "late two"]
    assert seen == expected
