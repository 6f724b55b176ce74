"""Every resource of /api/v1 does what its page does, through the same services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lists.models import GroceryList, ListEvent, ListItem
from orders.models import Order
from vendors.models import VendorShare
from vendors.tests.factories import VendorAnswerFactory, VendorAnswerLineFactory, VendorFactory

from .conftest import Api, make_token

pytestmark = pytest.mark.django_db


def test_me_names_the_user_their_families_and_the_token(api, family_world):
    body = api.get("/api/v1/me").json()
    assert body["email"] == family_world["member"].email
    assert body["families"] == [
        {
            "id": str(family_world["family"].id),
            "name": family_world["family"].name,
            "role": "member",
        }
    ]
    assert body["token"]["scope"] == "write"


def test_families_family_and_members(api, family_world):
    family_id = family_world["family"].id
    assert [f["id"] for f in api.get("/api/v1/families").json()["results"]] == [str(family_id)]
    assert api.get(f"/api/v1/families/{family_id}").json()["role"] == "member"
    members = api.get(f"/api/v1/families/{family_id}/members").json()["results"]
    assert {(m["user_id"], m["role"]) for m in members} == {
        (str(family_world["admin"].pk), "admin"),
        (str(family_world["member"].pk), "member"),
    }


def test_list_lifecycle_records_the_same_events_as_the_pages(api, family_world):
    family_id = family_world["family"].id
    created = api.post(f"/api/v1/families/{family_id}/lists", {"name": "  Weekend  "})
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Weekend" and body["status"] == "active" and body["version"] == 1
    list_id = body["id"]
    assert created["Location"] == f"/api/v1/lists/{list_id}"
    names = [
        row["name"] for row in api.get(f"/api/v1/families/{family_id}/lists").json()["results"]
    ]
    assert "Weekend" in names

    archived = api.post(f"/api/v1/lists/{list_id}/archive")
    assert archived.json()["status"] == "archived" and archived.json()["version"] == 2
    archived_names = [
        row["name"]
        for row in api.get(f"/api/v1/families/{family_id}/lists?status=archived").json()["results"]
    ]
    assert archived_names == ["Weekend"]
    assert api.post(f"/api/v1/lists/{list_id}/restore").json()["status"] == "active"

    assert api.delete(f"/api/v1/lists/{list_id}").status_code == 204
    assert api.get(f"/api/v1/lists/{list_id}").status_code == 404
    restored = api.post(f"/api/v1/lists/{list_id}/restore")
    assert restored.status_code == 200 and restored.json()["name"] == "Weekend"
    types = list(
        ListEvent.objects.filter(grocery_list_id=list_id)
        .order_by("seq")
        .values_list("type", flat=True)
    )
    assert types == [
        "list.created",
        "list.archived",
        "list.restored",
        "list.deleted",
        "list.restored",
    ]
    assert ListEvent.objects.filter(grocery_list_id=list_id).first().actor == family_world["member"]


def test_item_add_by_text_parses_like_the_add_box_and_merges(api, family_world):
    list_id = family_world["list"].id
    first = api.post(f"/api/v1/lists/{list_id}/items", {"text": "2 kg tomatoes"})
    assert first.status_code == 201
    assert first.json()["outcome"] == "created"
    item = first.json()["item"]
    assert (item["name"], item["quantity"], item["category"]) == ("tomatoes", "2 kg", "produce")
    merged = api.post(f"/api/v1/lists/{list_id}/items", {"text": "500 g tomatoes"})
    assert merged.status_code == 200
    assert merged.json()["outcome"] == "merged"
    assert merged.json()["item"]["quantity"] == "2.5 kg"
    again = api.post(f"/api/v1/lists/{list_id}/items", {"text": "tomatoes"})
    assert again.status_code == 200 and again.json()["outcome"] == "existing"
    assert ListItem.objects.filter(grocery_list_id=list_id, name="tomatoes").count() == 1


def test_item_add_by_fields(api, family_world):
    list_id = family_world["list"].id
    response = api.post(
        f"/api/v1/lists/{list_id}/items",
        {"name": "Bread", "quantity": "1", "note": "sliced", "category": "bakery"},
    )
    assert response.status_code == 201
    item = ListItem.objects.get(pk=response.json()["item"]["id"])
    assert (item.name, item.quantity_text, item.note, item.category) == (
        "Bread",
        "1",
        "sliced",
        "bakery",
    )
    assert item.created_by == family_world["member"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": "milk", "name": "milk"},
        {"text": "milk", "note": "x"},
        {"name": "   "},
        {"name": "x" * 201},
        {"name": "eggs", "category": "nonsense"},
    ],
)
def test_item_add_refuses_bad_bodies_with_field_errors(api, family_world, body):
    response = api.post(f"/api/v1/lists/{family_world['list'].id}/items", body)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]


def test_item_edit_status_assign_delete_restore(api, family_world):
    item = family_world["item"]
    url = f"/api/v1/items/{item.id}"
    current = api.get(url)
    patched = api.patch(url, {"quantity": "2 l", "note": "oat"}, if_match=current["ETag"])
    assert patched.status_code == 200
    assert patched.json()["quantity"] == "2 l" and patched.json()["version"] == 2
    status = api.post(f"{url}/status", {"status": "in_cart"})
    assert status.json()["status"] == "in_cart"
    assert api.post(f"{url}/status", {"status": "lost"}).status_code == 422
    assigned = api.post(f"{url}/assign", {"user_id": str(family_world["admin"].pk)})
    assert assigned.json()["assigned_to"] == str(family_world["admin"].pk)
    outsider = api.post(f"{url}/assign", {"user_id": str(family_world["outsider"].pk)})
    assert outsider.status_code == 422
    assert api.post(f"{url}/assign", {"user_id": None}).json()["assigned_to"] is None
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert api.post(f"{url}/restore").json()["id"] == str(item.id)
    types = list(
        ListEvent.objects.filter(grocery_list=item.grocery_list)
        .order_by("seq")
        .values_list("type", flat=True)
    )
    assert types == [
        "item.updated",
        "item.status_changed",
        "item.assigned",
        "item.assigned",
        "item.deleted",
        "item.restored",
    ]


def test_events_after_a_seq_and_gone_when_too_far_behind(api, family_world, monkeypatch):
    list_id = family_world["list"].id
    for name in ("a", "b", "c"):
        api.post(f"/api/v1/lists/{list_id}/items", {"name": name})
    feed = api.get(f"/api/v1/lists/{list_id}/events?after=1&limit=1").json()
    assert [e["seq"] for e in feed["results"]] == [2]
    assert feed["results"][0]["text"].endswith("added b")
    assert feed["last_seq"] == 3
    assert feed["next"].endswith(f"/api/v1/lists/{list_id}/events?after=2&limit=1")
    caught_up = api.get(f"/api/v1/lists/{list_id}/events?after=3").json()
    assert caught_up["results"] == [] and caught_up["next"] is None
    assert api.get(f"/api/v1/lists/{list_id}/events?after=9").status_code == 422

    from api.routes import events

    monkeypatch.setattr(events, "MAX_BEHIND", 2)
    gone = api.get(f"/api/v1/lists/{list_id}/events?after=0")
    assert gone.status_code == 410
    assert gone["Content-Type"] == "application/problem+json"
    assert gone.json()["last_seq"] == 3


def test_share_answer_order_and_status(api, family_world):
    grocery_list = family_world["list"]
    vendor = VendorFactory(family=family_world["family"])
    other_family_vendor = VendorFactory(family=family_world["outsider"].memberships.get().family)
    vendors = api.get(f"/api/v1/families/{family_world['family'].id}/vendors").json()["results"]
    assert str(vendor.id) in {v["id"] for v in vendors}
    assert str(other_family_vendor.id) not in {v["id"] for v in vendors}
    refused = api.post(
        f"/api/v1/lists/{grocery_list.id}/shares", {"vendor": str(other_family_vendor.id)}
    )
    assert refused.status_code == 422
    shared = api.post(
        f"/api/v1/lists/{grocery_list.id}/shares", {"vendor": str(vendor.id), "message": "Hi"}
    )
    assert shared.status_code == 201
    share_id = shared.json()["id"]
    assert shared.json()["status"] == "pending" and shared.json()["answer"] is None
    share = VendorShare.objects.get(pk=share_id)
    assert ListEvent.objects.filter(grocery_list=grocery_list, type="share.status_changed").exists()

    too_early = api.post(
        f"/api/v1/shares/{share_id}/order", {"answer_version": ""}, idempotency_key="order-1"
    )
    assert too_early.status_code == 409
    answer = VendorAnswerFactory(share=share, fingerprint="v1")
    VendorAnswerLineFactory(
        answer=answer, name="milk", quantity_text="2", unit_price=Decimal("1.20")
    )
    detail = api.get(f"/api/v1/shares/{share_id}").json()
    assert detail["answer"]["lines"][0]["unit_price"] == "1.20"

    assert detail["answer"]["version"] == "v1"
    order_url = f"/api/v1/shares/{share_id}/order"
    assert api.post(order_url, {"answer_version": "v1"}).status_code == 400  # no key
    # The vendor changed the answer after it was read: nothing is ordered.
    stale = api.post(order_url, {"answer_version": "v0"}, idempotency_key="order-stale")
    assert stale.status_code == 409 and "changed their answer" in stale.json()["detail"]
    assert not Order.objects.filter(share_id=share_id).exists()
    # Like the order page, the refusal shows the answer as it is now, to review first.
    assert stale["Content-Type"] == "application/problem+json"
    assert stale.json()["type"] == "/api/v1/problems/answer-changed"
    assert stale.json()["current"]["answer"]["version"] == "v1"
    assert stale.json()["current"]["answer"]["lines"][0]["unit_price"] == "1.20"
    # An empty version is a stale one too (the page refuses a form without it).
    blank = api.post(order_url, {"answer_version": ""}, idempotency_key="order-blank")
    assert blank.status_code == 409 and blank.json()["type"].endswith("/answer-changed")
    placed = api.post(order_url, {"answer_version": "v1"}, idempotency_key="order-2")
    assert placed.status_code == 201
    assert placed.json()["total"] == "2.40"
    assert api.get(f"/api/v1/shares/{share_id}").json()["order_id"] == placed.json()["id"]
    again = api.post(order_url, {"answer_version": "v1"}, idempotency_key="order-3")
    assert again.status_code == 200 and again.json()["id"] == placed.json()["id"]
    assert Order.objects.filter(share_id=share_id).count() == 1

    orders = api.get(f"/api/v1/families/{family_world['family'].id}/orders").json()["results"]
    assert orders[0]["id"] == placed.json()["id"]  # newest first
    assert len(orders) == Order.objects.filter(family=family_world["family"]).count()
    placed_url = f"/api/v1/orders/{placed.json()['id']}"
    assert api.patch(placed_url, {"status": "confirmed"}).json()["status"] == "confirmed"
    assert api.patch(placed_url, {"status": "placed"}).status_code == 409


def test_session_writes_need_the_csrf_token(client, family_world):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(family_world["member"])
    url = f"/api/v1/lists/{family_world['list'].id}/items"
    assert browser.get(url).status_code == 200
    refused = Api(browser).post(url, {"text": "eggs"})
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    browser.get("/accounts/profile/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = Api(browser).post(url, {"text": "eggs"}, x_csrftoken=token)
    assert accepted.status_code == 201


def test_a_token_acts_as_its_user_and_a_read_token_only_reads(client, family_world):
    reader = Api(client, make_token(family_world["member"], scope="read"))
    url = f"/api/v1/lists/{family_world['list'].id}/items"
    assert reader.get(url).status_code == 200
    refused = reader.post(url, {"text": "eggs"})
    assert refused.status_code == 403
    assert "read-only" in refused.json()["detail"]
    assert not ListItem.objects.filter(name="eggs").exists()


def test_list_patch_renames_and_bumps_the_version(api, family_world):
    url = f"/api/v1/lists/{family_world['list'].id}"
    etag = api.get(url)["ETag"]
    renamed = api.patch(url, {"name": "Big shop"}, if_match=etag)
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Big shop" and renamed.json()["version"] == 2
    assert renamed["ETag"] != etag
    assert GroceryList.objects.get(pk=family_world["list"].pk).name == "Big shop"
