"""/v/<token>/: the vendor's private page, without a login."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from lists.models import ListEvent, ListItem
from lists.tests.factories import ListItemFactory
from orders.tests.factories import OrderFactory
from vendors.models import VendorAnswer, VendorAnswerLine, VendorShare
from vendors.tests.factories import VendorShareFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def share():
    share = VendorShareFactory(
        grocery_list__family__name="The Smiths", grocery_list__name="Weekly", vendor__name="Corner"
    )
    ListItemFactory(grocery_list=share.grocery_list, name="Apples", quantity_text="2", position=1)
    ListItemFactory(grocery_list=share.grocery_list, name="Flour", quantity_text="1 kg", position=2)
    ListItemFactory(grocery_list=share.grocery_list, name="Saffron", position=3)
    ListItemFactory(
        grocery_list=share.grocery_list, name="Bought already", status=ListItem.Status.PURCHASED
    )
    return share


def url(share) -> str:
    return f"/v/{share.token}/"


def answer_data(share, **overrides) -> dict:
    items = {i.name: i for i in ListItem.objects.filter(grocery_list=share.grocery_list)}
    data = {
        f"item-{items['Apples'].pk}-availability": "available",
        f"item-{items['Apples'].pk}-unit_price": "0.45",
        f"item-{items['Flour'].pk}-availability": "substitute",
        f"item-{items['Flour'].pk}-substitute": "Spelt flour",
        f"item-{items['Flour'].pk}-unit_price": "2.10",
        f"item-{items['Saffron'].pk}-availability": "unavailable",
        "note": "We close at 8",
        "delivery_time": "2026-12-01T10:30",
    }
    data.update(overrides)
    return data


def test_shows_family_and_items_without_a_login(client, share, django_assert_max_num_queries):
    """Prevents N+1: the page costs a fixed number of queries whatever the list's size."""
    with django_assert_max_num_queries(6):
        response = client.get(url(share))
    assert response.status_code == 200
    body = response.content.decode()
    assert "The Smiths" in body and "Apples" in body and "1 kg" in body
    assert "Bought already" not in body
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("mutate", "status"),
    [
        (None, 404),  # forged: a token that was never issued
        (lambda s: VendorShare.objects.filter(pk=s.pk).update(revoked_at=timezone.now()), 410),
        (
            lambda s: VendorShare.objects.filter(pk=s.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            ),
            410,
        ),
        (lambda s: s.delete(), 404),
        (lambda s: s.grocery_list.delete(), 404),
    ],
    ids=["forged", "revoked", "expired", "share-deleted", "list-deleted"],
)
def test_bad_links_get_a_plain_error_page(client, share, mutate, status):
    target = url(share)
    if mutate is None:
        target = "/v/" + "x" * 43 + "/"
    else:
        mutate(share)
    for method in (client.get, client.post):
        response = method(target)
        assert response.status_code == status
        assert "Apples" not in response.content.decode()


def test_forged_tokens_of_any_shape_are_404(client, share):
    for token in ["x", share.token[:-1], share.token + "a", "a" * 200, "%00"]:
        assert client.get(f"/v/{token}/").status_code == 404


def test_answer_is_saved_and_the_family_is_told(client, share):
    response = client.post(url(share), answer_data(share))
    assert response.status_code == 302
    assert response["Location"].endswith("?saved=1")
    answer = VendorAnswer.objects.get(share=share)
    lines = {line.name: line for line in answer.lines.all()}
    assert lines["Apples"].unit_price == Decimal("0.45")
    assert lines["Flour"].availability == VendorAnswerLine.Availability.SUBSTITUTE
    assert lines["Flour"].substitute == "Spelt flour"
    assert lines["Saffron"].unit_price is None
    assert answer.note == "We close at 8" and answer.delivery_time is not None
    share.refresh_from_db()
    assert share.status == VendorShare.Status.RESPONDED
    event = ListEvent.objects.get(type="share.answered")
    assert event.actor_label == "Corner" and event.payload["share_id"] == str(share.id)
    assert "your answer was sent" in client.get(response["Location"]).content.decode()


def test_submitting_the_same_answer_twice_is_one_answer(client, share):
    client.post(url(share), answer_data(share))
    client.post(url(share), answer_data(share))
    assert VendorAnswer.objects.count() == 1
    assert VendorAnswerLine.objects.count() == 3
    assert ListEvent.objects.filter(type="share.answered").count() == 1


def test_the_answer_can_be_edited_until_the_family_orders(client, share):
    client.post(url(share), answer_data(share))
    apples = ListItem.objects.get(name="Apples")
    client.post(url(share), answer_data(share, **{f"item-{apples.pk}-unit_price": "0.50"}))
    assert VendorAnswerLine.objects.get(name="Apples").unit_price == Decimal("0.50")
    assert ListEvent.objects.filter(type="share.answered").count() == 2
    OrderFactory(share=share, grocery_list=share.grocery_list, vendor=share.vendor)
    response = client.post(url(share), answer_data(share, **{f"item-{apples.pk}-unit_price": "9"}))
    assert response.status_code == 409
    assert VendorAnswerLine.objects.get(name="Apples").unit_price == Decimal("0.50")
    assert "placed the order" in client.get(url(share)).content.decode()


@pytest.mark.parametrize(
    "bad",
    [
        {"availability": "substitute", "substitute": ""},
        {"unit_price": "-1"},
        {"unit_price": "abc"},
        {"unit_price": ""},
        {"availability": "maybe"},
        {"unit_price": "1" * 20},
    ],
)
def test_invalid_answers_are_a_400_with_errors_and_store_nothing(client, share, bad):
    apples = ListItem.objects.get(name="Apples")
    data = answer_data(share, **{f"item-{apples.pk}-{k}": v for k, v in bad.items()})
    response = client.post(url(share), data)
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert not VendorAnswer.objects.exists()


def test_bad_delivery_time_is_a_form_error(client, share):
    response = client.post(url(share), answer_data(share, delivery_time="next tuesday-ish"))
    assert response.status_code == 400
    assert not VendorAnswer.objects.exists()
