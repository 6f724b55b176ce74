"""Idempotent replay of queued (offline) changes, on PostgreSQL."""

import json
import uuid

import pytest
from django.urls import reverse

from families.tests.factories import MembershipFactory
from lists import item_services, sync
from lists.models import AppliedChange, ListEvent, ListItem
from lists.tests.factories import GroceryListFactory
from lists.tests.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def ana():
    return MembershipFactory(user__display_name="Ana")


@pytest.fixture
def ben(ana):
    return MembershipFactory(family=ana.family, user__display_name="Ben")


@pytest.fixture
def grocery_list(ana):
    return GroceryListFactory(family=ana.family, name="Weekly shop")


@pytest.fixture
def milk(grocery_list, ana):
    return item_services.item_add(grocery_list=grocery_list, actor=ana.user, name="milk").item


def post(client, grocery_list, body, raw=False):
    return client.post(
        reverse("lists:sync", kwargs={"list_id": grocery_list.id}),
        body if raw else json.dumps(body),
        content_type="application/json",
    )


def events(grocery_list, type=None):
    qs = ListEvent.objects.filter(grocery_list=grocery_list)
    return list(qs.filter(type=type) if type else qs)


def test_the_same_add_twice_creates_one_item(client, ana, grocery_list):
    client.force_login(ana.user)
    key = str(uuid.uuid4())
    change = {"key": key, "kind": "add", "fields": {"text": "2 kg tomatoes"}}
    first = post(client, grocery_list, change)
    assert first.status_code == 200
    assert first.json()["outcome"] == "applied"
    second = post(client, grocery_list, change)
    assert second.status_code == 200
    assert second.json()["outcome"] == "duplicate"
    assert second.json()["item_id"] == first.json()["item_id"]
    assert second.json()["first_outcome"] == "applied"
    item = ListItem.objects.get(grocery_list=grocery_list)
    assert (item.name, item.quantity_text) == ("tomatoes", "2 kg")
    assert len(events(grocery_list, "item.added")) == 1
    assert AppliedChange.objects.get(key=key).user == ana.user


def test_replayed_add_after_the_item_was_bought_does_not_add_it_again(ana, grocery_list):
    """The second try of an add must not re-add once the first item moved out of "needed"."""
    key = uuid.uuid4()
    first = sync.change_apply(
        grocery_list=grocery_list, actor=ana.user, key=key, kind="add", fields={"text": "milk"}
    )
    item_services.item_set_status(
        item_id=first.result["item_id"], grocery_list=grocery_list, actor=None, status="purchased"
    )
    again = sync.change_apply(
        grocery_list=grocery_list, actor=ana.user, key=key, kind="add", fields={"text": "milk"}
    )
    assert again.outcome == "duplicate"
    assert ListItem.objects.filter(grocery_list=grocery_list).count() == 1


def test_out_of_order_replay_never_undoes_a_later_change(ana, grocery_list, milk):
    """needed → in cart (k1), in cart → purchased (k2); k1 arriving again changes nothing."""
    k1, k2 = uuid.uuid4(), uuid.uuid4()

    def check(key, status, seen):
        return sync.change_apply(
            grocery_list=grocery_list,
            actor=ana.user,
            key=key,
            kind="status",
            item_id=milk.id,
            fields={"status": status},
            base={"status": seen},
        )

    assert check(k1, "in_cart", "needed").outcome == "applied"
    assert check(k2, "purchased", "in_cart").outcome == "applied"
    replay = check(k1, "in_cart", "needed")
    assert replay.outcome == "duplicate"
    milk.refresh_from_db()
    assert milk.status == "purchased"
    assert len(events(grocery_list, "item.status_changed")) == 2


def test_stale_status_change_after_someone_elses_change_is_a_conflict(ana, ben, grocery_list, milk):
    """Ana queued "in cart" offline; Ben bought it meanwhile: reported, not applied."""
    item_services.item_set_status(
        item_id=milk.id, grocery_list=grocery_list, actor=ben.user, status="purchased"
    )
    key = uuid.uuid4()
    kwargs = dict(
        grocery_list=grocery_list,
        actor=ana.user,
        key=key,
        kind="status",
        item_id=milk.id,
        fields={"status": "in_cart"},
        base={"status": "needed"},
    )
    result = sync.change_apply(**kwargs)
    assert result.outcome == "conflict"
    assert result.result["messages"] == ["Ben marked milk purchased meanwhile."]
    assert result.result["current"]["status"] == "purchased"
    milk.refresh_from_db()
    assert milk.status == "purchased"
    # Replaying the refused change stays refused, even though the item could now move.
    item_services.item_set_status(
        item_id=milk.id, grocery_list=grocery_list, actor=ben.user, status="needed"
    )
    again = sync.change_apply(**kwargs)
    assert again.outcome == "duplicate"
    assert again.result["outcome"] == "conflict"
    milk.refresh_from_db()
    assert milk.status == "needed"


def test_edit_conflicts_with_someone_elses_edit_and_merges_other_fields(
    client, ana, ben, grocery_list, milk
):
    item_services.item_update(
        item_id=milk.id,
        grocery_list=grocery_list,
        actor=ben.user,
        changes={"quantity_text": "2"},
        base={"quantity_text": ""},
    )
    client.force_login(ana.user)
    base = {"name": "milk", "quantity_text": "", "note": "", "category": milk.category}
    clash = post(
        client,
        grocery_list,
        {
            "key": str(uuid.uuid4()),
            "kind": "edit",
            "item_id": str(milk.id),
            "fields": {**base, "quantity_text": "3"},
            "base": base,
        },
    )
    assert clash.status_code == 200
    body = clash.json()
    assert body["outcome"] == "conflict"
    assert body["messages"] == ["Ben changed quantity to '2' meanwhile."]
    assert body["current"]["quantity_text"] == "2"
    merged = post(
        client,
        grocery_list,
        {
            "key": str(uuid.uuid4()),
            "kind": "edit",
            "item_id": str(milk.id),
            "fields": {**base, "note": "oat"},
            "base": base,
        },
    )
    assert merged.json()["outcome"] == "applied"
    milk.refresh_from_db()
    assert (milk.quantity_text, milk.note) == ("2", "oat")


def test_change_to_a_deleted_item_is_a_plain_conflict(client, ana, ben, grocery_list, milk):
    item_services.item_delete(item_id=milk.id, grocery_list=grocery_list, actor=ben.user)
    client.force_login(ana.user)
    response = post(
        client,
        grocery_list,
        {
            "key": str(uuid.uuid4()),
            "kind": "status",
            "item_id": str(milk.id),
            "fields": {"status": "in_cart"},
            "base": {"status": "needed"},
        },
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == "conflict"
    assert response.json()["messages"] == ["Ben deleted milk."]
    assert ListItem.all_objects.get(pk=milk.pk).deleted_at is not None


def test_cleared_item_names_who_cleared_it(ana, ben, grocery_list, milk):
    item_services.item_set_status(
        item_id=milk.id, grocery_list=grocery_list, actor=ben.user, status="purchased"
    )
    item_services.items_clear_purchased(grocery_list=grocery_list, actor=ben.user)
    result = sync.change_apply(
        grocery_list=grocery_list,
        actor=ana.user,
        key=uuid.uuid4(),
        kind="edit",
        item_id=milk.id,
        fields={"note": "oat"},
        base={"note": ""},
    )
    assert result.result["messages"] == ["Ben deleted milk."]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        {"kind": "add", "fields": {"text": "milk"}},
        {"key": "nope", "kind": "add", "fields": {"text": "milk"}},
        {"key": str(uuid.uuid4()), "kind": "delete"},
        {"key": str(uuid.uuid4()), "kind": "status", "fields": {"status": "in_cart"}},
        {"key": str(uuid.uuid4()), "kind": "add", "fields": {"text": "   "}},
        {"key": str(uuid.uuid4()), "kind": "add", "fields": "milk"},
        {
            "key": str(uuid.uuid4()),
            "kind": "status",
            "item_id": str(uuid.uuid4()),
            "fields": {"status": "eaten"},
        },
        {
            "key": str(uuid.uuid4()),
            "kind": "edit",
            "item_id": str(uuid.uuid4()),
            "fields": {"note": "x"},
        },
    ],
)
def test_malformed_changes_are_400_and_claim_nothing(client, ana, grocery_list, milk, body):
    client.force_login(ana.user)
    raw = isinstance(body, bytes)
    response = post(client, grocery_list, body, raw=raw)
    assert response.status_code == 400
    assert response.json()["outcome"] == "error"
    assert AppliedChange.objects.count() == 0
    assert ListItem.objects.filter(grocery_list=grocery_list).count() == 1


def test_another_familys_list_is_404_and_its_keys_are_not_reused(client, ana, grocery_list):
    other = MembershipFactory()
    other_list = GroceryListFactory(family=other.family)
    client.force_login(other.user)
    change = {"key": str(uuid.uuid4()), "kind": "add", "fields": {"text": "milk"}}
    assert post(client, grocery_list, change).status_code == 404
    assert ListItem.objects.count() == 0
    assert post(client, other_list, change).json()["outcome"] == "applied"
    # The same key on Ana's list is refused, not answered with the other family's item.
    client.force_login(ana.user)
    response = post(client, grocery_list, change)
    assert response.status_code == 400
    assert "item_id" not in response.json()


def test_sync_requires_login_and_post(client, grocery_list):
    url = reverse("lists:sync", kwargs={"list_id": grocery_list.id})
    assert client.post(url, "{}", content_type="application/json").status_code == 302
    assert client.get(url).status_code in (302, 405)


def test_add_form_key_makes_a_double_submit_add_once(client, ana, grocery_list):
    client.force_login(ana.user)
    page = client.get(reverse("lists:detail", kwargs={"list_id": grocery_list.id}))
    assert b'name="idempotency_key"' in page.content
    url = reverse("lists:item_add", kwargs={"list_id": grocery_list.id})
    key = str(uuid.uuid4())
    first = client.post(url, {"text": "bread", "idempotency_key": key}, HTTP_HX_REQUEST="true")
    # The answer carries a fresh key for the next add.
    assert key.encode() not in first.content
    assert b'name="idempotency_key"' in first.content
    item_services.item_set_status(
        item_id=ListItem.objects.get().id, grocery_list=grocery_list, actor=None, status="in_cart"
    )
    second = client.post(url, {"text": "bread", "idempotency_key": key})
    assert second.status_code == 302
    assert ListItem.objects.filter(grocery_list=grocery_list).count() == 1
    assert len(events(grocery_list, "item.added")) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_replays_of_one_key_apply_once(attempt):
    membership = MembershipFactory()
    grocery_list = GroceryListFactory(family=membership.family)
    key = uuid.uuid4()

    def replay():
        return sync.change_apply(
            grocery_list=grocery_list,
            actor=membership.user,
            key=key,
            kind="add",
            fields={"text": "eggs"},
        )

    results, errors = run_together(replay, replay, replay)
    assert errors == []
    assert sorted(result.outcome for result in results) == ["applied", "duplicate", "duplicate"]
    assert ListItem.objects.filter(grocery_list=grocery_list).count() == 1
    assert ListEvent.objects.filter(grocery_list=grocery_list, type="item.added").count() == 1


def test_service_worker_is_served_from_the_root_scope(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    # Never caches POSTs; drops cached pages on sign-out.
    assert 'request.method !== "GET"' in body
    assert "/accounts/logout/" in body
