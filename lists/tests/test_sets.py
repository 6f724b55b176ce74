"""Staples and saved sets: services (merge, pins, learning from purchases, one transaction),
views (forms, errors, another family's sets and lists are 404s), queries, admin."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from families.tests.factories import MembershipFactory
from lists import item_services, set_services
from lists.models import GroceryList, ItemSet, ListItem, StaplePin
from lists.selectors_sets import family_staples
from lists.tests.factories import GroceryListFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def family(member):
    return member.family


def _items(grocery_list):
    return {
        (item.name, item.quantity_text)
        for item in ListItem.objects.filter(grocery_list=grocery_list)
    }


def _bought(family, *names):
    """Each name bought once on a list of its own."""
    grocery_list = GroceryListFactory(family=family)
    for name in names:
        item = item_services.item_add(grocery_list=grocery_list, actor=None, name=name).item
        item_services.item_set_status(
            item_id=item.id, grocery_list=grocery_list, actor=None, status="purchased"
        )


def _set(family, name="Pancakes", text="flour 300 g\n2 eggs\nmilk 500 ml"):
    from lists.bulk_services import parse_entries

    return set_services.item_set_create(
        family=family, actor=None, name=name, entries=parse_entries(text)
    )


# --- services ------------------------------------------------------------------------------


def test_adding_a_set_merges_quantities_with_what_is_needed(grocery_list, family):
    item_services.item_add(
        grocery_list=grocery_list, actor=None, name="flour", quantity_text="200 g"
    )
    result = set_services.list_add_set(grocery_list=grocery_list, item_set=_set(family), actor=None)
    assert _items(grocery_list) == {("flour", "500 g"), ("eggs", "2"), ("milk", "500 ml")}
    assert [i.name for i in result.merged] == ["flour"]
    assert [i.name for i in result.added] == ["eggs", "milk"]


def test_a_set_of_another_family_cannot_be_added(grocery_list):
    other = _set(MembershipFactory().family)
    with pytest.raises(ValidationError):
        set_services.list_add_set(grocery_list=grocery_list, item_set=other, actor=None)
    assert not ListItem.objects.exists()


def test_set_names_are_unique_per_family_whatever_the_case(family):
    _set(family, name="Party")
    with pytest.raises(ValidationError) as error:
        _set(family, name="  party ")
    assert "already has a set called" in str(error.value)
    _set(MembershipFactory().family, name="Party")  # another family may
    assert ItemSet.objects.count() == 2


def test_a_deleted_sets_name_can_be_used_again(family):
    set_services.item_set_delete(item_set=_set(family, name="Party"), actor=None)
    _set(family, name="Party")
    assert ItemSet.all_objects.filter(name="Party").count() == 2


def test_staples_are_pinned_names_then_what_the_family_buys_most(family):
    _bought(family, "milk", "bread", "eggs")
    _bought(family, "Milk", "bread", "caviar")
    _bought(family, "milk")
    _bought(MembershipFactory().family, "gin", "gin")  # another family's history
    set_services.staple_pin(family=family, actor=None, name="Coffee")
    set_services.staple_pin(family=family, actor=None, name="bread")  # also learned
    staples = family_staples(family_id=family.id)
    assert [(s.name, s.pinned, s.times) for s in staples] == [
        ("bread", True, 0),
        ("Coffee", True, 0),
        ("milk", False, 3),
    ]  # bought once (eggs, caviar) is not a staple yet


def test_pinning_is_idempotent_and_unpinning_then_pinning_restores(family):
    first = set_services.staple_pin(family=family, actor=None, name="Milk")
    assert set_services.staple_pin(family=family, actor=None, name=" milk ").pk == first.pk
    assert set_services.staple_unpin(family=family, actor=None, name="MILK") == 1
    assert family_staples(family_id=family.id) == []
    assert set_services.staple_pin(family=family, actor=None, name="milk").pk == first.pk
    assert StaplePin.all_objects.count() == 1


def test_pinning_nothing_is_refused(family):
    with pytest.raises(ValidationError):
        set_services.staple_pin(family=family, actor=None, name=" !! ")


def test_a_new_list_from_the_staples(family, member):
    set_services.staple_pin(family=family, actor=None, name="milk")
    _bought(family, "bread")
    _bought(family, "bread")
    grocery_list = set_services.list_create_from_staples(
        family=family, actor=member.user, name="Monday"
    )
    assert _items(grocery_list) == {("milk", ""), ("bread", "")}


def test_no_staples_no_new_list(family, member):
    with pytest.raises(ValidationError):
        set_services.list_create_from_staples(family=family, actor=member.user, name="Monday")
    assert not GroceryList.objects.filter(name="Monday").exists()


# --- the family's page ----------------------------------------------------------------------


def sets_url(family):
    return reverse("lists:sets", kwargs={"family_id": family.id})


def test_sets_page_shows_staples_and_sets_and_creates_a_set(client_in, family):
    set_services.staple_pin(family=family, actor=None, name="milk")
    response = client_in.post(
        sets_url(family), {"name": "Party", "text": "crisps x3\n2 l cola"}, follow=True
    )
    html = response.content.decode()
    assert "Saved “Party”." in html
    assert "crisps (3), cola (2 l)" in html
    assert '<span class="staple-name">milk</span>' in html
    assert ItemSet.objects.get(family=family).entries == [
        {"name": "crisps", "quantity": "3"},
        {"name": "cola", "quantity": "2 l"},
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "text": "milk"},
        {"name": "Party", "text": " \n "},
        {"name": "x" * 101, "text": "milk"},
        {"name": "Party", "text": "y" * 201},
        {"name": "Party", "text": "a\n" * 61},
        {"name": "pancakes", "text": "milk"},  # taken
    ],
)
def test_bad_set_input_is_a_form_error_never_a_500(client_in, family, data):
    _set(family, name="Pancakes")
    response = client_in.post(sets_url(family), data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert ItemSet.objects.count() == 1


def test_edit_and_delete_a_set(client_in, family):
    item_set = _set(family)
    url = reverse("lists:set_edit", kwargs={"family_id": family.id, "set_id": item_set.id})
    page = client_in.get(url).content.decode()
    assert "flour 300 g\n2 eggs\nmilk 500 ml" in page.replace("eggs 2", "2 eggs")
    client_in.post(url, {"name": "Crêpes", "text": "flour 250 g\neggs 3"})
    item_set.refresh_from_db()
    assert (item_set.name, len(item_set.entries)) == ("Crêpes", 2)
    assert client_in.post(url, {"name": "Crêpes", "text": ""}).status_code == 400
    client_in.post(
        reverse("lists:set_delete", kwargs={"family_id": family.id, "set_id": item_set.id})
    )
    assert not ItemSet.objects.exists() and ItemSet.all_objects.count() == 1


def test_pin_and_unpin_from_the_page(client_in, family):
    client_in.post(reverse("lists:staple_pin", kwargs={"family_id": family.id}), {"name": "tea"})
    assert [s.name for s in family_staples(family_id=family.id)] == ["tea"]
    bad = client_in.post(reverse("lists:staple_pin", kwargs={"family_id": family.id}), {"name": ""})
    assert bad.status_code == 400
    client_in.post(reverse("lists:staple_unpin", kwargs={"family_id": family.id}), {"name": "tea"})
    assert family_staples(family_id=family.id) == []


def test_new_list_from_the_staples_page(client_in, family):
    set_services.staple_pin(family=family, actor=None, name="milk")
    response = client_in.post(reverse("lists:create_from_staples", kwargs={"family_id": family.id}))
    grocery_list = GroceryList.objects.get(family=family)
    assert response.url == f"/lists/{grocery_list.id}/"
    assert grocery_list.name.startswith("Staples, ")
    assert _items(grocery_list) == {("milk", "")}


def test_new_list_without_staples_says_why(client_in, family):
    response = client_in.post(
        reverse("lists:create_from_staples", kwargs={"family_id": family.id}), follow=True
    )
    assert "No staples yet" in response.content.decode()
    assert not GroceryList.objects.exists()


def test_add_a_set_or_the_staples_to_a_list_from_the_family_page(client_in, family, grocery_list):
    item_set = _set(family)
    url = reverse("lists:set_add", kwargs={"family_id": family.id, "set_id": item_set.id})
    response = client_in.post(url, {"grocery_list": str(grocery_list.id)}, follow=True)
    assert "Added flour (300 g), eggs (2), milk (500 ml)." in response.content.decode()
    set_services.staple_pin(family=family, actor=None, name="tea")
    client_in.post(
        reverse("lists:staples_add", kwargs={"family_id": family.id}),
        {"grocery_list": str(grocery_list.id)},
    )
    assert ("tea", "") in _items(grocery_list)


@pytest.mark.parametrize("target", ["another family's", "not a uuid", "missing"])
def test_the_family_page_only_adds_to_the_familys_lists(client_in, family, target):
    item_set = _set(family)
    other_list = GroceryListFactory(name="Theirs")
    value = {"another family's": str(other_list.id), "not a uuid": "x", "missing": ""}[target]
    url = reverse("lists:set_add", kwargs={"family_id": family.id, "set_id": item_set.id})
    response = client_in.post(url, {"grocery_list": value}, follow=True)
    assert "Choose one of your family&#x27;s lists." in response.content.decode()
    assert not ListItem.objects.exists()


# --- on a list ----------------------------------------------------------------------------


def test_offers_on_an_empty_list_are_the_staples_and_the_sets(client_in, family, grocery_list):
    set_services.staple_pin(family=family, actor=None, name="milk")
    _set(family, name="Party")
    html = client_in.get(reverse("lists:offers", kwargs={"list_id": grocery_list.id})).content
    html = html.decode()
    assert 'name="name" value="milk"' in html and "Add all staples" in html
    assert ">Party (3)</option>" in html


def test_an_older_list_with_needed_items_offers_only_the_sets(client_in, family, grocery_list):
    set_services.staple_pin(family=family, actor=None, name="milk")
    _set(family, name="Party")
    item_services.item_add(grocery_list=grocery_list, actor=None, name="bread")
    GroceryList.objects.filter(pk=grocery_list.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    html = client_in.get(reverse("lists:offers", kwargs={"list_id": grocery_list.id})).content
    assert b"Add all staples" not in html and b">Party (3)</option>" in html


def test_a_new_list_keeps_offering_the_staples_not_yet_on_it(client_in, family, grocery_list):
    for name in ("milk", "tea", "bread"):
        set_services.staple_pin(family=family, actor=None, name=name)
    response = client_in.post(
        reverse("lists:add_staples", kwargs={"list_id": grocery_list.id}), {"name": "tea"}, **HTMX
    )
    html = response.content.decode()
    # The panel comes back out of band without the staple just added.
    assert '<section id="list-offers" class="list-offers"' in html
    offers = html[html.index('id="list-offers"') :]
    assert 'value="milk"' in offers and 'value="bread"' in offers
    assert 'value="tea"' not in offers
    page = client_in.get(reverse("lists:offers", kwargs={"list_id": grocery_list.id})).content
    assert b'value="milk"' in page and b'value="tea"' not in page


def test_the_list_page_loads_the_offers_after_itself(client_in, grocery_list):
    html = client_in.get(reverse("lists:detail", kwargs={"list_id": grocery_list.id})).content
    assert f'hx-get="/lists/{grocery_list.id}/offers/" hx-trigger="load"'.encode() in html


def test_add_a_set_to_a_list_with_htmx(client_in, family, grocery_list):
    item_set = _set(family)
    response = client_in.post(
        reverse("lists:add_set", kwargs={"list_id": grocery_list.id}),
        {"item_set": str(item_set.id)},
        **HTMX,
    )
    html = response.content.decode()
    assert html.strip().startswith('<p id="list-feedback" class="feedback" role="status">')
    assert "Added flour (300 g), eggs (2), milk (500 ml)." in html
    assert 'hx-swap-oob="beforeend:#category-dairy"' in html


def test_add_a_set_without_js(client_in, family, grocery_list):
    item_set = _set(family)
    response = client_in.post(
        reverse("lists:add_set", kwargs={"list_id": grocery_list.id}),
        {"item_set": str(item_set.id)},
        follow=True,
    )
    assert "Added flour (300 g)" in response.content.decode()


def test_one_tap_staple_and_all_staples(client_in, family, grocery_list):
    for name in ("milk", "tea"):
        set_services.staple_pin(family=family, actor=None, name=name)
    url = reverse("lists:add_staples", kwargs={"list_id": grocery_list.id})
    client_in.post(url, {"name": "tea"}, **HTMX)
    assert _items(grocery_list) == {("tea", "")}
    response = client_in.post(url, {}, **HTMX)
    assert "Added milk. Already on the list: tea." in response.content.decode()
    bad = client_in.post(url, {"name": "caviar"}, **HTMX)
    assert bad.status_code == 400
    assert "That is not one of your staples." in bad.content.decode()


@pytest.mark.parametrize("item_set", ["", "nope"])
def test_bad_set_choice_is_a_400(client_in, grocery_list, item_set):
    response = client_in.post(
        reverse("lists:add_set", kwargs={"list_id": grocery_list.id}),
        {"item_set": item_set},
        **HTMX,
    )
    assert response.status_code == 400
    assert "Choose one of your saved sets." in response.content.decode()


def test_an_empty_set_is_refused_with_a_reason(client_in, family, grocery_list):
    empty = ItemSet.objects.create(family=family, name="Empty", entries=[])
    response = client_in.post(
        reverse("lists:add_set", kwargs={"list_id": grocery_list.id}),
        {"item_set": str(empty.id)},
        **HTMX,
    )
    assert response.status_code == 400
    assert "has no items yet" in response.content.decode()


# --- another family -----------------------------------------------------------------------


def test_another_familys_sets_and_lists_are_404s(client_in, family, grocery_list):
    theirs = MembershipFactory().family
    their_set = _set(theirs, name="Secret recipe")
    their_list = GroceryListFactory(family=theirs)
    my_set = _set(family, name="Mine")
    kw = {"family_id": theirs.id}
    set_kw = {"family_id": theirs.id, "set_id": their_set.id}
    mine_with_their_set = {"family_id": family.id, "set_id": their_set.id}
    for method, url, data in [
        ("get", reverse("lists:sets", kwargs=kw), {}),
        ("post", reverse("lists:sets", kwargs=kw), {"name": "x", "text": "y"}),
        ("get", reverse("lists:set_edit", kwargs=set_kw), {}),
        ("get", reverse("lists:set_edit", kwargs=mine_with_their_set), {}),
        ("post", reverse("lists:set_edit", kwargs=mine_with_their_set), {"name": "x", "text": "y"}),
        ("post", reverse("lists:set_delete", kwargs=mine_with_their_set), {}),
        (
            "post",
            reverse("lists:set_add", kwargs=mine_with_their_set),
            {"grocery_list": str(grocery_list.id)},
        ),
        ("post", reverse("lists:staple_pin", kwargs=kw), {"name": "x"}),
        ("post", reverse("lists:staple_unpin", kwargs=kw), {"name": "x"}),
        ("post", reverse("lists:staples_add", kwargs=kw), {"grocery_list": str(their_list.id)}),
        ("post", reverse("lists:create_from_staples", kwargs=kw), {}),
        ("get", reverse("lists:offers", kwargs={"list_id": their_list.id}), {}),
        (
            "post",
            reverse("lists:add_set", kwargs={"list_id": their_list.id}),
            {"item_set": str(my_set.id)},
        ),
        (
            "post",
            reverse("lists:add_set", kwargs={"list_id": grocery_list.id}),
            {"item_set": str(their_set.id)},
        ),
        ("post", reverse("lists:add_staples", kwargs={"list_id": their_list.id}), {}),
    ]:
        response = getattr(client_in, method)(url, data)
        assert response.status_code == 404, url
        assert b"Secret recipe" not in response.content
    their_set.refresh_from_db()
    assert their_set.deleted_at is None and their_set.name == "Secret recipe"
    assert not ListItem.objects.exists()
    assert not StaplePin.objects.exists()


# --- queries ------------------------------------------------------------------------------


def _fill_family(family, n):
    for i in range(n):
        _set(family, name=f"Set {len(ItemSet.objects.filter(family=family))}")
        set_services.staple_pin(family=family, actor=None, name=f"pin {i} {family.id}")
        GroceryListFactory(family=family)


@pytest.mark.parametrize("page", ["sets", "offers", "set_edit"])
def test_new_pages_make_the_same_queries_for_2_and_12_sets(client_in, family, grocery_list, page):
    """Prevents N+1 on the family's page, its set page and the list's offers panel."""
    _fill_family(family, 2)
    first = ItemSet.objects.filter(family=family).first()
    url = {
        "sets": reverse("lists:sets", kwargs={"family_id": family.id}),
        "offers": reverse("lists:offers", kwargs={"list_id": grocery_list.id}),
        "set_edit": reverse("lists:set_edit", kwargs={"family_id": family.id, "set_id": first.id}),
    }[page]
    with CaptureQueriesContext(connection) as few:
        client_in.get(url)
    _fill_family(family, 10)
    _bought(family, *[f"thing {n}" for n in range(5)])
    _bought(family, *[f"thing {n}" for n in range(5)])
    with CaptureQueriesContext(connection) as many:
        response = client_in.get(url)
    assert response.status_code == 200
    assert len(many) <= len(few)


def test_admin_lists_sets_and_pins(admin_client, family):
    _set(family, name="Party")
    set_services.staple_pin(family=family, actor=None, name="milk")
    assert b"Party" in admin_client.get(reverse("admin:lists_itemset_changelist")).content
    assert b"milk" in admin_client.get(reverse("admin:lists_staplepin_changelist")).content
