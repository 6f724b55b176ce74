"""The list page's layout promises: what a person sees first on a phone, and where."""

import re

import pytest
from django.urls import reverse

from families.tests.factories import MembershipFactory
from lists.tests.factories import GroceryListFactory, ListItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_html(client):
    member = MembershipFactory(family__name="The Testers")
    grocery_list = GroceryListFactory(family=member.family, name="Weekly shop")
    ListItemFactory(grocery_list=grocery_list, name="milk")
    client.force_login(member.user)
    return client.get(reverse("lists:detail", kwargs={"list_id": grocery_list.id})).content.decode()


def test_the_breadcrumb_holds_only_the_way_back(page_html):
    """ "← Family What changed" read as one link: the breadcrumb is the family link alone."""
    nav = re.search(r'<nav class="crumbs" aria-label="Breadcrumb">(.*?)</nav>', page_html, re.S)
    assert nav is not None
    assert len(re.findall(r"<a\b", nav.group(1))) == 1
    assert "The Testers" in nav.group(1)
    assert "What changed" not in nav.group(1)
    assert "What changed" in page_html  # still on the page, beside it
