"""Placing orders from a vendor's answer, totals, status transitions, history."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from families.tests.factories import MembershipFactory
from lists.models import GroceryList, ListEvent, ListItem
from lists.tests.factories import ListItemFactory
from orders import selectors, services
from orders.models import Order
from orders.tests.factories import OrderFactory
from vendors.models import VendorAnswer, VendorAnswerLine
from vendors.tests.factories import VendorShareFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("price", "quantity", "available", "expected"),
    [
        ("0.45", "2", True, "0.90"),
        ("1.99", "3", True, "5.97"),
        ("2.00", "1.5", True, "3.00"),
        ("2.00", "2,5", True, "5.00"),
        ("0.333", "1", True, "0.33"),
        ("0.125", "1", True, "0.13"),  # half-up
        ("3.20", "500 g", True, "3.20"),  # not a plain number: priced once, as asked
        ("3.20", "a dozen", True, "3.20"),
        ("3.20", "", True, "3.20"),
        ("3.20", "2", False, "0.00"),  # not available
        (None, "2", True, "0.00"),
    ],
)
def test_line_total_rule(price, quantity, available, expected):
    total = services.line_total(
        unit_price=Decimal(price) if price else None, quantity_text=quantity, available=available
    )
    assert total == Decimal(expected)
    assert isinstance(total, Decimal)


@pytest.fixture
def answered_share():
    membership = MembershipFactory()
    share = VendorShareFactory(grocery_list__family=membership.family, status="responded")
    apples = ListItemFactory(grocery_list=share.grocery_list, name="Apples", quantity_text="2")
    flour = ListItemFactory(grocery_list=share.grocery_list, name="Flour", quantity_text="1 kg")
    saffron = ListItemFactory(grocery_list=share.grocery_list, name="Saffron")
    answer = VendorAnswer.objects.create(
        share=share, family=share.family, note="8pm", submitted_at=timezone.now()
    )
    VendorAnswerLine.objects.create(
        answer=answer,
        family=answer.family,
        list_item=apples,
        name="Apples",
        quantity_text="2",
        unit_price=Decimal("0.45"),
    )
    VendorAnswerLine.objects.create(
        answer=answer,
        family=answer.family,
        list_item=flour,
        name="Flour",
        quantity_text="1 kg",
        availability="substitute",
        substitute="Spelt",
        unit_price=Decimal("2.10"),
        position=1,
    )
    VendorAnswerLine.objects.create(
        answer=answer,
        family=answer.family,
        list_item=saffron,
        name="Saffron",
        availability="unavailable",
        position=2,
    )
    share.user = membership.user
    return share


def test_placing_an_order_snapshots_lines_and_total(answered_share, settings):
    settings.GROCER_CURRENCY = "GBP"
    order = services.order_place(share=answered_share, actor=answered_share.user)
    assert order.total == Decimal("3.00")  # 2 * 0.45 + 2.10 once; saffron not available
    assert order.currency == "GBP"
    assert order.status == Order.Status.PLACED
    assert order.note == "8pm"
    lines = {line.name: line for line in order.lines.all()}
    assert lines["Apples"].line_total == Decimal("0.90")
    assert lines["Flour"].substitute == "Spelt" and lines["Flour"].line_total == Decimal("2.10")
    assert lines["Saffron"].available is False
    event = ListEvent.objects.get(type="order.placed")
    assert event.payload["total"] == "3.00" and event.payload["currency"] == "GBP"
    # Later edits to the list never change the snapshot.
    ListItem.objects.filter(name="Apples").update(name="Pears")
    assert order.lines.get(name="Apples")


def test_placing_twice_gives_one_order(answered_share):
    first = services.order_place(share=answered_share, actor=answered_share.user)
    second = services.order_place(share=answered_share, actor=answered_share.user)
    assert first.pk == second.pk
    assert Order.objects.count() == 1


def test_no_order_without_an_answer():
    share = VendorShareFactory()
    with pytest.raises(services.OrderError):
        services.order_place(share=share, actor=None)


def test_no_order_when_nothing_is_available(answered_share):
    VendorAnswerLine.objects.update(availability="unavailable", unit_price=None)
    with pytest.raises(services.OrderError):
        services.order_place(share=answered_share, actor=None)


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        (["confirmed", "delivered"], True),
        (["cancelled"], True),
        (["confirmed", "cancelled"], True),
        (["delivered"], False),
        (["confirmed", "delivered", "cancelled"], False),
        (["cancelled", "confirmed"], False),
        (["placed"], False),
        (["bogus"], False),
    ],
)
def test_only_valid_transitions(answered_share, path, ok):
    order = services.order_place(share=answered_share, actor=None)
    try:
        for status in path:
            order = services.order_set_status(order=order, status=status, actor=None)
    except services.OrderError:
        assert not ok
    else:
        assert ok
        assert Order.objects.get(pk=order.pk).status == path[-1]


def test_delivered_marks_items_purchased_and_keeps_the_list_active(answered_share):
    order = services.order_place(share=answered_share, actor=None)
    services.order_set_status(order=order, status="confirmed", actor=None)
    services.order_set_status(order=order, status="delivered", actor=None)
    statuses = dict(ListItem.objects.values_list("name", "status"))
    assert statuses == {"Apples": "purchased", "Flour": "purchased", "Saffron": "needed"}
    # The vendor had no saffron and it is still needed: the list stays on the dashboard.
    assert GroceryList.objects.get(pk=order.grocery_list_id).status == GroceryList.Status.ACTIVE
    event = ListEvent.objects.filter(type="order.status_changed").latest("seq")
    assert event.payload["status"] == "delivered"
    assert len(event.payload["purchased_item_ids"]) == 2


def test_cancelling_allows_a_new_order(answered_share):
    order = services.order_place(share=answered_share, actor=None)
    services.order_set_status(order=order, status="cancelled", actor=None)
    again = services.order_place(share=answered_share, actor=None)
    assert again.pk != order.pk


def test_monthly_spend(django_assert_num_queries):
    membership = MembershipFactory()
    family = membership.family
    other = MembershipFactory().family

    def order(total, month, status="placed", fam=family):
        o = OrderFactory(grocery_list__family=fam, total=Decimal(total), status=status)
        Order.objects.filter(pk=o.pk).update(created_at=datetime(2026, month, 10, tzinfo=UTC))

    order("10.50", 9)
    order("4.25", 9, status="delivered")
    order("99.00", 9, status="cancelled")
    order("7.00", 10)
    order("1000.00", 10, fam=other)
    with django_assert_num_queries(1):
        spend = selectors.monthly_spend(family=family)
    assert [(row["month"].month, row["total"], row["orders"]) for row in spend] == [
        (10, Decimal("7.00"), 1),
        (9, Decimal("14.75"), 2),
    ]


def test_an_order_is_placed_only_at_the_answer_the_family_reviewed(answered_share):
    """The review showed 3.00; the vendor then raised a price: the family's order, made
    from the version it saw, is refused, and nothing is ordered."""
    from vendors.answers import AnswerLineInput, answer_submit

    answer = answered_share.answer
    reviewed = answer.fingerprint
    lines = [
        AnswerLineInput(
            list_item=line.list_item,
            availability=line.availability,
            substitute=line.substitute,
            unit_price=Decimal("9.99") if line.name == "Apples" else line.unit_price,
        )
        for line in answer.lines.select_related("list_item")
    ]
    answer_submit(share=answered_share, lines=lines, note=answer.note, delivery_time=None)
    answer.refresh_from_db()
    assert answer.fingerprint != reviewed

    with pytest.raises(services.AnswerChanged):
        services.order_place(
            share=answered_share, actor=answered_share.user, answer_version=reviewed
        )
    assert not Order.objects.exists()
    # Reviewed again (the new version): ordered at the new total.
    order = services.order_place(
        share=answered_share, actor=answered_share.user, answer_version=answer.fingerprint
    )
    assert order.total == Decimal("22.08")  # 2 * 9.99 + 2.10


# --- the family key (docs/scaling.md) --------------------------------------------------------


def test_order_lines_carry_the_orders_family(answered_share):
    order = services.order_place(share=answered_share, actor=None)
    assert order.family_id == answered_share.grocery_list.family_id
    assert {line.family_id for line in order.lines.all()} == {order.family_id}


@pytest.mark.postgres
def test_a_line_or_order_in_another_family_is_refused():
    from django.db import IntegrityError, connection, transaction

    from families.tests.factories import FamilyFactory
    from orders.models import OrderLine

    order = OrderFactory()
    other = FamilyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        OrderLine.objects.create(order=order, family=other, name="milk")
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        Order.objects.filter(pk=order.pk).update(family=other)
    OrderLine.objects.create(order=order, family=order.family, name="milk")
