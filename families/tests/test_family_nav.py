"""The top bar's family switcher reads the user's memberships with a compiled query
(issue 13, the list page's fixed cost): the user's live families only, by name."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.template.loader import get_template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

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


# --- the bar kept rendered (issue 13): the same HTML, each change shown, each viewer's token

TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    return request


def _kept_bar(user) -> str:
    request = _request(user)
    return Template("{% load family_nav %}{% family_nav %}").render(RequestContext(request))


def _included_bar(user) -> str:
    """The bar as the inclusion tag rendered it before it was kept."""
    request = _request(user)
    context = RequestContext(request)
    with context.bind_template(Template("")):
        data = family_nav({"request": request, "csrf_token": context["csrf_token"]})
    return get_template("families/_nav.html").render(data)


def test_the_kept_bar_is_the_included_bar_and_shows_each_change():
    from families.templatetags import family_nav as tags

    ana = MembershipFactory(family=FamilyFactory(name="Smiths"), user__display_name="Ana").user
    MembershipFactory(user=ana, family=FamilyFactory(name="Alvarez"))
    first = _kept_bar(ana)
    assert "Alvarez" in first and "Smiths" in first and "Ana" in first
    assert TOKEN.sub("", first) == TOKEN.sub("", _included_bar(ana))
    kept = dict(tags._kept)
    second = _kept_bar(ana)
    assert dict(tags._kept) == kept  # served as kept
    assert TOKEN.sub("", second) == TOKEN.sub("", first)
    assert TOKEN.findall(second) and tags._CSRF_SLOT not in second

    family = ana.memberships.get(family__name="Smiths").family
    family.name = "Smith-Jones"
    family.save()
    assert "Smith-Jones" in _kept_bar(ana)
    ana.display_name = "Ana Maria"
    ana.save()
    assert "Ana Maria" in _kept_bar(ana)
    ana.email = "ana.maria@example.com"
    ana.save()
    assert "ana.maria@example.com" in _kept_bar(ana)
    with translation.override("es"):
        assert "Log out" not in _kept_bar(ana)
        assert TOKEN.sub("", _kept_bar(ana)) == TOKEN.sub("", _included_bar(ana))
    assert "Log out" in _kept_bar(ana)
    assert "Log in" in _kept_bar(AnonymousUser())


def test_each_viewer_posts_with_their_own_token_from_the_kept_bar():
    ana = MembershipFactory(user__display_name="Ana").user
    ana_client = Client(enforce_csrf_checks=True)
    ana_client.force_login(ana)
    ana_client.get(reverse("profile"))
    ben = MembershipFactory(family=ana.memberships.get().family, user__display_name="Ben").user
    client = Client(enforce_csrf_checks=True)
    client.force_login(ben)
    html = client.get(reverse("profile")).content.decode()
    bar = html[html.index('<nav class="topnav"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', bar).group(1)
    assert token != "csrf-slot-5b0f3c71"
    assert client.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302
