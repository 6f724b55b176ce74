"""Items and events get their family from their list (0009, 0010), forwards and backwards
with rows in the tables."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from families.tests.factories import FamilyFactory
from lists.models import ListEvent, ListItem

pytestmark = [pytest.mark.postgres]

BEFORE = [("lists", "0008_drop_covered_indexes")]
AFTER = [("lists", "0010_item_event_family_required")]
CONSTRAINTS = {"listitem_family_is_lists", "listevent_family_is_lists", "list_id_family_unique"}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


def _constraints() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conname = ANY(%s)", [sorted(CONSTRAINTS)]
        )
        found = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = 'item_family_name_idx'")
        return found | {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_items_and_events_get_their_lists_family_forwards_and_backwards():
    smiths, joneses = FamilyFactory(name="Smiths"), FamilyFactory(name="Joneses")
    old_apps = _migrate(BEFORE)
    assert "family_id" not in _columns("lists_listitem")
    assert not _constraints()
    list_model = old_apps.get_model("lists", "GroceryList")
    item_model = old_apps.get_model("lists", "ListItem")
    event_model = old_apps.get_model("lists", "ListEvent")
    lists = {
        family.pk: list_model.objects.create(family_id=family.pk, name=f"{family.name} weekly")
        for family in (smiths, joneses)
    }
    for grocery_list in lists.values():
        for n in range(3):
            item_model.objects.create(grocery_list=grocery_list, name=f"item {n}", position=n)
            event_model.objects.create(grocery_list=grocery_list, seq=n + 1, type="item.added")
    item_model.objects.filter(name="item 2").update(deleted_at="2026-11-01T00:00:00Z")

    _migrate(AFTER)
    assert _constraints() == CONSTRAINTS | {"item_family_name_idx"}
    for family_id, grocery_list in lists.items():
        assert set(
            ListItem.all_objects.filter(grocery_list_id=grocery_list.pk).values_list(
                "family_id", flat=True
            )
        ) == {family_id}
        assert set(
            ListEvent.objects.filter(grocery_list_id=grocery_list.pk).values_list(
                "family_id", flat=True
            )
        ) == {family_id}
    assert ListItem.all_objects.count() == 6 and ListEvent.objects.count() == 6

    old_apps = _migrate(BEFORE)
    assert "family_id" not in _columns("lists_listitem")
    assert "family_id" not in _columns("lists_listevent")
    assert not _constraints()
    assert old_apps.get_model("lists", "ListItem").objects.count() == 6
    assert old_apps.get_model("lists", "ListEvent").objects.count() == 6

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # the schema other tests expect
    assert ListItem.all_objects.filter(family_id=smiths.pk).count() == 3
    assert _constraints() == CONSTRAINTS | {"item_family_name_idx"}
