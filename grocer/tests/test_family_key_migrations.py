"""Order lines, store trips, shopper links, applied changes, notification preferences,
shares, deliveries, answers and answer lines get their family from their parent (orders
0005/0006, shop 0003-0006, lists 0012/0013, families 0006/0007, vendors 0008/0009),
forwards and backwards with rows in the tables."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from families.models import NotificationPreference
from families.tests.factories import MembershipFactory
from lists.models import AppliedChange
from lists.tests.factories import GroceryListFactory
from orders.models import OrderLine
from shop.models import ShopperLink, StoreTrip
from vendors.models import ShareDelivery, VendorAnswer, VendorAnswerLine, VendorShare
from vendors.tests.factories import VendorFactory

pytestmark = [pytest.mark.postgres]

BEFORE = [
    ("families", "0005_language"),
    ("lists", "0011_item_sets_staple_pins"),
    ("orders", "0004_drop_covered_indexes"),
    ("shop", "0002_drop_covered_indexes"),
    ("vendors", "0007_language"),
]
AFTER = [
    ("families", "0007_notificationpreference_family_required"),
    ("lists", "0013_appliedchange_family_required"),
    ("orders", "0006_orderline_family_required"),
    ("shop", "0006_shopperlink_family_required"),
    ("vendors", "0009_share_answer_delivery_family_required"),
]
CONSTRAINTS = {
    "orderline_family_is_orders",
    "order_family_is_lists",
    "order_id_family_unique",
    "storetrip_family_is_stores",
    "storetrip_family_is_lists",
    "store_id_family_unique",
    "share_family_is_lists",
    "delivery_family_is_shares",
    "answer_family_is_shares",
    "answerline_family_is_answers",
    "share_id_family_unique",
    "answer_id_family_unique",
    "appliedchange_family_is_lists",
    "shopperlink_family_is_lists",
    "preference_family_is_memberships",
    "membership_id_family_unique",
}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _constraints() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conname = ANY(%s)", [sorted(CONSTRAINTS)]
        )
        return {row[0] for row in cursor.fetchall()}


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


@pytest.mark.django_db(transaction=True)
def test_lines_and_trips_get_their_family_forwards_and_backwards():
    member = MembershipFactory()
    grocery_list = GroceryListFactory(family=member.family)
    vendor = VendorFactory(family=member.family)
    old_apps = _migrate(BEFORE)
    assert "family_id" not in _columns("orders_orderline")
    assert not _constraints()
    share = old_apps.get_model("vendors", "VendorShare").objects.create(
        grocery_list_id=grocery_list.pk, vendor_id=vendor.pk, token="t" * 43
    )
    old_apps.get_model("vendors", "ShareDelivery").objects.create(
        share=share, number=1, vendor_url="https://grocer.example/v/t/"
    )
    answer = old_apps.get_model("vendors", "VendorAnswer").objects.create(share=share)
    old_apps.get_model("vendors", "VendorAnswerLine").objects.create(answer=answer, name="milk")
    order = old_apps.get_model("orders", "Order").objects.create(
        family_id=member.family_id, grocery_list_id=grocery_list.pk, vendor_id=vendor.pk
    )
    for name in ("milk", "eggs"):
        old_apps.get_model("orders", "OrderLine").objects.create(order=order, name=name)
    store = old_apps.get_model("shop", "Store").objects.create(
        family_id=member.family_id, name="Corner shop"
    )
    old_apps.get_model("shop", "StoreTrip").objects.create(
        store=store, grocery_list_id=grocery_list.pk, day="2026-11-01", categories=["dairy"]
    )
    old_apps.get_model("shop", "ShopperLink").objects.create(
        grocery_list_id=grocery_list.pk, name="Sam", token="s" * 43
    )
    old_apps.get_model("families", "NotificationPreference").objects.create(membership_id=member.pk)
    old_apps.get_model("lists", "AppliedChange").objects.create(
        key="5f0c4a52-7c4e-4a38-9d5e-1f7a2b3c4d5e", grocery_list_id=grocery_list.pk, kind="add"
    )

    _migrate(AFTER)
    assert _constraints() == CONSTRAINTS
    assert set(OrderLine.objects.values_list("family_id", flat=True)) == {member.family_id}
    assert StoreTrip.objects.get().family_id == member.family_id
    for model in (
        VendorShare,
        ShareDelivery,
        VendorAnswer,
        VendorAnswerLine,
        ShopperLink,
        AppliedChange,
        NotificationPreference,
    ):
        assert model._base_manager.get().family_id == member.family_id, model

    old_apps = _migrate(BEFORE)
    assert not _constraints()
    assert "family_id" not in _columns("shop_storetrip")
    assert old_apps.get_model("orders", "OrderLine").objects.count() == 2
    assert old_apps.get_model("shop", "StoreTrip").objects.count() == 1
    assert old_apps.get_model("vendors", "VendorAnswerLine").objects.count() == 1
    assert old_apps.get_model("shop", "ShopperLink").objects.count() == 1
    assert old_apps.get_model("lists", "AppliedChange").objects.count() == 1
    assert old_apps.get_model("families", "NotificationPreference").objects.count() == 1

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # the schema other tests expect
    assert _constraints() == CONSTRAINTS
    assert OrderLine.objects.filter(family=member.family).count() == 2
