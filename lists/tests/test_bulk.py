"""Bulk add: splitting a paste, the service (merge rules, one transaction, events on commit),
the views (the bulk box, a comma list in the add box, no JS, htmx, idempotency, offline sync)."""

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from families.tests.factories import MembershipFactory
from lists import bulk_services, events, item_services
from lists.bulk_services import Entry, items_add_bulk, parse_entries, split_entries
from lists.models import AppliedChange, ListEvent, ListItem
from lists.tests.factories import GroceryListFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _names(grocery_list):
    return {
        (item.name, item.quantity_text)
        for item in ListItem.objects.filter(grocery_list=grocery_list)
    }


# --- splitting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("milk\neggs\n\nbread\n", ["milk", "eggs", "bread"]),
        ("milk, eggs,bread", ["milk", "eggs", "bread"]),
        (
            "- milk\n* 2 eggs\n• bread\n1. flour\n[ ] jam\n☐ tea",
            ["milk", "2 eggs", "bread", "flour", "jam", "tea"],
        ),
        # A comma inside a number is a decimal comma, not a separator.
        ("1,5 kg potatoes, milk", ["1,5 kg potatoes", "milk"]),
        # "tomatoes, 2 kg" is one item with its quantity, as in the single add box.
        ("tomatoes, 2 kg, milk x2", ["tomatoes, 2 kg", "milk x2"]),
        ("milk\r\neggs", ["milk", "eggs"]),
        ("  ,  ,\n", []),
    ],
)
def test_split_entries(text, expected):
    assert split_entries(text) == expected


def test_parse_entries_reads_each_entry_like_a_single_add():
    assert parse_entries("2 kg tomatoes\nmilk x2, tomatoes, 2 kg") == [
        Entry("tomatoes", "2 kg"),
        Entry("milk", "2"),
        Entry("tomatoes", "2 kg"),
    ]


# --- service -------------------------------------------------------------------------------


def test_bulk_add_applies_the_single_add_merge_rules(grocery_list, member):
    item_services.item_add(
        grocery_list=grocery_list, actor=member.user, name="rice", quantity_text="1 kg"
    )
    item_services.item_add(grocery_list=grocery_list, actor=member.user, name="bread")
    result = items_add_bulk(
        grocery_list=grocery_list,
        actor=member.user,
        entries=parse_entries("milk x2\nrice 500 g\nbread\nmilk\nmilk 1"),
    )
    assert [i.name for i in result.added] == ["milk"]
    assert [(i.name, i.quantity_text) for i in result.merged] == [("rice", "1.5 kg")]
    assert [i.name for i in result.already] == ["bread"]
    # "milk x2" then "milk 1" in the same paste: merged into the item the paste added,
    # reported once, as added, with its final quantity.
    assert result.added[0].quantity_text == "3"
    assert _names(grocery_list) == {("rice", "1.5 kg"), ("bread", ""), ("milk", "3")}


def test_bulk_add_is_one_transaction(grocery_list, member, monkeypatch):
    """A line the database refuses rolls back the lines before it."""
    real_add = item_services.item_add

    def add(**kwargs):
        if kwargs["name"] == "boom":
            raise item_services.ValidationError({"name": "refused"})
        return real_add(**kwargs)

    monkeypatch.setattr(item_services, "item_add", add)
    with pytest.raises(item_services.ValidationError):
        items_add_bulk(
            grocery_list=grocery_list, actor=member.user, entries=parse_entries("milk\neggs\nboom")
        )
    assert not ListItem.objects.filter(grocery_list=grocery_list).exists()
    assert not ListEvent.objects.filter(grocery_list=grocery_list, type="item.added").exists()


def test_bulk_add_publishes_one_event_per_change_after_the_commit(
    grocery_list, member, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(
        events, "publish_list_event", lambda *, event_id, **_: published.append(event_id)
    )
    item_services.item_add(
        grocery_list=grocery_list, actor=member.user, name="rice", quantity_text="1 kg"
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        items_add_bulk(
            grocery_list=grocery_list,
            actor=member.user,
            entries=parse_entries("milk, eggs, rice 1 kg"),
        )
        assert published == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    recorded = list(
        ListEvent.objects.filter(grocery_list=grocery_list, type__in=["item.added", "item.updated"])
        .order_by("seq")
        .values_list("id", "type", "payload")
    )[1:]  # the first rice
    assert [event_id for event_id, _, _ in recorded] == published
    assert [(t, p["name"]) for _, t, p in recorded] == [
        ("item.added", "milk"),
        ("item.added", "eggs"),
        ("item.updated", "rice"),
    ]
    json.loads(json.dumps([p for _, _, p in recorded]))  # JSON-serializable


@pytest.mark.parametrize("count", [0, bulk_services.MAX_ENTRIES + 1])
def test_bulk_add_refuses_nothing_or_too_much(grocery_list, member, count):
    with pytest.raises(item_services.ValidationError):
        items_add_bulk(
            grocery_list=grocery_list,
            actor=member.user,
            entries=[Entry(f"thing {n}") for n in range(count)],
        )
    assert not ListItem.objects.exists()


# --- views ---------------------------------------------------------------------------------


def bulk_url(grocery_list):
    return reverse("lists:items_add_bulk", kwargs={"list_id": grocery_list.id})


def add_url(grocery_list):
    return reverse("lists:item_add", kwargs={"list_id": grocery_list.id})


def test_bulk_box_without_js_adds_and_says_what_happened(client_in, grocery_list, member):
    item_services.item_add(grocery_list=grocery_list, actor=member.user, name="bread")
    response = client_in.post(
        bulk_url(grocery_list), {"text": "milk x2\n2 kg tomatoes\nbread"}, follow=True
    )
    html = response.content.decode()
    assert _names(grocery_list) == {("milk", "2"), ("tomatoes", "2 kg"), ("bread", "")}
    assert "Added milk (2), tomatoes (2 kg)." in html
    assert "Already on the list: bread." in html


def test_bulk_box_with_htmx_returns_the_rows_counts_and_feedback(client_in, grocery_list, member):
    item_services.item_add(
        grocery_list=grocery_list, actor=member.user, name="rice", quantity_text="1 kg"
    )
    response = client_in.post(bulk_url(grocery_list), {"text": "milk\nbananas\nrice 1 kg"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<div id="bulk-add-errors"')
    assert 'hx-swap-oob="beforeend:#category-dairy"' in html
    assert 'hx-swap-oob="beforeend:#category-produce"' in html
    rice = ListItem.objects.get(name="rice")
    assert f'<li id="item-{rice.id}" class="item status-needed flash"' in html
    assert "Added milk, bananas. Already on the list, now: rice (2 kg)." in html
    assert '<p id="list-counts" class="counts" hx-swap-oob="true">' in html


def test_a_comma_list_in_the_add_box_adds_each_item(client_in, grocery_list):
    response = client_in.post(add_url(grocery_list), {"text": "milk, eggs, bread"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<div id="add-errors"')  # the add box's own target
    assert _names(grocery_list) == {("milk", ""), ("eggs", ""), ("bread", "")}
    assert "Added milk, eggs, bread." in html


def test_a_decimal_comma_in_the_add_box_stays_one_item(client_in, grocery_list):
    client_in.post(add_url(grocery_list), {"text": "1,5 kg potatoes"}, **HTMX)
    assert _names(grocery_list) == {("potatoes", "1,5 kg")}


def test_a_retried_bulk_post_adds_once(client_in, grocery_list):
    key = str(uuid.uuid4())
    for _ in range(2):
        response = client_in.post(
            bulk_url(grocery_list), {"text": "milk x2\neggs", "idempotency_key": key}, **HTMX
        )
    assert _names(grocery_list) == {("milk", "2"), ("eggs", "")}
    assert "Already on the list: milk, eggs." in response.content.decode()
    assert AppliedChange.objects.filter(key=key).count() == 1


def test_a_retried_comma_list_from_the_add_box_adds_once(client_in, grocery_list):
    key = str(uuid.uuid4())
    for _ in range(2):
        client_in.post(
            add_url(grocery_list), {"text": "milk 2, eggs", "idempotency_key": key}, **HTMX
        )
    assert _names(grocery_list) == {("milk", "2"), ("eggs", "")}


def test_an_offline_replay_of_a_pasted_list_adds_each_line_once(client_in, grocery_list):
    body = {"key": str(uuid.uuid4()), "kind": "add", "fields": {"text": "milk x2\neggs\nbread"}}
    url = reverse("lists:sync", kwargs={"list_id": grocery_list.id})
    first = client_in.post(url, json.dumps(body), content_type="application/json").json()
    again = client_in.post(url, json.dumps(body), content_type="application/json").json()
    assert first["outcome"] == "applied" and again["outcome"] == "duplicate"
    assert len(first["item_ids"]) == 3
    assert _names(grocery_list) == {("milk", "2"), ("eggs", ""), ("bread", "")}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  \n , \n",
        "x" * 4001,
        "\n".join(f"thing {n}" for n in range(61)),
        "y" * 205 + "\nmilk",
    ],
)
def test_bad_bulk_input_is_a_form_error_never_a_500(client_in, grocery_list, text):
    response = client_in.post(bulk_url(grocery_list), {"text": text}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.strip().startswith('<div id="bulk-add-errors"')
    assert '<div role="alert"><ul class="errorlist">' in html
    page = client_in.post(bulk_url(grocery_list), {"text": text})
    assert page.status_code == 400
    assert 'id="bulk-text"' in page.content.decode() and "aria-invalid" in page.content.decode()
    assert not ListItem.objects.exists()


def test_a_bad_key_is_a_form_error(client_in, grocery_list):
    response = client_in.post(
        bulk_url(grocery_list), {"text": "milk\neggs", "idempotency_key": "nope"}, **HTMX
    )
    assert response.status_code == 400
    assert not ListItem.objects.exists()


def test_another_familys_list_is_a_404_and_adds_nothing(client, grocery_list):
    outsider = MembershipFactory()
    client.force_login(outsider.user)
    assert client.post(bulk_url(grocery_list), {"text": "milk\neggs"}).status_code == 404
    assert client.post(add_url(grocery_list), {"text": "milk, eggs"}).status_code == 404
    assert not ListItem.objects.exists()


def test_bulk_add_answer_queries_do_not_grow_with_the_paste(client_in, grocery_list, member):
    """Prevents N+1 in the answer: beyond one `item_add` per line (the same rules, by
    design) the answer loads every row, photo and assignee in a fixed number of queries."""
    other = GroceryListFactory(family=member.family)
    with CaptureQueriesContext(connection) as one_add:
        item_services.item_add(grocery_list=other, actor=member.user, name="c1")
    with CaptureQueriesContext(connection) as few:
        client_in.post(bulk_url(grocery_list), {"text": "a1\na2"}, **HTMX)
    with CaptureQueriesContext(connection) as many:
        client_in.post(
            bulk_url(grocery_list), {"text": "\n".join(f"b{n}" for n in range(12))}, **HTMX
        )
    assert len(many) - len(few) <= 10 * len(one_add)
