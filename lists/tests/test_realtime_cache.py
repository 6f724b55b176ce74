"""Cache-aside for a list's items: served from Redis, never stale after a write."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from grocer.testing import free_port
from lists.cache import cached_list_items, list_items_key
from lists.models import GroceryList
from lists.services import list_event_record
from lists.tests.factories import GroceryListFactory, ListItemFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


class Loader:
    """Reads the list's item names from the database, counting how often it had to."""

    def __init__(self, grocery_list: GroceryList) -> None:
        self.grocery_list = grocery_list
        self.calls = 0

    def __call__(self) -> list[str]:
        self.calls += 1
        return list(self.grocery_list.items.order_by("name").values_list("name", flat=True))


def read(grocery_list: GroceryList, loader: Loader | None = None) -> list[str]:
    # As a page does: the list row fresh from the database, then its items.
    fresh = GroceryList.objects.get(pk=grocery_list.pk)
    return cached_list_items(grocery_list=fresh, load=loader or Loader(fresh))


def test_second_read_comes_from_the_cache_under_the_family_key():
    grocery_list = GroceryListFactory()
    ListItemFactory(grocery_list=grocery_list, name="milk")
    loader = Loader(grocery_list)
    assert read(grocery_list, loader) == ["milk"]
    assert read(grocery_list, loader) == ["milk"]
    assert loader.calls == 1
    key = f"family:{grocery_list.family_id}:list:{grocery_list.pk}"
    assert list_items_key(family_id=grocery_list.family_id, list_id=grocery_list.pk) == key
    assert cache.get(key) == {"seq": 0, "value": ["milk"]}
    assert cache._cache.get_client(key).ttl(cache.make_key(key)) > 0


def test_no_stale_read_after_a_write(django_capture_on_commit_callbacks):
    grocery_list = GroceryListFactory()
    ListItemFactory(grocery_list=grocery_list, name="milk")
    assert read(grocery_list) == ["milk"]

    with django_capture_on_commit_callbacks(execute=True):
        ListItemFactory(grocery_list=grocery_list, name="eggs")
        list_event_record(grocery_list=grocery_list, type="item.added", actor=None)

    key = list_items_key(family_id=grocery_list.family_id, list_id=grocery_list.pk)
    # The event's seq alone retires the old value: the publisher spends no round trip
    # deleting it, and the next read replaces it.
    assert cache.get(key)["value"] == ["milk"]
    assert read(grocery_list) == ["eggs", "milk"]
    assert cache.get(key) == {"seq": 1, "value": ["eggs", "milk"]}


def test_a_value_cached_before_the_last_event_is_never_served():
    """A slow reader may store old items after the invalidation; the seq stamp rejects them."""
    grocery_list = GroceryListFactory()
    ListItemFactory(grocery_list=grocery_list, name="milk")
    list_event_record(grocery_list=grocery_list, type="item.added", actor=None)
    key = list_items_key(family_id=grocery_list.family_id, list_id=grocery_list.pk)
    cache.set(key, {"seq": 0, "value": ["stale"]})
    assert read(grocery_list) == ["milk"]


def test_an_unreachable_cache_is_a_miss_not_an_error(settings):
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": dead,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    grocery_list = GroceryListFactory()
    ListItemFactory(grocery_list=grocery_list, name="milk")
    loader = Loader(grocery_list)
    assert read(grocery_list, loader) == ["milk"]
    assert read(grocery_list, loader) == ["milk"]
    assert loader.calls == 2


def test_list_page_reads_items_from_the_cache_and_never_before_a_write(
    client, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from families.tests.factories import MembershipFactory

    membership = MembershipFactory()
    grocery_list = GroceryListFactory(family=membership.family)
    ListItemFactory(grocery_list=grocery_list, name="milk")
    client.force_login(membership.user)
    url = f"/lists/{grocery_list.pk}/"

    with CaptureQueriesContext(connection) as miss:
        assert "milk" in client.get(url).text
    with CaptureQueriesContext(connection) as hit:
        assert "milk" in client.get(url).text

    # The items query was served from Redis. (Counted by table, not in total: the session
    # and user reads are cached after the first request too.)
    def item_reads(queries):
        # The row load (`SELECT "lists_listitem"."id", ...`), not the suggestions' counts.
        return [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith('SELECT "lists_listitem"."id"')
        ]

    assert item_reads(miss)
    assert not item_reads(hit), item_reads(hit)
    assert len(hit) < len(miss)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/lists/{grocery_list.pk}/items/", {"text": "eggs"})
    assert response.status_code == 302
    page = client.get(url).text
    assert "eggs" in page and "milk" in page


def _raw(key: str) -> bytes:
    """The bytes Redis holds for a cache key, as another process would read them."""
    return cache._cache.get_client(key).get(cache.make_key(key))


def test_the_list_cache_holds_json_and_the_page_renders_the_same_from_it(client):
    """No pickle in Redis (loading one runs code); the rows rebuilt from the JSON render
    the page exactly as the rows read from PostgreSQL did, assignee and photo included."""
    import json
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from families.tests.factories import MembershipFactory
    from lists.cache import items_from_json
    from lists.models import ListItem
    from photos.tests.factories import ItemPhotoFactory

    membership = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=membership.family)
    milk = ListItemFactory(grocery_list=grocery_list, name="milk", assigned_to=membership.user)
    ItemPhotoFactory(item=milk, status="ready", thumbnail_width=120, thumbnail_height=90)
    ListItemFactory(grocery_list=grocery_list, name="eggs", note="free range", status="in_cart")
    client.force_login(membership.user)
    url = f"/lists/{grocery_list.pk}/"

    from_database = client.get(url).text
    assert 'class="assignee">Ana<' in from_database
    assert 'width="120" height="90"' in from_database  # the photo's thumbnail
    key = list_items_key(family_id=grocery_list.family_id, list_id=grocery_list.pk)
    raw = _raw(key)
    assert not raw.startswith(b"\x80"), raw[:20]  # a pickle's PROTO opcode
    stored = json.loads(raw)
    assert stored["seq"] == 0
    rows = {row["fields"]["name"]: row for row in stored["value"]}
    assert set(rows) == {"milk", "eggs"}
    assert rows["milk"]["assigned_to"]["fields"]["display_name"] == "Ana"
    assert "password" not in rows["milk"]["assigned_to"]["fields"]
    assert rows["milk"]["photo"]["fields"]["item_id"] == str(milk.pk)
    assert rows["eggs"]["photo"] is None
    from lists.cache import family_members_key

    members = json.loads(_raw(family_members_key(grocery_list.family_id)))
    assert [row["fields"]["display_name"] for row in members] == ["Ana"]
    assert "password" not in members[0]["fields"]

    with CaptureQueriesContext(connection) as hit:
        from_cache = client.get(url).text
    # The rows came from the JSON (the row load `SELECT "lists_listitem"."id", ...` did not run).
    assert not [
        q for q in hit.captured_queries if q["sql"].startswith('SELECT "lists_listitem"."id"')
    ]

    def unmasked(html: str) -> str:
        # What differs between any two responses: CSRF tokens (masked anew each time)
        # and the add form's fresh idempotency key.
        html = re.sub(r"[A-Za-z0-9]{64}", "<csrf>", html)
        return re.sub(r'value="[0-9a-f-]{36}" id="[a-z_-]*idempotency_key"', "<key>", html)

    assert unmasked(from_cache) == unmasked(from_database)
    fresh = {item.name: item for item in ListItem.objects.all()}
    for item in items_from_json(stored["value"]):
        expected = fresh[item.name]
        assert [getattr(item, f.attname) for f in ListItem._meta.concrete_fields] == [
            getattr(expected, f.attname) for f in ListItem._meta.concrete_fields
        ]
