"""Error pages, the favicon and page metadata: what every page of the site carries."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from families.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", _boom)]


def test_favicon_ico_is_the_grocer_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_pages_link_the_icon_and_describe_themselves(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.ico"' in html
    assert '<meta name="description" content="' in html


@pytest.mark.parametrize("logged_in", [False, True])
def test_404_is_a_grocer_page_with_a_way_home(client, logged_in):
    if logged_in:
        client.force_login(MembershipFactory().user)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "This page is not here" in html
    assert 'href="/">Go to your lists</a>' in html
    assert 'class="topbar"' in html


@override_settings(ROOT_URLCONF=__name__)
def test_500_is_a_grocer_page_with_a_way_home():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert 'href="/">Go to your lists</a>' in html
    assert "/static/css/grocer.css" in html


def _policy(response) -> dict[str, list[str]]:
    return {
        name: sources
        for name, *sources in (p.split() for p in response["Content-Security-Policy"].split(";"))
    }


@override_settings(DEBUG=True)
def test_debug_error_pages_may_use_their_inline_styles(client):
    """Under `make run` (DEBUG) Django's technical 404 must be readable despite the CSP."""
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"NONE,NOARCHIVE" in response.content  # Django's technical page
    policy = _policy(response)
    assert "'unsafe-inline'" in policy["style-src"]
    # Our own pages keep the strict policy, DEBUG or not.
    strict = _policy(client.get("/accounts/login/"))
    assert not any("unsafe" in s for sources in strict.values() for s in sources)


def test_without_debug_no_page_gets_the_relaxed_policy(client):
    policy = _policy(client.get("/no/such/page/"))
    assert not any("unsafe" in s for sources in policy.values() for s in sources)


def test_pages_are_sent_compressed(client):
    """Lighthouse: the list page's HTML was 160 KB uncompressed."""
    member = MembershipFactory()
    client.force_login(member.user)
    from lists.tests.factories import GroceryListFactory, ListItemFactory

    grocery_list = GroceryListFactory(family=member.family)
    ListItemFactory.create_batch(30, grocery_list=grocery_list)
    response = client.get(f"/lists/{grocery_list.id}/", headers={"accept-encoding": "gzip, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
