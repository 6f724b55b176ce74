"""Share writes never deadlock with the writes that follow a vendor's answer.

Every write path locks the list's row first (lists/services.py). Sending a list to a
vendor did (list, then share), while placing an order and a vendor's answer locked the
share, then the list (to record their event): run at the same moment, PostgreSQL broke
the deadlock by failing one of them, and the person saw "database unavailable".
Each race runs in two threads on their own connections, released together every round;
every call must succeed or give its clear domain answer.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from families.tests.factories import MembershipFactory
from lists.tests.factories import ListItemFactory
from lists.tests.test_lock_order import race, unexpected
from orders.services import AnswerChanged, OrderError, order_place
from vendors.answers import AnswerLineInput, AnswerLocked, answer_submit
from vendors.services import share_send
from vendors.tests.factories import VendorShareFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 40


def answered_shares(rounds: int):
    member = MembershipFactory()
    shares = []
    for _ in range(rounds):
        share = VendorShareFactory(grocery_list__family=member.family, status="sent")
        item = ListItemFactory(grocery_list=share.grocery_list, name="Milk", quantity_text="2")
        answer(share, item, Decimal("1.20"))
        shares.append((share, item))
    return member.user, shares


def answer(share, item, price: Decimal):
    return answer_submit(
        share=share,
        lines=[
            AnswerLineInput(
                list_item=item, availability="available", substitute="", unit_price=price
            )
        ],
        note="",
        delivery_time=None,
    )


def resend(user, share):
    return share_send(
        grocery_list=share.grocery_list,
        vendor=share.vendor,
        message="Again, please",
        actor=user,
        base_url="http://testserver",
    )


def test_sending_again_while_someone_places_the_order():
    user, shares = answered_shares(ROUNDS)
    outcomes = race(
        ROUNDS,
        lambda i: resend(user, shares[i][0]),
        lambda i: order_place(share=shares[i][0], actor=user),
    )
    assert unexpected(outcomes, (OrderError, AnswerChanged, ValidationError)) == []


def test_sending_again_while_the_vendor_changes_the_answer():
    user, shares = answered_shares(ROUNDS)
    outcomes = race(
        ROUNDS,
        lambda i: resend(user, shares[i][0]),
        lambda i: answer(shares[i][0], shares[i][1], Decimal("2.40")),
    )
    assert unexpected(outcomes, (AnswerLocked, ValidationError)) == []


def test_sending_again_while_whatsapp_reports_the_last_send_read():
    """The webhook locks the delivery and the share, then records the status on the list."""
    from vendors.tests.factories import ShareDeliveryFactory
    from vendors.webhook import webhook_status_apply

    member = MembershipFactory()
    deliveries = [
        ShareDeliveryFactory(
            share__grocery_list__family=member.family,
            share__status="sent",
            state="sent",
            whatsapp_message_id=f"wamid.{i}",
        )
        for i in range(ROUNDS)
    ]
    outcomes = race(
        ROUNDS,
        lambda i: resend(member.user, deliveries[i].share),
        lambda i: webhook_status_apply(status={"id": f"wamid.{i}", "status": "read"}),
    )
    assert unexpected(outcomes, (ValidationError,)) == []
