"""The shop tables moved from the lists app with their rows, forwards and backwards."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from families.tests.factories import MembershipFactory
from lists.tests.factories import GroceryListFactory
from shop import models

pytestmark = [pytest.mark.postgres]

BEFORE = [("lists", "0005_applied_change")]
AFTER = [("shop", "0001_initial")]
TABLES = ("store", "storetrip", "shoppingchoice", "shopperlink")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", ["%_touch_updated_at"])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_rows_survive_the_move_forwards_and_backwards():
    membership = MembershipFactory()
    grocery_list = GroceryListFactory(family=membership.family)
    old_apps = _migrate(BEFORE)
    assert {f"lists_{t}" for t in TABLES} <= _tables()
    assert not {f"shop_{t}" for t in TABLES} & _tables()
    store = old_apps.get_model("lists", "Store").objects.create(
        family_id=membership.family_id, name="Corner shop", aisle_order=["dairy"]
    )
    old_apps.get_model("lists", "StoreTrip").objects.create(
        store=store, grocery_list_id=grocery_list.pk, day="2026-11-01", categories=["dairy"]
    )
    old_apps.get_model("lists", "ShoppingChoice").objects.create(
        family_id=membership.family_id, store=store
    )
    old_apps.get_model("lists", "ShopperLink").objects.create(
        grocery_list_id=grocery_list.pk, name="Sam", token="t" * 43
    )

    # The models as of AFTER: later migrations (shop 0003) add columns.
    new_apps = _migrate(AFTER)
    Store, StoreTrip, ShoppingChoice, ShopperLink = (  # noqa: N806
        new_apps.get_model("shop", name)
        for name in ("Store", "StoreTrip", "ShoppingChoice", "ShopperLink")
    )
    assert {f"shop_{t}" for t in TABLES} <= _tables()
    assert not {f"lists_{t}" for t in TABLES} & _tables()
    assert {f"shop_{t}_touch_updated_at" for t in TABLES} <= _triggers()
    moved = Store.objects.get()
    assert (moved.pk, moved.name, moved.aisle_order) == (store.pk, "Corner shop", ["dairy"])
    assert StoreTrip.objects.get().categories == ["dairy"]
    assert ShoppingChoice.objects.get().store_id == store.pk
    assert ShopperLink.objects.get().token == "t" * 43
    # The renamed trigger still keeps updated_at current.
    before = moved.updated_at
    Store.objects.filter(pk=moved.pk).update(name="Corner shop 2")
    assert Store.objects.get().updated_at > before

    old_apps = _migrate(BEFORE)
    assert {f"lists_{t}" for t in TABLES} <= _tables()
    assert {f"lists_{t}_touch_updated_at" for t in TABLES} <= _triggers()
    assert old_apps.get_model("lists", "Store").objects.get().name == "Corner shop 2"
    assert old_apps.get_model("lists", "ShopperLink").objects.count() == 1

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # the schema other tests expect
    assert models.Store.objects.get().name == "Corner shop 2"
    # shop 0003 filled the trip's family from its store.
    assert models.StoreTrip.objects.get().family_id == membership.family_id
