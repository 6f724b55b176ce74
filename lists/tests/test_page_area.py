"""The list page's item area is kept rendered per list and language (lists.rendering:
`kept_items_area`, `keep_items_area`): a page whose area is kept loads no items at all,
shows exactly the HTML the template renders, with the viewer's own CSRF token, shows
every change on its next load, and Redis being down only costs time."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from families import services as family_services
from families.tests.factories import MembershipFactory
from lists import item_services, rendering, selectors
from lists.models import ListItem
from lists.views import page_for
from photos.services import photo_mark_failed
from photos.tests.factories import ItemPhotoFactory
from shop import services as shop_services

pytestmark = pytest.mark.django_db
# CSRF tokens: masked anew on every page.
TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")
# What differs between two loads of the same page: the CSRF tokens and the add and bulk
# boxes' idempotency keys (new on every page).
KEY = re.compile(r'name="idempotency_key" value="[0-9a-f-]{36}"')


def _url(grocery_list) -> str:
    return reverse("lists:detail", kwargs={"list_id": grocery_list.id})


def _add(grocery_list, member, name, **fields):
    return item_services.item_add(
        grocery_list=grocery_list, actor=member.user, name=name, **fields
    ).item


def _page(client, grocery_list) -> str:
    response = client.get(_url(grocery_list))
    assert response.status_code == 200
    return response.content.decode()


def _same(html: str) -> str:
    return KEY.sub("", TOKEN.sub("", html))


def _area(html: str) -> str:
    return html[html.index('<div id="categories"') : html.index('<p class="empty-list')]


def _plain(client, grocery_list, monkeypatch) -> str:
    """The page as the template renders it from the items, nothing kept."""
    with monkeypatch.context() as patch:
        patch.setattr("lists.views._page_with_items_area", lambda request, lst: page_for(lst))
        return _page(client, grocery_list)


def _no_items_loaded(monkeypatch):
    def fail(**kwargs):
        raise AssertionError("the page loaded the items")

    monkeypatch.setattr(selectors, "cached_list_items", fail)
    monkeypatch.setattr(rendering, "_render_page_row", fail)


def test_a_kept_area_loads_no_items_and_is_the_same_page(
    client_in, member, grocery_list, monkeypatch, django_assert_max_num_queries
):
    """Prevents N+1: the second page's queries do not grow, and it builds no item."""
    ben = MembershipFactory(family=member.family, user__display_name="Ben").user
    milk = _add(grocery_list, member, "milk", quantity_text="2")
    item_services.item_assign(
        item_id=milk.id, grocery_list=grocery_list, actor=member.user, assignee=ben
    )
    _add(grocery_list, member, "bread", category="bakery")
    first = _page(client_in, grocery_list)
    with monkeypatch.context() as patch:
        _no_items_loaded(patch)
        with django_assert_max_num_queries(7):
            second = _page(client_in, grocery_list)
    plain = _plain(client_in, grocery_list, monkeypatch)
    assert _same(second) == _same(first) == _same(plain)
    assert second.count('class="item status-') == 2
    assert '"assignee">Ben<' in second


def test_a_kept_area_while_shopping_at_a_store_is_the_same_page(
    client_in, member, grocery_list, monkeypatch
):
    """The aisles in the store's order, the done section, the empty aisles hidden."""
    store = shop_services.store_create(family=member.family, actor=member.user, name="Lidl")
    shop_services.store_aisle_order_set(
        store=store, order=["bakery", "dairy", "produce"], actor=member.user
    )
    shop_services.shopping_choice_set(family=member.family, store=store)
    milk = _add(grocery_list, member, "milk")
    _add(grocery_list, member, "bread", category="bakery")
    item_services.item_status_change(
        item_id=milk.id, grocery_list=grocery_list, actor=member.user, status="in_cart"
    )
    first = _page(client_in, grocery_list)
    assert 'id="category-done"' in first
    with monkeypatch.context() as patch:
        _no_items_loaded(patch)
        second = _page(client_in, grocery_list)
    assert _same(second) == _same(first) == _same(_plain(client_in, grocery_list, monkeypatch))


def test_an_empty_list_and_another_language_are_the_same_page(
    client_in, member, grocery_list, monkeypatch
):
    first = _page(client_in, grocery_list)
    assert "Nothing on this list yet" in first
    assert _same(_page(client_in, grocery_list)) == _same(first)
    family_services.profile_update(user=member.user, display_name="Ana", language="es")
    _add(grocery_list, member, "leche")
    spanish = _page(client_in, grocery_list)
    assert "Put leche in the cart" not in spanish and "leche" in spanish
    with monkeypatch.context() as patch:
        _no_items_loaded(patch)
        assert _same(_page(client_in, grocery_list)) == _same(spanish)
    assert _same(_plain(client_in, grocery_list, monkeypatch)) == _same(spanish)


def test_every_change_the_area_shows_is_on_the_next_page(client_in, member, grocery_list):
    """Items (through their events), a member's name, the store and its aisle order, the
    language and a photo (no event: the service drops the kept areas)."""
    ben = MembershipFactory(family=member.family, user__display_name="Ben").user
    milk = _add(grocery_list, member, "milk")
    assert "milk" in _area(_page(client_in, grocery_list))

    bread = _add(grocery_list, member, "bread", category="bakery")
    area = _area(_page(client_in, grocery_list))
    assert f'id="item-{bread.id}"' in area

    item_services.item_assign(
        item_id=milk.id, grocery_list=grocery_list, actor=member.user, assignee=ben
    )
    assert '"assignee">Ben<' in _area(_page(client_in, grocery_list))
    family_services.profile_update(user=ben, display_name="Benjamin")
    assert '"assignee">Benjamin<' in _area(_page(client_in, grocery_list))

    item_services.item_status_change(
        item_id=milk.id, grocery_list=grocery_list, actor=member.user, status="purchased"
    )
    html = _page(client_in, grocery_list)
    assert 'data-status="purchased"' in _area(html)
    assert "<strong>1</strong> purchased" in html  # the header's counts come with the area

    # The store (the done section) and its aisle order.
    store = shop_services.store_create(family=member.family, actor=member.user, name="Lidl")
    shop_services.shopping_choice_set(family=member.family, store=store)
    area = _area(_page(client_in, grocery_list))
    assert 'id="category-done"' in area
    shop_services.store_aisle_order_set(store=store, order=["bakery", "dairy"], actor=None)
    area = _area(_page(client_in, grocery_list))
    assert area.index('id="category-bakery"') < area.index('id="category-dairy"')
    shop_services.store_aisle_order_set(store=store, order=["dairy", "bakery"], actor=None)
    area = _area(_page(client_in, grocery_list))
    assert area.index('id="category-dairy"') < area.index('id="category-bakery"')
    shop_services.shopping_choice_set(family=member.family, store=None)
    assert 'id="category-done"' not in _area(_page(client_in, grocery_list))

    family_services.profile_update(user=member.user, display_name="Ana", language="pt-br")
    assert "Put bread in the cart" not in _area(_page(client_in, grocery_list))
    family_services.profile_update(user=member.user, display_name="Ana", language="")
    assert "Put bread in the cart" in _area(_page(client_in, grocery_list))

    photo = ItemPhotoFactory(item=bread)
    # Photos are added through a service that drops the cached rows; here the row went
    # straight to the database, so the next change to it comes through the service.
    photo_mark_failed(photo_id=photo.pk, error="not an image")
    assert 'data-photo-status="failed"' in _area(_page(client_in, grocery_list))


def test_each_viewer_gets_their_own_csrf_token_in_a_kept_area(member, grocery_list):
    milk = _add(grocery_list, member, "milk")
    ben = MembershipFactory(family=member.family, user__display_name="Ben").user
    ana_client, ben_client = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    ana_client.force_login(member.user)
    ben_client.force_login(ben)
    ana_area = _area(_page(ana_client, grocery_list))
    ben_area = _area(_page(ben_client, grocery_list))  # kept by Ana's page
    assert rendering._CSRF_SLOT not in ben_area
    ben_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', ben_area).group(1)
    ana_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', ana_area).group(1)
    assert ben_token != ana_token
    status_url = reverse(
        "lists:item_status", kwargs={"list_id": grocery_list.id, "item_id": milk.id}
    )
    answer = ben_client.post(status_url, {"csrfmiddlewaretoken": ben_token, "status": "in_cart"})
    assert answer.status_code == 302
    assert ListItem.objects.get(pk=milk.pk).status == "in_cart"


def test_a_kept_area_stays_escaped(client_in, member, grocery_list):
    hostile = f'<script>alert(1)</script> {rendering._CSRF_SLOT} "x"\n'
    _add(grocery_list, member, hostile)
    for _ in range(2):  # rendered, then kept
        area = _area(_page(client_in, grocery_list))
        assert "<script>" not in area and "&lt;script&gt;" in area
        assert rendering._CSRF_SLOT in area  # the name, as typed
        assert 'name="csrfmiddlewaretoken" value="csrf-slot' not in area


class _Down:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Redis is down")

        return fail


@pytest.mark.redis  # breaks the Redis cache client; without Redis the cache is LocMem
def test_the_page_renders_when_redis_is_down(client_in, member, grocery_list, monkeypatch):
    _add(grocery_list, member, "milk")
    kept = _page(client_in, grocery_list)
    backend = caches["default"]
    if hasattr(backend, "_cache"):  # Redis: every command fails
        monkeypatch.setattr(backend._cache, "get_client", lambda *a, **k: _Down())
    else:
        monkeypatch.setattr(rendering, "cache_get_bytes", _Down().get)
        monkeypatch.setattr(rendering, "cache_set_bytes", _Down().set)
    html = _page(client_in, grocery_list)
    assert _same(_area(html)) == _same(_area(kept))
    assert "Put milk in the cart" in html
