"""The top bar's family switcher reads the user's memberships with a compiled query
(issue 13, the list page's fixed cost): the user's live families only, by name."""

import pytest
from django.test import RequestFactory
from django.utils import timezone

from families.templatetags.family_nav import family_nav
from families.tests.factories import FamilyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _nav(user):
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    return family_nav({"request": request})


def test_the_switcher_lists_the_users_live_families_by_name():
    ana = MembershipFactory(family=FamilyFactory(name="Smiths")).user
    MembershipFactory(user=ana, family=FamilyFactory(name="Alvarez"))
    gone = MembershipFactory(user=ana, family=FamilyFactory(name="Book club")).family
    MembershipFactory(family=FamilyFactory(name="Strangers"))

    nav = _nav(ana)
    assert [m.family.name for m in nav["memberships"]] == ["Alvarez", "Book club", "Smiths"]
    assert nav["current"].family.name == "Alvarez"
    assert all(m.user_id == ana.pk for m in nav["memberships"])

    gone.deleted_at = timezone.now()
    gone.save()
    nav = _nav(ana)
    assert [m.family.name for m in nav["memberships"]] == ["Alvarez", "Smiths"]
    assert [m.family.name for m in nav["others"]] == ["Smiths"]
