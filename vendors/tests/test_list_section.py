"""The list page's vendor section: the private link to copy, and the order's progress."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from families.tests.factories import MembershipFactory
from lists.tests.factories import ListItemFactory
from orders import services as orders
from vendors import answers
from vendors.tests.factories import VendorShareFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def share(client):
    member = MembershipFactory()
    share = VendorShareFactory(
        grocery_list__family=member.family, vendor__name="Corner Greengrocer", status="read"
    )
    item = ListItemFactory(grocery_list=share.grocery_list, name="Apples", quantity_text="2")
    share.member = member
    share.item = item
    client.force_login(member.user)
    return share


def _statuses(client, share) -> str:
    url = reverse("vendors:share_statuses", kwargs={"list_id": share.grocery_list_id})
    return client.get(url).content.decode()


def _status_text(html: str) -> str:
    return re.search(r'<span class="share-status"[^>]*>(.*?)</span>', html, re.S).group(1).strip()


def test_an_open_share_shows_its_private_link_with_a_copy_button(client, share):
    html = _statuses(client, share)
    vendor_url = f"http://testserver/v/{share.token}/"
    assert f'id="vendor-url-{share.id}" value="{vendor_url}"' in html
    assert f'data-copy-target="vendor-url-{share.id}"' in html
    assert "Private link for Corner Greengrocer" in html


def test_after_ordering_the_section_shows_ordered_then_delivered(client, share):
    answers.answer_submit(
        share=share,
        lines=[
            answers.AnswerLineInput(
                list_item=share.item,
                availability="available",
                substitute="",
                unit_price=Decimal("1.00"),
            )
        ],
        note="",
        delivery_time=None,
    )
    assert "Answered" in _statuses(client, share)
    order = orders.order_place(share=share, actor=share.member.user)
    html = _statuses(client, share)
    assert _status_text(html) == "Ordered"
    assert "Withdraw link" not in html
    assert "Review answer" not in html
    order_url = reverse(
        "orders:detail", kwargs={"family_id": order.family_id, "order_id": order.id}
    )
    assert f'href="{order_url}">See the order' in html

    orders.order_set_status(order=order, status="confirmed", actor=None)
    orders.order_set_status(order=order, status="delivered", actor=None)
    html = _statuses(client, share)
    assert _status_text(html) == "Delivered"
    assert "Withdraw link" not in html
