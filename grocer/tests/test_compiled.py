"""A queryset compiled once and run again with other ids (grocer/compiled.py) gives what
the queryset itself gives, on PostgreSQL and on SQLite, without building it again."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.models import F

from families.models import Membership, User
from families.tests.factories import MembershipFactory
from grocer.compiled import CompiledQuery
from lists.models import GroceryList, ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory

pytestmark = pytest.mark.django_db


def _counting(build):
    calls = []

    def counted(**ids):
        calls.append(ids)
        return build(**ids)

    return counted, calls


def _members_lists(*, user_id, list_id):
    return (
        GroceryList.objects.filter(family__memberships__user_id=user_id, pk=list_id)
        .annotate(member_role=F("family__memberships__role"))
        .select_related("family")
        .order_by("pk")
    )


def test_it_matches_the_queryset_and_builds_it_once(django_assert_num_queries):
    ana = MembershipFactory(role=Membership.Role.ADMIN)
    ben = MembershipFactory()
    lists = [GroceryListFactory(family=ana.family) for _ in range(2)]
    build, calls = _counting(_members_lists)
    compiled = CompiledQuery(GroceryList, build)
    cases = [(ana.user_id, lists[0].id), (ana.user_id, lists[1].id), (ben.user_id, lists[0].id)]
    for user_id, list_id in cases * 2:
        expected = list(_members_lists(user_id=user_id, list_id=list_id))
        with django_assert_num_queries(1):
            got = compiled.run(user_id=user_id, list_id=str(list_id))
            assert [(g.pk, g.member_role, g.family.name) for g in got] == [
                (e.pk, e.member_role, e.family.name) for e in expected
            ]
            assert all(g.family_id == ana.family_id for g in got)
            # The family came in the same row: reading it is no query.
            assert [g.family.pk for g in got] == [e.family_id for e in expected]
    assert len(calls) == 1  # compiled the first time only
    assert [g.pk for g in compiled.run(user_id=ana.user_id, list_id=lists[1].id)] == [lists[1].id]


def test_an_id_that_is_not_a_uuid_is_a_value_error():
    compiled = CompiledQuery(GroceryList, _members_lists)
    with pytest.raises(ValueError):
        compiled.run(user_id="1 OR 1=1", list_id=uuid.uuid4())


def test_a_query_it_cannot_reuse_runs_as_a_queryset_every_time():
    """Prefetching (or values, or an id Django writes into the SQL) is built each time."""
    ana = MembershipFactory()
    grocery_list = GroceryListFactory(family=ana.family)

    def prefetching(*, user_id):
        return User.objects.filter(pk=user_id).prefetch_related("memberships")

    build, calls = _counting(prefetching)
    compiled = CompiledQuery(User, build)
    for _ in range(2):
        (user,) = compiled.run(user_id=ana.user_id)
        assert [m.family_id for m in user.memberships.all()] == [grocery_list.family_id]
    assert len(calls) == 3  # the attempt to compile, then each run


def _needed_named(*, list_id, name):
    return (
        ListItem.objects.filter(grocery_list_id=list_id, status="needed", name__iexact=name)
        .order_by("name")
        .values_list("name", "quantity_text")
    )


@pytest.mark.parametrize("name", ["MILK", "50%_off", "back\\slash"])
def test_text_arguments_and_values_list_rows(name):
    """A text argument goes in as a parameter; where Django escapes it (iexact is LIKE on
    SQLite) the query is built every time instead, so `%` and `_` never match anything."""
    grocery_list = GroceryListFactory()
    for text in ("milk", "50%_off", "50xyoff", "back\\slash", "backXslash"):
        ListItemFactory(grocery_list=grocery_list, name=text, quantity_text="1")
    build, calls = _counting(_needed_named)
    compiled = CompiledQuery(ListItem, build, text=("name",))
    for _ in range(2):
        assert compiled.run(list_id=grocery_list.id, name=name) == list(
            _needed_named(list_id=grocery_list.id, name=name)
        )
        assert len(compiled.run(list_id=grocery_list.id, name=name)) == 1
    # PostgreSQL's iexact takes the text as it is: compiled once. SQLite's escapes it.
    assert len(calls) == (1 if connection.vendor == "postgresql" else 5)


def test_an_add_finds_its_twin_by_the_exact_name_whatever_the_case():
    from lists import item_services

    member = MembershipFactory()
    grocery_list = GroceryListFactory(family=member.family)
    add = dict(grocery_list=grocery_list, actor=member.user)
    assert item_services.item_add(**add, name="50xyoff").created
    assert item_services.item_add(**add, name="50%_off").created  # no wildcard match
    again = item_services.item_add(**add, name="50%_OFF")
    assert not again.created and again.item.name == "50%_off"
    assert again.counts["needed"] == 2
