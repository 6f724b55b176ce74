"""The list page's fixed cost (issue 13): the feed and suggestions queries are compiled
once (grocer/compiled.py) and must answer exactly what the querysets answer, and the page
must still show every new event and name on its next load."""

from __future__ import annotations

import pytest
from django.urls import reverse

from families.tests.factories import MembershipFactory
from lists import item_services, selectors
from lists.tests.factories import GroceryListFactory

pytestmark = pytest.mark.django_db


def _add(grocery_list, member, name):
    return item_services.item_add(grocery_list=grocery_list, actor=member.user, name=name).item


def test_compiled_feed_and_suggestions_match_the_querysets(member, grocery_list):
    other = GroceryListFactory(family=member.family, name="Party")
    for name in ["milk", "Milk", "bread", "eggs", "milk", "tea"]:
        _add(grocery_list, member, name)
    _add(other, member, "chips")
    stranger = MembershipFactory()
    _add(GroceryListFactory(family=stranger.family), stranger, "caviar")
    grocery_list.refresh_from_db()

    events = selectors.list_activity(grocery_list=grocery_list, limit=selectors.ACTIVITY_ON_PAGE)
    expected = list(grocery_list.events.order_by("-seq")[: selectors.ACTIVITY_ON_PAGE])
    assert [e.pk for e in events] == [e.pk for e in expected]
    assert [(e.seq, e.type, e.actor_label, e.payload, e.created_at) for e in events] == [
        (e.seq, e.type, e.actor_label, e.payload, e.created_at) for e in expected
    ]

    suggestions = selectors.item_suggestions(family_id=member.family_id)
    plain = [row[3] for row in selectors._suggestions_query(family_id=member.family_id)]
    assert suggestions == plain
    assert {"bread", "eggs", "tea", "chips"} <= set(suggestions)
    assert "caviar" not in suggestions
    # Typed text still takes the general path.
    assert selectors.item_suggestions(family_id=member.family_id, query="ea") == ["tea", "bread"]


def test_the_page_shows_each_new_event_and_name(client_in, member, grocery_list):
    url = reverse("lists:detail", kwargs={"list_id": grocery_list.id})
    _add(grocery_list, member, "milk")
    assert "saffron" not in client_in.get(url).content.decode()
    _add(grocery_list, member, "saffron")
    html = client_in.get(url).content.decode()
    feed = html[html.index('class="activity') :]
    assert "saffron" in feed
    assert '<option value="saffron"' in html or ">saffron<" in html


def test_page_queries_stay_constant(client_in, member, grocery_list, django_assert_max_num_queries):
    url = reverse("lists:detail", kwargs={"list_id": grocery_list.id})
    _add(grocery_list, member, "milk")
    client_in.get(url)
    with django_assert_max_num_queries(7):
        client_in.get(url)
    for name in ["bread", "eggs", "tea", "jam", "rice", "oats"]:
        _add(grocery_list, member, name)
    client_in.get(url)
    with django_assert_max_num_queries(7):
        assert client_in.get(url).status_code == 200


@pytest.mark.parametrize("prefix", ["/", "/grocer/"])
def test_list_url_writes_what_the_url_tag_writes(grocery_list, prefix):
    """`{% list_url %}` (reversed once per name) for every list URL the page writes."""
    from django.template import Context, Template
    from django.urls import get_resolver, set_script_prefix

    names = [
        f"{namespace}:{name}"
        for namespace in ("lists", "shop")
        for name, (possibilities, *_) in get_resolver()
        .namespace_dict[namespace][1]
        .reverse_dict.items()
        if isinstance(name, str) and possibilities[0][1] == ["list_id"]
    ]
    assert "lists:item_add" in names and "lists:add_set" in names
    try:
        set_script_prefix(prefix)
        for name in names:
            html = Template("{% load lists_tags %}{% list_url name grocery_list %}").render(
                Context({"name": name, "grocery_list": grocery_list})
            )
            assert html == Template("{% url name list_id=grocery_list.id %}").render(
                Context({"name": name, "grocery_list": grocery_list})
            )
            assert html.startswith(prefix) and str(grocery_list.id) in html
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize(
    "data",
    [None, {"text": "", "idempotency_key": "<b>k"}, {"text": ""}],
    ids=["page", "bound with a key", "bound without one"],
)
def test_the_bulk_boxs_key_is_what_the_forms_widget_writes(data, monkeypatch):
    """The bulk box's idempotency key is written in the template (no form renderer)."""
    from django.forms.boundfield import BoundField
    from django.template.loader import render_to_string

    from lists.forms import BulkAddForm

    form = BulkAddForm(data)
    widget = str(form["idempotency_key"])

    def no_renderer(*args, **kwargs):
        raise AssertionError("rendered through the form renderer")

    monkeypatch.setattr(BoundField, "as_widget", no_renderer)
    html = render_to_string("lists/_bulk.html#bulk-errors", {"bulk_form": form})
    assert widget in html, (widget, html)
    assert html.count("<input") == 1
