"""Share, download and print: the text, the aisle order (a store's when one is chosen), who may
read it, and the print page's queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from families.tests.factories import MembershipFactory
from lists import item_services
from lists.export import list_as_text, list_for_export
from lists.tests.factories import GroceryListFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return MembershipFactory(user__display_name="Ana")


@pytest.fixture
def grocery_list(member):
    grocery_list = GroceryListFactory(family=member.family, name="Weekly shop")
    for text, quantity in [("milk", "2"), ("tomatoes", "2 kg"), ("bread", ""), ("soap", "")]:
        item_services.item_add(
            grocery_list=grocery_list, actor=member.user, name=text, quantity_text=quantity
        )
    return grocery_list


def _status(grocery_list, name, status):
    item = grocery_list.items.get(name=name)
    item_services.item_set_status(
        item_id=item.id, grocery_list=grocery_list, actor=None, status=status
    )


def test_text_groups_what_is_left_to_buy_by_aisle(grocery_list):
    _status(grocery_list, "soap", "purchased")
    _status(grocery_list, "bread", "in_cart")
    text = list_as_text(list_for_export(grocery_list=grocery_list))
    assert text == (
        "Weekly shop\n"
        "\nProduce\n- tomatoes (2 kg)\n"
        "\nBakery\n- bread [in the cart]\n"
        "\nDairy\n- milk (2)\n"
    )


def test_text_follows_the_chosen_stores_aisle_order(grocery_list, member):
    from shop import services as shop

    store = shop.store_create(family=member.family, actor=member.user, name="Lidl")
    shop.store_aisle_order_set(store=store, order=["dairy", "bakery", "produce"], actor=member.user)
    shop.shopping_choice_set(family=member.family, store=store)
    text = list_as_text(list_for_export(grocery_list=grocery_list))
    assert text.index("Dairy") < text.index("Bakery") < text.index("Produce")
    assert "Aisles as at Lidl" in text


def test_an_empty_list_says_so():
    grocery_list = GroceryListFactory(name="Nothing")
    assert list_as_text(list_for_export(grocery_list=grocery_list)) == (
        "Nothing\n\nNothing left to buy.\n"
    )


def test_text_view_and_download(client, member, grocery_list):
    client.force_login(member.user)
    url = reverse("lists:text", kwargs={"list_id": grocery_list.id})
    response = client.get(url)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Content-Disposition" not in response
    assert "- tomatoes (2 kg)" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    download = client.get(url, {"download": "1"})
    assert download["Content-Disposition"] == 'attachment; filename="weekly-shop.txt"'


def test_print_page_groups_by_aisle_and_offers_print_and_download(client, member, grocery_list):
    client.force_login(member.user)
    response = client.get(reverse("lists:print", kwargs={"list_id": grocery_list.id}))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index('id="print-produce"') < html.index('id="print-bakery"')
    assert html.index('id="print-bakery"') < html.index('id="print-dairy"')
    assert '<span class="print-name">tomatoes</span> <span class="print-qty">2 kg</span>' in html
    assert "4 items" in html
    assert "css/print.css" in html and "data-print" in html
    assert f"/lists/{grocery_list.id}/text/?download=1" in html


def test_the_list_page_offers_share_download_and_print(client, member, grocery_list):
    client.force_login(member.user)
    html = client.get(reverse("lists:detail", kwargs={"list_id": grocery_list.id})).content
    html = html.decode()
    assert f'data-share-text="/lists/{grocery_list.id}/text/"' in html
    assert f'href="/lists/{grocery_list.id}/print/"' in html


@pytest.mark.parametrize("name", ["text", "print"])
def test_another_family_cannot_read_it(client, grocery_list, name):
    client.force_login(MembershipFactory().user)
    response = client.get(reverse(f"lists:{name}", kwargs={"list_id": grocery_list.id}))
    assert response.status_code == 404
    assert b"tomatoes" not in response.content


@pytest.mark.parametrize("name", ["text", "print"])
def test_export_queries_do_not_grow_with_the_list(client, member, grocery_list, name):
    """Prevents N+1: as many queries for 54 items as for 4."""
    client.force_login(member.user)
    url = reverse(f"lists:{name}", kwargs={"list_id": grocery_list.id})
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(50):
        item_services.item_add(grocery_list=grocery_list, actor=member.user, name=f"thing {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "thing 49" in response.content.decode()
    assert len(many) <= len(few)


def test_export_reads_the_list_pages_cached_items(client, member, grocery_list):
    """The list page and the export share one cache entry (and its JSON encoding)."""
    client.force_login(member.user)
    client.get(reverse("lists:detail", kwargs={"list_id": grocery_list.id}))  # warms it
    for name in ("text", "print"):
        response = client.get(reverse(f"lists:{name}", kwargs={"list_id": grocery_list.id}))
        assert response.status_code == 200
        assert "tomatoes" in response.content.decode()
