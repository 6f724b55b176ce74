"""Items and events carry their family (the tenant, the future shard key), always the one
of their list: set by every path that creates them, enforced on PostgreSQL by a composite
foreign key, and used by the family-wide queries (docs/scaling.md)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench import scale
from bench import seed as bench_seed
from families.models import Family, Membership
from families.tests.factories import FamilyFactory, MembershipFactory, UserFactory
from lists import bulk_services, item_services, notifications, selectors, services
from lists.models import GroceryList, ListEvent, ListItem
from lists.rendering import item_row_context
from lists.tests.factories import GroceryListFactory, ListItemFactory

pytestmark = pytest.mark.django_db


def _mismatched() -> list[str]:
    """Rows whose family is not their list's (none may exist, whatever wrote them)."""
    return [
        f"{model.__name__} {pk}"
        for model in (ListItem, ListEvent)
        for pk in model._base_manager.exclude(family_id=F("grocery_list__family_id")).values_list(
            "pk", flat=True
        )
    ]


def _counts() -> tuple[int, int]:
    return ListItem.all_objects.count(), ListEvent.objects.count()


# --- every creation path ------------------------------------------------------------------


def test_item_add_sets_the_family_on_the_item_and_its_event():
    member = MembershipFactory()
    grocery_list = GroceryListFactory(family=member.family)
    added = item_services.item_add(grocery_list=grocery_list, actor=member.user, name="milk")
    event = ListEvent.objects.get(grocery_list=grocery_list, type="item.added")
    assert added.item.family_id == event.family_id == member.family_id
    assert ListItem.objects.get(pk=added.item.pk).family_id == member.family_id
    assert not _mismatched()


def test_bulk_add_sets_the_family():
    member = MembershipFactory()
    grocery_list = GroceryListFactory(family=member.family)
    bulk_services.items_add_bulk(
        grocery_list=grocery_list,
        actor=member.user,
        entries=bulk_services.parse_entries("2 milk\neggs\nbread"),
    )
    assert set(ListItem.objects.values_list("family_id", flat=True)) == {member.family_id}
    assert ListEvent.objects.filter(family=member.family).count() == 3
    assert not _mismatched()


def test_an_offline_replay_claims_its_key_with_the_family():
    import uuid

    from lists import sync
    from lists.models import AppliedChange

    member = MembershipFactory()
    grocery_list = GroceryListFactory(family=member.family)
    key = uuid.uuid4()
    sync.change_apply(
        grocery_list=grocery_list, actor=member.user, key=key, kind="add", fields={"text": "milk"}
    )
    assert AppliedChange.objects.get(key=key).family_id == member.family_id
    assert ListItem.objects.get().family_id == member.family_id
    # The add form's path claims its key in a raw INSERT of its own.
    form_key = uuid.uuid4()
    sync.item_add_once(
        grocery_list=grocery_list, actor=member.user, key=form_key, name="eggs", quantity_text=""
    )
    assert AppliedChange.objects.get(key=form_key).family_id == member.family_id


def test_list_services_record_events_with_the_family():
    member = MembershipFactory()
    grocery_list = services.list_create(family=member.family, actor=member.user, name="Weekly")
    services.list_archive(grocery_list=grocery_list, actor=member.user)
    assert set(ListEvent.objects.values_list("family_id", flat=True)) == {member.family_id}
    assert not _mismatched()


def test_factories_follow_the_list():
    item = ListItemFactory(grocery_list__family__name="The Smiths")
    assert item.family_id == item.grocery_list.family_id
    assert item.family.name == "The Smiths"


def test_seed_demo_sets_the_family():
    call_command("seed_demo", verbosity=0)
    items, _ = _counts()
    assert items > 0
    assert not _mismatched()


def test_bench_seed_sets_the_family():
    bench_seed.families(
        tag="tk", count=2, members_per_family=1, lists_per_family=2, items_per_list=3
    )
    assert _counts()[0] == 12
    assert not _mismatched()


def test_admin_add_sets_the_family(client):
    member = MembershipFactory()
    grocery_list = GroceryListFactory(family=member.family)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.post(
        reverse("admin:lists_listitem_add"),
        {
            "grocery_list": grocery_list.pk,
            "name": "eggs",
            "status": "needed",
            "category": "other",
            "created_by": staff.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert ListItem.objects.get(name="eggs").family_id == member.family_id
    assert not _mismatched()


def test_the_family_field_is_not_editable_in_forms():
    """Derived from the list: no form (the admin's included) may set it."""
    assert not ListItem._meta.get_field("family").editable
    assert not ListEvent._meta.get_field("family").editable


# --- the constraint (PostgreSQL) ----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("model", [ListItem, ListEvent], ids=lambda m: m.__name__)
def test_a_row_in_another_family_than_its_list_is_refused(model):
    grocery_list = GroceryListFactory()
    other = FamilyFactory()
    fields = {"name": "milk"} if model is ListItem else {"seq": 1, "type": "item.added"}
    with pytest.raises(IntegrityError), transaction.atomic():
        # The key is deferred like Django's own: checked at once here, at COMMIT in the app.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        model.objects.create(grocery_list=grocery_list, family=other, **fields)
    model.objects.create(grocery_list=grocery_list, family=grocery_list.family, **fields)


@pytest.mark.postgres
def test_an_applied_change_in_another_family_than_its_list_is_refused():
    import uuid

    from lists.models import AppliedChange

    grocery_list = GroceryListFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        AppliedChange.objects.create(
            key=uuid.uuid4(), grocery_list=grocery_list, family=FamilyFactory(), kind="add"
        )


@pytest.mark.postgres
def test_moving_an_item_to_another_family_is_refused():
    item = ListItemFactory()
    other = FamilyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        ListItem.objects.filter(pk=item.pk).update(family=other)


# --- the queries that use it ----------------------------------------------------------------


def test_an_item_row_renders_without_looking_up_its_family(django_assert_num_queries):
    """Pushing a row for an item loaded on its own reads nothing more, and the members only
    when a template shows them (it used to read the item's list for the family first)."""
    item = ListItemFactory()
    MembershipFactory(family=item.family)
    fresh = ListItem.objects.get(pk=item.pk)
    with django_assert_num_queries(0):
        context = item_row_context(item=fresh)
    with django_assert_num_queries(1):
        members = [m.pk for m in context["members"]]
    assert members == list(
        Membership.objects.filter(family=item.family).values_list("user_id", flat=True)
    )


def test_suggestions_and_the_feed_do_not_join_the_lists_for_the_family():
    member = MembershipFactory()
    grocery_list = GroceryListFactory(family=member.family)
    ListItemFactory(grocery_list=grocery_list, name="tomatoes")
    other = MembershipFactory()
    ListItemFactory(grocery_list__family=other.family, name="tofu")
    with CaptureQueriesContext(connection) as suggestions:
        assert selectors.item_suggestions(family_id=member.family_id, query="to") == ["tomatoes"]
    assert "lists_grocerylist" not in suggestions.captured_queries[0]["sql"]
    services.list_event_record(grocery_list=grocery_list, type="item.added", actor=other.user)
    with CaptureQueriesContext(connection) as feed:
        assert len(notifications.feed_for(membership=member)) == 1
    sql = feed.captured_queries[0]["sql"]
    assert '"lists_listevent"."family_id" =' in sql


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
def test_family_queries_use_the_family_indexes_on_the_scale_seed():
    """EXPLAIN on bench/scale.py's seed (small): suggestions read `item_family_name_idx`, the
    family feed reads `event_family_created_idx`, and neither goes through the lists for
    the family."""
    with connection.cursor() as cursor:
        scale.seed(cursor.execute, families=300)
    family = Family.objects.order_by("pk")[150]
    member = Membership.objects.filter(family=family).first()
    GroceryList.objects.filter(family=family).update(last_seq=40)

    with CaptureQueriesContext(connection) as captured:
        assert "tomatoes" in selectors.item_suggestions(family_id=family.pk, query="to")
        selectors.item_suggestions(family_id=family.pk)
        notifications.feed_for(membership=member)
    prefix = "SELECT 1 FROM lists_listitem WHERE family_id = %s AND lower(name) LIKE 'to%%'"
    plans = [_plan(q["sql"]) for q in captured.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {prefix}", [family.pk])
        plans.append("\n".join(row[0] for row in cursor.fetchall()))
    suggest_contains, suggest_all, feed, suggest_prefix = plans
    for plan in (suggest_contains, suggest_all, suggest_prefix):
        assert "item_family_name_idx" in plan, plan
        assert "lists_grocerylist" not in plan, plan
    assert "Index Cond: ((family_id = " in suggest_prefix
    assert "lower((name)::text) ~>=~ 'to'" in suggest_prefix, suggest_prefix
    assert "event_family_created_idx" in feed, feed
