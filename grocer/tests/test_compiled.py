"""A queryset compiled once and run again with other ids (grocer/compiled.py) gives what
the queryset itself gives, on PostgreSQL and on SQLite, without building it again."""

from __future__ import annotations

import uuid

import pytest
from django.db.models import F

from families.models import Membership, User
from families.tests.factories import MembershipFactory
from grocer.compiled import CompiledQuery
from lists.models import GroceryList
from lists.tests.factories import GroceryListFactory

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
