"""The list page's rows are kept rendered in Redis (lists.rendering.page_rows), under a
digest of what they show: every change to a row's inputs shows on the next page, the
kept HTML is exactly the partial's, each viewer gets their own CSRF token, and Redis
being down only costs time."""

from __future__ import annotations

import copy
import re
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from families import services as family_services
from families.tests.factories import MembershipFactory
from lists import item_services, rendering
from lists.cache import invalidate_list_items
from lists.models import ListItem
from lists.rendering import ITEM_ROW, page_row_key
from lists.views import page_for
from photos.models import Photo
from photos.services import photo_mark_failed
from photos.tests.factories import ItemPhotoFactory

pytestmark = pytest.mark.django_db
# CSRF tokens (the rows' and <body hx-headers>'): masked anew on every page.
TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


@pytest.fixture
def milk(member, grocery_list):
    return item_services.item_add(
        grocery_list=grocery_list, actor=member.user, name="milk", quantity_text="2"
    ).item


def _url(grocery_list) -> str:
    return reverse("lists:detail", kwargs={"list_id": grocery_list.id})


def _row(client, grocery_list, item) -> str:
    html = client.get(_url(grocery_list)).content.decode()
    start = html.index(f'<li id="item-{item.id}"')
    return html[start : html.index("</li>", start)]


def _area(html: str) -> str:
    """The item area, CSRF tokens aside."""
    area = html[html.index('<div id="categories"') : html.index('<p class="empty-list')]
    return TOKEN.sub("", area)


def _kept_rows() -> int:
    """Rows kept in the cache: Redis with services, the local-memory cache without them."""
    store = cache._cache
    # This run's keys only: other runs on the same Redis keep theirs for hours.
    pattern = cache.make_key("page-row:*")
    keys = store.get_client().scan_iter(pattern) if hasattr(store, "get_client") else store
    return sum(1 for key in keys if "page-row:" in str(key))


def test_the_second_page_comes_from_kept_rows_and_is_the_same_html(
    client_in, member, grocery_list, milk, monkeypatch, django_assert_max_num_queries
):
    """Prevents N+1: the same queries with rows kept or rendered."""
    item_services.item_add(grocery_list=grocery_list, actor=member.user, name="bread")
    first = client_in.get(_url(grocery_list)).content.decode()
    assert _kept_rows() == 2
    renders = []
    monkeypatch.setattr(rendering, "_render_page_row", lambda item: renders.append(item) or "")
    with django_assert_max_num_queries(7):
        second = client_in.get(_url(grocery_list)).content.decode()
    assert renders == []
    # The same bytes as the partial rendered in the page's own template, token aside.
    # The page as before any keeping: items loaded, rows rendered in the template.
    monkeypatch.setattr("lists.views._page_with_items_area", lambda request, lst: page_for(lst))
    plain = client_in.get(_url(grocery_list)).content.decode()
    assert _area(second) == _area(plain) == _area(first)
    assert second.count('class="item status-') == 2


def _edit(item, grocery_list, actor, **changes):
    base = {name: getattr(item, name) for name in changes} | {"version": item.version}
    return item_services.item_update(
        item_id=item.id, grocery_list=grocery_list, actor=actor, changes=changes, base=base
    )


def test_every_change_to_a_row_shows_on_the_next_page(client_in, member, grocery_list, milk):
    """Each input of a row, changed the way the app changes it, after the row was kept."""
    ben = MembershipFactory(family=member.family, user__display_name="Ben").user
    row = _row(client_in, grocery_list, milk)
    assert "milk" in row and ">2<" in row

    milk = _edit(milk, grocery_list, member.user, name="oat milk")
    assert '"item-name">oat milk<' in _row(client_in, grocery_list, milk)

    milk = item_services.item_quantity_step(
        item_id=milk.id, grocery_list=grocery_list, actor=member.user, direction="up"
    )
    assert '"item-qty">3<' in _row(client_in, grocery_list, milk)

    milk = _edit(milk, grocery_list, member.user, note="the barista one")
    assert "the barista one" in _row(client_in, grocery_list, milk)

    milk = item_services.item_assign(
        item_id=milk.id, grocery_list=grocery_list, actor=member.user, assignee=ben
    )
    assert '"assignee">Ben<' in _row(client_in, grocery_list, milk)

    family_services.profile_update(user=ben, display_name="Benjamin")
    assert '"assignee">Benjamin<' in _row(client_in, grocery_list, milk)

    milk = _edit(milk, grocery_list, member.user, category="bakery")
    html = client_in.get(_url(grocery_list)).content.decode()
    bakery = html[
        html.index('id="category-bakery"') : html.index("</ul>", html.index("category-bakery"))
    ]
    assert f'id="item-{milk.id}"' in bakery and 'data-category="bakery"' in bakery

    item_services.item_status_change(
        item_id=milk.id, grocery_list=grocery_list, actor=member.user, status="in_cart"
    )
    row = _row(client_in, grocery_list, milk)
    assert 'data-status="in_cart"' in row and "is in the cart. Mark it purchased" in row


def test_a_photo_and_its_thumbnail_show_on_the_next_page(client_in, grocery_list, milk):
    assert "photo-figure" not in _row(client_in, grocery_list, milk)
    photo = ItemPhotoFactory(item=milk)
    # A new photo goes through a service that drops the list's cached items (and kept
    # item areas); here the row is added straight to the database, so drop them as that
    # service does.
    invalidate_list_items(family_id=grocery_list.family_id, list_id=grocery_list.id)
    assert 'data-photo-status="pending"' in _row(client_in, grocery_list, milk)
    photo_mark_failed(photo_id=photo.pk, error="not an image")
    assert 'data-photo-status="failed"' in _row(client_in, grocery_list, milk)
    Photo.objects.filter(pk=photo.pk).update(
        status=Photo.Status.READY, thumbnail_width=120, thumbnail_height=90
    )
    invalidate_list_items(family_id=grocery_list.family_id, list_id=grocery_list.id)
    row = _row(client_in, grocery_list, milk)
    assert 'data-photo-status="ready"' in row and 'width="120"' in row


def test_each_language_gets_its_own_rows(client_in, member, grocery_list, milk):
    english = _row(client_in, grocery_list, milk)
    family_services.profile_update(user=member.user, display_name="Ana", language="es")
    spanish = _row(client_in, grocery_list, milk)
    assert "Put milk in the cart" in english
    assert "Put milk in the cart" not in spanish and "milk" in spanish
    family_services.profile_update(user=member.user, display_name="Ana", language="")
    assert "Put milk in the cart" in _row(client_in, grocery_list, milk)


def test_each_viewer_gets_their_own_csrf_token_in_kept_rows(member, grocery_list, milk):
    """The no-JS form works from a kept row: the token is the viewer's, not the first's."""
    ben = MembershipFactory(family=member.family, user__display_name="Ben").user
    ana_client, ben_client = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    ana_client.force_login(member.user)
    ben_client.force_login(ben)
    ana_row = _row(ana_client, grocery_list, milk)
    assert _kept_rows() == 1
    ben_row = _row(ben_client, grocery_list, milk)
    assert rendering._CSRF_SLOT not in ben_row
    ben_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', ben_row).group(1)
    ana_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', ana_row).group(1)
    assert ben_token != ana_token
    status_url = reverse(
        "lists:item_status", kwargs={"list_id": grocery_list.id, "item_id": milk.id}
    )
    answer = ben_client.post(status_url, {"csrfmiddlewaretoken": ben_token, "status": "in_cart"})
    assert answer.status_code == 302
    assert ListItem.objects.get(pk=milk.pk).status == "in_cart"


def test_the_page_renders_its_rows_when_redis_is_down(client_in, grocery_list, milk, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get_many", down)
    monkeypatch.setattr(cache, "set_many", down)
    response = client_in.get(_url(grocery_list))
    assert response.status_code == 200
    assert f'<li id="item-{milk.id}"' in response.content.decode()
    assert "Put milk in the cart" in response.content.decode()


def test_a_failing_write_of_the_rows_still_answers_the_page(
    client_in, grocery_list, milk, monkeypatch
):
    def down(*args, **kwargs):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(cache, "set_many", down)
    response = client_in.get(_url(grocery_list))
    assert response.status_code == 200 and "Put milk in the cart" in response.content.decode()


def _other_value(field, value):
    """A different value of the field's kind (None: not one this test knows)."""
    kind = field.get_internal_type()
    if kind in {"CharField", "TextField"}:
        return f"{value or ''}x"
    if kind.endswith("IntegerField"):
        return (value or 0) + 1
    if kind == "DateTimeField":
        return (value or timezone.now()) + timedelta(days=1)
    if kind in {"UUIDField", "ForeignKey"}:
        return uuid.uuid4()
    if kind == "BooleanField":
        return not value
    return None


def test_whatever_changes_a_rows_html_changes_its_key(member, grocery_list, milk):
    """A guard for later template edits: a row that reads something `row_inputs` does not
    cover would be served stale from the cache. Each field of the item, its assignee's
    name and the language, changed one at a time."""
    ben = MembershipFactory(family=member.family, user__display_name="Ben").user
    item_services.item_assign(
        item_id=milk.id, grocery_list=grocery_list, actor=member.user, assignee=member.user
    )
    item = ListItem.objects.select_related("assigned_to", "photo").get(pk=milk.pk)

    def html(it):
        return rendering.render_to_string(ITEM_ROW, {"item": it, "csrf_token": "t"})

    variants = []
    for field in ListItem._meta.concrete_fields:
        changed = copy.copy(item)
        if field.attname == "assigned_to_id":
            changed.assigned_to = ben
        else:
            value = _other_value(field, getattr(item, field.attname))
            assert value is not None, f"{field.attname}: a field of a kind this test misses"
            setattr(changed, field.attname, value)
        variants.append((field.attname, changed))
    renamed = copy.copy(item)
    renamed.assigned_to = copy.copy(member.user)
    renamed.assigned_to.display_name = "Someone else"
    variants.append(("assignee name", renamed))

    shown = []
    for name, changed in variants:
        if html(changed) != html(item):
            shown.append(name)
            assert page_row_key(changed) != page_row_key(item), name
    assert {"name", "quantity_text", "status", "assigned_to_id", "assignee name"} <= set(shown)
    with translation.override("es"):
        spanish = page_row_key(item)
    assert spanish != page_row_key(item)


def test_kept_rows_stay_escaped_and_only_the_token_slot_is_filled(client_in, member, grocery_list):
    hostile = f'<script>alert(1)</script> {rendering._CSRF_SLOT} "x"'
    item = item_services.item_add(grocery_list=grocery_list, actor=member.user, name=hostile).item
    for _ in range(2):  # rendered, then kept
        row = _row(client_in, grocery_list, item)
        assert "<script>" not in row and "&lt;script&gt;" in row
        assert rendering._CSRF_SLOT in row  # the name, as typed
        assert 'name="csrfmiddlewaretoken" value="csrf-slot' not in row
