"""An order is placed only at the total the family saw: the review form carries the
answer's version, and a changed answer gets a 409 with the review page again."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from families.tests.factories import MembershipFactory
from lists.tests.factories import ListItemFactory
from orders.models import Order
from vendors.tests.factories import VendorShareFactory

pytestmark = pytest.mark.django_db


def vendor_answers(share, items, prices) -> None:
    from vendors.answers import AnswerLineInput, answer_submit

    answer_submit(
        share=share,
        lines=[
            AnswerLineInput(
                list_item=item, availability="available", substitute="", unit_price=price
            )
            for item, price in zip(items, prices, strict=True)
        ],
        note="",
        delivery_time=None,
    )


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_a_price_changed_after_the_review_gives_409_and_the_new_total(client):
    member = MembershipFactory()
    share = VendorShareFactory(grocery_list__family=member.family, status="sent")
    milk = ListItemFactory(grocery_list=share.grocery_list, name="Milk", quantity_text="2")
    bread = ListItemFactory(grocery_list=share.grocery_list, name="Bread")
    vendor_answers(share, [milk, bread], [Decimal("1.20"), Decimal("2.50")])
    client.force_login(member.user)
    review = f"/lists/{share.grocery_list_id}/shares/{share.id}/"
    place = f"/lists/{share.grocery_list_id}/shares/{share.id}/order/"

    page = client.get(review).content.decode()
    assert "Place order · 4.90 EUR" in page
    seen = {"answer_version": hidden(page, "answer_version"), "seen_total": "4.90"}

    # The vendor raises a price while the family looks at the page.
    vendor_answers(share, [milk, bread], [Decimal("30.00"), Decimal("2.50")])
    response = client.post(place, seen)
    assert response.status_code == 409
    body = response.content.decode()
    assert "You saw 4.90 EUR; the total is now 62.50 EUR." in body
    assert 'class="num total changed"' in body and "<strong>62.50 EUR</strong>" in body
    assert not Order.objects.exists()

    # The page now carries the new version: ordering from it is the new total.
    again = {"answer_version": hidden(body, "answer_version"), "seen_total": "62.50"}
    assert again["answer_version"] != seen["answer_version"]
    assert client.post(place, again).status_code == 302
    assert Order.objects.get().total == Decimal("62.50")


def test_an_order_form_without_the_version_is_refused(client):
    member = MembershipFactory()
    share = VendorShareFactory(grocery_list__family=member.family, status="sent")
    item = ListItemFactory(grocery_list=share.grocery_list, name="Milk")
    vendor_answers(share, [item], [Decimal("1.20")])
    client.force_login(member.user)
    response = client.post(f"/lists/{share.grocery_list_id}/shares/{share.id}/order/")
    assert response.status_code == 409
    assert not Order.objects.exists()
