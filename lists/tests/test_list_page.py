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


def test_the_dashboard_shows_the_family_places(client):
    """Members & invites, Vendors and Orders were only inside the family menu."""
    member = MembershipFactory(family__name="The Testers")
    client.force_login(member.user)
    html = client.get(reverse("lists:dashboard", kwargs={"family_id": member.family_id}))
    places = re.search(r'<nav class="family-places"[^>]*>(.*?)</nav>', html.content.decode(), re.S)
    assert places is not None
    fid = member.family_id
    for url in (
        reverse("families:members", kwargs={"family_id": fid}),
        reverse("vendors:directory", kwargs={"family_id": fid}),
        reverse("orders:history", kwargs={"family_id": fid}),
        reverse("families:notifications", kwargs={"family_id": fid}),
    ):
        assert f'href="{url}"' in places.group(1)


def test_the_list_page_shows_the_latest_activity_and_pages_through_the_rest(client):
    from lists import item_services

    member = MembershipFactory()
    grocery_list = GroceryListFactory(family=member.family)
    for n in range(40):
        item_services.item_add(grocery_list=grocery_list, actor=member.user, name=f"thing {n}")
    client.force_login(member.user)
    html = client.get(reverse("lists:detail", kwargs={"list_id": grocery_list.id})).content
    feed = re.search(r'<ol id="activity"[^>]*>(.*?)</ol>', html.decode(), re.S).group(1)
    assert feed.count('class="activity-entry"') == 5
    assert "thing 39" in feed and "thing 34" not in feed
    activity_url = reverse("lists:activity", kwargs={"list_id": grocery_list.id})
    assert f'href="{activity_url}">Older activity' in html.decode()

    first = client.get(activity_url).content.decode()
    assert first.count('class="activity-entry"') == 30
    older = re.search(r'href="([^"]+\?before=\d+)">Older</a>', first).group(1)
    second = client.get(older.replace("&amp;", "&")).content.decode()
    assert second.count('class="activity-entry"') == 10
    assert "thing 0" in second and "thing 39" not in second
    assert ">Older</a>" not in second
    assert client.get(activity_url + "?before=nonsense").status_code == 200


def test_another_familys_activity_is_a_404(client):
    grocery_list = GroceryListFactory()
    client.force_login(MembershipFactory().user)
    response = client.get(reverse("lists:activity", kwargs={"list_id": grocery_list.id}))
    assert response.status_code == 404
