"""The one access check for lists: `GroceryList.objects.for_member` and `access_list`."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from families.models import Membership
from families.tests.factories import MembershipFactory
from lists.access import access_list
from lists.models import GroceryList, ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return MembershipFactory(role=Membership.Role.ADMIN)


@pytest.fixture
def grocery_list(admin):
    return GroceryListFactory(family=admin.family)


def test_a_member_gets_the_list_and_their_membership_in_one_query(
    admin, grocery_list, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found, membership = access_list(user=admin.user, list_id=grocery_list.id)
        assert found == grocery_list and found.family == admin.family
        assert membership.pk == admin.pk and membership.is_admin
        assert membership.family_id == admin.family_id and membership.user_id == admin.user_id
        assert membership.family is found.family  # no query for it


def _deny(user, list_id, **kwargs):
    with pytest.raises(Http404) as raised:
        access_list(user=user, list_id=list_id, **kwargs)
    return str(raised.value)


def test_every_refusal_is_the_same_404(admin, grocery_list):
    outsider = MembershipFactory()
    other_family_list = GroceryListFactory(family=outsider.family)
    deleted = GroceryListFactory(family=admin.family, deleted_at=timezone.now())
    refusals = {
        _deny(admin.user, uuid.uuid4()),  # no such list
        _deny(admin.user, other_family_list.id),  # another family's
        _deny(outsider.user, grocery_list.id),
        _deny(admin.user, deleted.id),  # deleted
        _deny(AnonymousUser(), grocery_list.id),
        _deny(admin.user, "not-a-uuid"),
    }
    assert refusals == {"No such list."}
    admin.family.deleted_at = timezone.now()
    admin.family.save(update_fields=["deleted_at"])
    assert _deny(admin.user, grocery_list.id) == "No such list."


def test_a_deleted_list_only_when_asked_for(admin):
    deleted = GroceryListFactory(family=admin.family, deleted_at=timezone.now())
    found, membership = access_list(user=admin.user, list_id=deleted.id, include_deleted=True)
    assert found == deleted and membership.pk == admin.pk


def test_for_member_scopes_lists_and_items_to_the_users_live_families(admin, grocery_list):
    theirs = ListItemFactory()
    mine = ListItemFactory(grocery_list=grocery_list)
    ListItemFactory(grocery_list=GroceryListFactory(family=admin.family, deleted_at=timezone.now()))
    assert list(GroceryList.objects.for_member(admin.user)) == [grocery_list]
    assert list(ListItem.objects.for_member(admin.user)) == [mine]
    assert theirs not in ListItem.objects.for_member(admin.user)
    assert not GroceryList.objects.for_member(AnonymousUser()).exists()
