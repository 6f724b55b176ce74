"""Order pages: money, dates and statuses in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from families.models import Membership
from families.tests.factories import MembershipFactory
from orders.models import Order
from orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_the_order_history_in_brazilian_portuguese(client, settings):
    settings.GROCER_CURRENCY = "EUR"
    admin = MembershipFactory(role=Membership.Role.ADMIN, user__language="pt-br")
    OrderFactory(
        grocery_list__family=admin.family,
        status=Order.Status.DELIVERED,
        total=Decimal("7.5"),
        currency="EUR",
        created_at=datetime(2026, 3, 5, 12, tzinfo=UTC),
    )
    client.force_login(admin.user)
    html = client.get(f"/f/{admin.family_id}/orders/").content.decode()
    assert '<h2 id="spend">Gasto mensal</h2>' in html
    assert "Março de 2026" in html
    assert "5 Mar 2026" in html
    assert "7,50 EUR" in html
    assert ">Entregue</span>" in html


def test_the_order_history_in_english_is_unchanged(client, settings):
    settings.GROCER_CURRENCY = "EUR"
    admin = MembershipFactory(role=Membership.Role.ADMIN)
    OrderFactory(
        grocery_list__family=admin.family,
        status=Order.Status.DELIVERED,
        total=Decimal("7.5"),
        currency="EUR",
        created_at=datetime(2026, 3, 5, 12, tzinfo=UTC),
    )
    client.force_login(admin.user)
    html = client.get(f"/f/{admin.family_id}/orders/").content.decode()
    assert "March 2026" in html and "5 Mar 2026" in html and "7.50 EUR" in html
    assert ">Delivered</span>" in html
