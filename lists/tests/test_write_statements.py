"""Statements per item write, through the real views as the page sends them.

The item add and the check-off are the live loop's hot path: every statement is a
round trip between the tap and the update every open page shows (issue 13). Pinned
here, session and user included, on PostgreSQL with the request's transaction really
committed (the publisher runs on commit). Prevents N+1 and creeping statements.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from template_partials.templatetags.partials import TemplateProxy

from families.tests.factories import MembershipFactory
from lists.cache import cached_family_aisles
from lists.models import Category, CategoryPreference, ListEvent, ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="statement counts of PostgreSQL"),
]

ADD_STATEMENTS = 6
STATUS_STATEMENTS = 5


@pytest.fixture
def page():
    """A member's browser on a list page: logged in, with the CSRF cookie the page set."""
    member = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=member.family, name="Weekly shop")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member.user)
    page = browser.get(reverse("lists:detail", kwargs={"list_id": grocery_list.id}))
    assert page.status_code == 200
    headers = {
        "HTTP_HX_REQUEST": "true",
        "HTTP_X_CSRFTOKEN": browser.cookies["csrftoken"].value,
    }
    return browser, grocery_list, headers


def _add(browser, grocery_list, headers, text):
    return browser.post(
        reverse("lists:item_add", kwargs={"list_id": grocery_list.id}),
        {"text": text, "idempotency_key": str(uuid.uuid4())},
        **headers,
    )


def _check(browser, item, headers, status):
    return browser.post(
        reverse("lists:item_status", kwargs={"list_id": item.grocery_list_id, "item_id": item.id}),
        {"status": status},
        **headers,
    )


def test_an_htmx_item_add_takes_at_most_six_statements(page):
    """Access, BEGIN, the list's lock and seq, the add with its event (one statement), the
    idempotency key, COMMIT (session and user come from the cache)."""
    browser, grocery_list, headers = page
    assert _add(browser, grocery_list, headers, "bread").status_code == 200  # warm caches
    with CaptureQueriesContext(connection) as queries:
        response = _add(browser, grocery_list, headers, "2 l milk")
    assert response.status_code == 200
    assert len(queries) <= ADD_STATEMENTS, "\n".join(q["sql"][:120] for q in queries)
    milk = ListItem.objects.get(grocery_list=grocery_list, name="milk")
    assert milk.quantity_text == "2 l"
    assert f'id="item-{milk.id}"' in response.text
    # The counts the answer shows are the list's, read in the add's own statements.
    assert "<strong>2</strong> needed" in response.text
    bread = ListItem.objects.get(grocery_list=grocery_list, name="bread")
    assert milk.position > bread.position
    assert ListEvent.objects.filter(grocery_list=grocery_list, type="item.added").count() == 2


def test_an_htmx_status_change_takes_at_most_five_statements(page):
    """Access, BEGIN, the list's lock and seq, the change with its event, COMMIT."""
    browser, grocery_list, headers = page
    warm, item = ListItemFactory.create_batch(2, grocery_list=grocery_list)
    assert _check(browser, warm, headers, "in_cart").status_code == 200  # warm caches
    with CaptureQueriesContext(connection) as queries:
        response = _check(browser, item, headers, "in_cart")
    assert response.status_code == 200
    assert len(queries) <= STATUS_STATEMENTS, "\n".join(q["sql"][:120] for q in queries)
    item.refresh_from_db()
    assert (item.status, item.version) == ("in_cart", 2)
    assert 'data-status="in_cart"' in response.text
    assert "<strong>0</strong> needed" in response.text
    assert "<strong>2</strong> in cart" in response.text
    event = ListEvent.objects.filter(grocery_list=grocery_list).latest("seq")
    assert event.payload["previous"] == "needed"
    assert event.payload["status"] == "in_cart"


def test_a_status_change_to_the_same_status_leaves_no_gap_in_the_seqs(page):
    """The seq taken with the list's lock is given back when nothing is recorded."""
    browser, grocery_list, headers = page
    item = ListItemFactory(grocery_list=grocery_list, status="in_cart")
    grocery_list.refresh_from_db()
    before = grocery_list.last_seq
    assert _check(browser, item, headers, "in_cart").status_code == 200
    grocery_list.refresh_from_db()
    assert grocery_list.last_seq == before
    assert _check(browser, item, headers, "needed").status_code == 200
    grocery_list.refresh_from_db()
    assert grocery_list.last_seq == before + 1
    assert ListEvent.objects.get(grocery_list=grocery_list, seq=before + 1).type == (
        "item.status_changed"
    )


def test_a_status_change_of_an_item_of_another_list_is_a_404(page):
    browser, grocery_list, headers = page
    other = ListItemFactory()
    url = reverse("lists:item_status", kwargs={"list_id": grocery_list.id, "item_id": other.id})
    assert browser.post(url, {"status": "in_cart"}, **headers).status_code == 404
    grocery_list.refresh_from_db()
    other.refresh_from_db()
    assert other.status == "needed"
    assert not ListEvent.objects.filter(grocery_list=grocery_list, type__startswith="item.")


@pytest.fixture
def row_renders(monkeypatch):
    """How many times the item row partial is rendered."""
    renders = []
    original = TemplateProxy._render

    def counting(self, context):
        if self.name == "item-row":
            renders.append(context.get("item"))
        return original(self, context)

    monkeypatch.setattr(TemplateProxy, "_render", counting)
    return renders


def test_an_add_renders_its_row_once_for_the_writer_and_every_socket(page, row_renders):
    browser, grocery_list, headers = page
    response = _add(browser, grocery_list, headers, "eggs")
    assert response.status_code == 200
    assert len(row_renders) == 1
    item = ListItem.objects.get(grocery_list=grocery_list, name="eggs")
    assert f'id="item-{item.id}"' in response.text


def test_a_status_change_renders_its_row_once_for_the_writer_and_every_socket(page, row_renders):
    browser, grocery_list, headers = page
    item = ListItemFactory(grocery_list=grocery_list)
    response = _check(browser, item, headers, "purchased")
    assert response.status_code == 200
    assert len(row_renders) == 1
    assert 'data-status="purchased"' in response.text


@pytest.fixture
def published(monkeypatch):
    """The messages the publisher sends to the lists' groups."""
    from lists import events

    sent = []
    monkeypatch.setattr(events, "store_and_publish", lambda group, message: sent.append(message))
    return sent


def test_an_add_takes_the_remembered_aisle_in_its_own_statement(page, published):
    """No cache round trip for the family's aisles: what the database holds wins, and the
    event stored and the one published carry it."""
    browser, grocery_list, headers = page
    CategoryPreference.objects.create(
        family_id=grocery_list.family_id, name_key="tofu", category=Category.DAIRY
    )
    # A stale cached copy of the family's aisles is not what decides.
    cached_family_aisles(family_id=grocery_list.family_id, load=lambda: {"tofu": "frozen"})
    assert _add(browser, grocery_list, headers, "Tofu").status_code == 200
    tofu = ListItem.objects.get(grocery_list=grocery_list, name="Tofu")
    assert tofu.category == Category.DAIRY
    event = ListEvent.objects.get(grocery_list=grocery_list, type="item.added")
    assert event.payload == {
        "item_id": str(tofu.id),
        "name": "Tofu",
        "quantity": "",
        "category": "dairy",
        "version": 1,
    }
    assert event.seq == tofu.position
    (message,) = published
    assert (message["seq"], message["payload"]) == (event.seq, event.payload)
    assert message["category"] == "dairy"
    assert 'data-status="needed"' in message["html"]
    assert f'datetime="{event.created_at.isoformat()}"' in message["activity_html"]


def test_a_status_change_publishes_the_event_it_stored(page, published):
    browser, grocery_list, headers = page
    item = ListItemFactory(grocery_list=grocery_list, name="Eggs", status="in_cart")
    assert _check(browser, item, headers, "purchased").status_code == 200
    event = ListEvent.objects.get(grocery_list=grocery_list, type="item.status_changed")
    assert event.payload == {
        "item_id": str(item.id),
        "name": "Eggs",
        "status": "purchased",
        "previous": "in_cart",
        "version": 2,
    }
    (message,) = published
    assert (message["seq"], message["payload"]) == (event.seq, event.payload)
    assert 'data-status="purchased"' in message["html"]
    assert f'datetime="{event.created_at.isoformat()}"' in message["activity_html"]
