"""`shopping_at` reads the choice and the stores with compiled queries (issue 13, the list
page's fixed cost): the same answers as the querysets, scoped to the family."""

import pytest
from django.db.models.functions import Lower

from families.models import Membership
from families.tests.factories import MembershipFactory
from shop import selectors, services
from shop.models import ShoppingChoice, Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return MembershipFactory(user__display_name="Ana", role=Membership.Role.ADMIN)


def test_the_choice_and_stores_are_the_familys_sorted_by_name(admin):
    family = admin.family
    assert selectors.shopping_at(family=family).store is None
    assert selectors.shopping_at(family=family).stores == []
    zed = services.store_create(family=family, actor=admin.user, name="zed mart")
    services.store_create(family=family, actor=admin.user, name="Acme")
    services.store_create(family=family, actor=admin.user, name="bodega")
    other = MembershipFactory(role=Membership.Role.ADMIN)
    services.store_create(family=other.family, actor=other.user, name="Elsewhere")
    services.shopping_choice_set(family=family, store=zed)

    shopping = selectors.shopping_at(family=family)
    assert shopping.store == zed and shopping.store.name == "zed mart"
    assert [s.name for s in shopping.stores] == ["Acme", "bodega", "zed mart"]
    assert shopping.stores == list(Store.objects.filter(family=family).order_by(Lower("name")))
    assert selectors.shopping_at(family=other.family).store is None

    # A chosen store that was deleted is no choice.
    Store.objects.filter(pk=zed.pk).update(deleted_at=zed.created_at)
    assert ShoppingChoice.objects.filter(family=family).exists()
    shopping = selectors.shopping_at(family=family)
    assert shopping.store is None
    assert [s.name for s in shopping.stores] == ["Acme", "bodega"]
