import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from families.models import Membership
from families.tests.factories import MembershipFactory
from lists import item_services, services
from lists.models import GroceryList, ItemSet, ListEvent, ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory
from shop.models import ShopperLink, Store

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def detail_url(grocery_list):
    return reverse("lists:detail", kwargs={"list_id": grocery_list.id})


def item_url(name, item):
    return reverse(f"lists:{name}", kwargs={"list_id": item.grocery_list_id, "item_id": item.id})


# --- authorization matrix ----------------------------------------------------------------


def _urls(grocery_list, item):
    family = {"family_id": grocery_list.family_id}
    lst = {"list_id": grocery_list.id}
    it = {"list_id": grocery_list.id, "item_id": item.id}
    store, _ = Store.objects.get_or_create(family=grocery_list.family, name="Corner shop")
    link = ShopperLink.objects.filter(grocery_list=grocery_list).first() or (
        ShopperLink.objects.create(
            grocery_list=grocery_list, family_id=grocery_list.family_id, name="Sam"
        )
    )
    shop = {"list_id": grocery_list.id, "store_id": store.id}
    item_set, _ = ItemSet.objects.get_or_create(
        family=grocery_list.family, name="Party", defaults={"entries": [{"name": "crisps"}]}
    )
    a_set = {**family, "set_id": item_set.id}
    chosen = {"grocery_list": str(grocery_list.id)}
    return [
        ("post", reverse("shop:shopping_at", kwargs=lst), {"store": str(store.id)}),
        ("post", reverse("shop:store_add", kwargs=lst), {"name": "Market"}),
        ("get", reverse("shop:store_aisles", kwargs=shop), {}),
        ("get", reverse("shop:shopper_links", kwargs=lst), {}),
        ("post", reverse("shop:shopper_links", kwargs=lst), {"name": "Sam", "hours": "24"}),
        (
            "post",
            reverse("shop:shopper_link_revoke", kwargs={**lst, "link_id": link.id}),
            {},
        ),
        ("get", reverse("lists:dashboard", kwargs=family), {}),
        ("get", reverse("lists:create", kwargs=family), {}),
        ("post", reverse("lists:create", kwargs=family), {"name": "New"}),
        ("get", reverse("lists:detail", kwargs=lst), {}),
        ("get", reverse("lists:activity", kwargs=lst), {}),
        ("get", reverse("lists:text", kwargs=lst), {}),
        ("get", reverse("lists:sets", kwargs=family), {}),
        ("post", reverse("lists:sets", kwargs=family), {"name": "Baby", "text": "wipes"}),
        ("get", reverse("lists:set_edit", kwargs=a_set), {}),
        ("post", reverse("lists:set_edit", kwargs=a_set), {"name": "Party", "text": "cola"}),
        ("post", reverse("lists:set_add", kwargs=a_set), chosen),
        ("post", reverse("lists:set_delete", kwargs=a_set), {}),
        ("post", reverse("lists:staples_add", kwargs=family), chosen),
        ("post", reverse("lists:staple_pin", kwargs=family), {"name": "milk"}),
        ("post", reverse("lists:staple_unpin", kwargs=family), {"name": "milk"}),
        ("post", reverse("lists:create_from_staples", kwargs=family), {}),
        ("get", reverse("lists:offers", kwargs=lst), {}),
        ("post", reverse("lists:add_set", kwargs=lst), {"item_set": str(item_set.id)}),
        ("post", reverse("lists:add_staples", kwargs=lst), {}),
        ("get", reverse("lists:print", kwargs=lst), {}),
        ("get", reverse("lists:edit", kwargs=lst), {}),
        ("post", reverse("lists:edit", kwargs=lst), {"name": "Renamed"}),
        ("post", reverse("lists:archive", kwargs=lst), {}),
        ("post", reverse("lists:restore", kwargs=lst), {}),
        ("post", reverse("lists:item_add", kwargs=lst), {"text": "2 kg tomatoes"}),
        ("post", reverse("lists:items_add_bulk", kwargs=lst), {"text": "milk\neggs"}),
        (
            "post",
            reverse("lists:sync", kwargs=lst),
            # A string is posted as JSON.
            '{"key": "7a0c2d4e-8d1f-4a55-9f0e-1b2c3d4e5f60", "kind": "add",'
            ' "fields": {"text": "x"}}',
        ),
        ("get", reverse("lists:item_suggest", kwargs=lst), {"text": "to"}),
        ("post", reverse("lists:items_clear_purchased", kwargs=lst), {}),
        ("post", reverse("lists:item_restore", kwargs=lst), {"item": str(item.id)}),
        ("get", reverse("lists:item_row", kwargs=it), {}),
        ("get", reverse("lists:item_edit", kwargs=it), {}),
        ("get", reverse("lists:item_menu", kwargs=it), {}),
        (
            "post",
            reverse("lists:item_edit", kwargs=it),
            {"name": "x", "category": "other", "base_name": item.name, "base_version": 1},
        ),
        ("post", reverse("lists:item_status", kwargs=it), {"status": "in_cart"}),
        ("post", reverse("lists:item_assign", kwargs=it), {"assigned_to": ""}),
        ("post", reverse("lists:item_quantity", kwargs=it), {"direction": "up"}),
        ("post", reverse("lists:item_delete", kwargs=it), {}),
        ("post", reverse("lists:shopping_start", kwargs=lst), {"store": "Lidl"}),
        ("post", reverse("lists:delete", kwargs=lst), {}),
    ]


MATRIX_SIZE = 46  # len(_urls(...)); a constant because parametrize runs before the db


def _matrix_cases():
    return [
        (i, who) for i in range(MATRIX_SIZE) for who in ("anonymous", "outsider", "member", "admin")
    ]


@pytest.mark.parametrize(("index", "who"), _matrix_cases())
def test_authorization_matrix(client, index, who):
    """Anonymous → login; another family's member → 404 (and nothing changes); members and
    admins → allowed."""
    grocery_list = GroceryListFactory(name="Private")
    item = ListItemFactory(grocery_list=grocery_list, name="secret")
    method, url, data = _urls(grocery_list, item)[index]
    if who == "outsider":
        client.force_login(MembershipFactory().user)
    elif who in ("member", "admin"):
        role = Membership.Role.ADMIN if who == "admin" else Membership.Role.MEMBER
        client.force_login(MembershipFactory(family=grocery_list.family, role=role).user)
    events_before = ListEvent.objects.count()
    as_json = {"content_type": "application/json"} if isinstance(data, str) else {}
    response = getattr(client, method)(url, data, **as_json)
    if who == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    elif who == "outsider":
        assert response.status_code == 404
        assert ListEvent.objects.count() == events_before
        assert b"secret" not in response.content and b"Private" not in response.content
    else:
        assert response.status_code in (200, 302), response.content[:500]


def test_matrix_covers_every_lists_url():
    from lists.urls import urlpatterns

    grocery_list = GroceryListFactory()
    item = ListItemFactory(grocery_list=grocery_list)
    covered = {url for _, url, _ in _urls(grocery_list, item)}
    # The service worker script is public: it holds no data (test_offline_views).
    names = {pattern.name for pattern in urlpatterns} - {"service_worker"}
    resolved = set()
    from django.urls import resolve

    for url in covered:
        resolved.add(resolve(url).url_name)
    assert names <= resolved
    assert len(_urls(grocery_list, item)) == MATRIX_SIZE


# --- dashboard and lists -------------------------------------------------------------------


def test_dashboard_shows_active_lists_with_counts_and_archived_ones(client_in, member):
    active = GroceryListFactory(family=member.family, name="Weekly shop")
    for status in ["needed", "needed", "in_cart", "purchased"]:
        ListItemFactory(grocery_list=active, status=status)
    ListItemFactory(grocery_list=active, status="needed").delete()
    GroceryListFactory(family=member.family, name="Old party", status="archived")
    response = client_in.get(reverse("lists:dashboard", kwargs={"family_id": member.family_id}))
    (active_list,) = response.context["active_lists"]
    assert (active_list.needed_count, active_list.in_cart_count, active_list.purchased_count) == (
        2,
        1,
        1,
    )
    assert [lst.name for lst in response.context["archived_lists"]] == ["Old party"]
    assert b"Old party" in response.content


def test_create_list_then_rename_it(client_in, member):
    response = client_in.post(
        reverse("lists:create", kwargs={"family_id": member.family_id}), {"name": "Party"}
    )
    grocery_list = GroceryList.objects.get(family=member.family)
    assert response.url == detail_url(grocery_list)
    client_in.post(
        reverse("lists:edit", kwargs={"list_id": grocery_list.id}),
        {"name": "BBQ", "description": "Saturday"},
    )
    grocery_list.refresh_from_db()
    assert (grocery_list.name, grocery_list.description) == ("BBQ", "Saturday")


def test_create_list_with_a_blank_name_is_a_400_with_the_error(client_in, member):
    response = client_in.post(
        reverse("lists:create", kwargs={"family_id": member.family_id}), {"name": "   "}
    )
    assert response.status_code == 400
    assert b"This field is required" in response.content


def test_delete_list_offers_undo_on_the_dashboard(client_in, grocery_list):
    response = client_in.post(reverse("lists:delete", kwargs={"list_id": grocery_list.id}))
    page = client_in.get(response.url)
    assert "Deleted “Weekly shop”" in page.content.decode()
    undo_url = reverse("lists:restore", kwargs={"list_id": grocery_list.id})
    assert undo_url in page.content.decode()
    assert client_in.get(detail_url(grocery_list)).status_code == 404
    client_in.post(undo_url)
    assert client_in.get(detail_url(grocery_list)).status_code == 200


# --- items ---------------------------------------------------------------------------------


def test_list_page_groups_items_by_category_and_keeps_the_contract(client_in, grocery_list):
    item_services.item_add(
        grocery_list=grocery_list, actor=None, name="tomatoes", quantity_text="2 kg"
    )
    item_services.item_add(grocery_list=grocery_list, actor=None, name="milk")
    html = client_in.get(detail_url(grocery_list)).content.decode()
    root = f'<section id="grocery-list" data-list-id="{grocery_list.id}" data-last-seq="2"'
    assert root in html
    assert '<div id="live-status" role="status" aria-live="polite"></div>' in html
    assert '<ol id="activity"' in html
    for value in ("produce", "dairy", "bakery", "other"):
        assert f'<ul class="items" id="category-{value}" data-category="{value}">' in html
    produce = html.index('id="category-produce"')
    dairy = html.index('id="category-dairy"')
    assert produce < html.index(">tomatoes<") < dairy < html.index(">milk<")
    assert 'aria-labelledby="heading-bakery" hidden' in html  # empty categories are hidden


def test_add_without_js_redirects_back_to_the_item(client_in, grocery_list):
    response = client_in.post(
        reverse("lists:item_add", kwargs={"list_id": grocery_list.id}), {"text": "tomatoes 2kg"}
    )
    item = ListItem.objects.get(grocery_list=grocery_list)
    assert (item.name, item.quantity_text, item.category) == ("tomatoes", "2 kg", "produce")
    assert response.url == f"{detail_url(grocery_list)}#item-{item.id}"


def test_the_add_answer_writes_its_key_input_without_the_form_renderer(
    client_in, grocery_list, monkeypatch
):
    """A widget renders through Django's form templates (0.7 ms per add); the one hidden
    input is written in the partial. A refused add keeps the key it was sent."""
    from django.forms.widgets import HiddenInput

    def no_widget(*args, **kwargs):
        raise AssertionError("rendered through the form renderer")

    monkeypatch.setattr(HiddenInput, "render", no_widget)
    url = reverse("lists:item_add", kwargs={"list_id": grocery_list.id})
    assert client_in.post(url, {"text": "milk"}, **HTMX).status_code == 200
    refused = client_in.post(url, {"text": " ", "idempotency_key": "<b>k</b>"}, **HTMX)
    assert refused.status_code == 400
    assert 'name="idempotency_key" value="&lt;b&gt;k&lt;/b&gt;"' in refused.content.decode()


def test_add_with_htmx_returns_the_form_and_the_row_out_of_band(client_in, grocery_list):
    response = client_in.post(
        reverse("lists:item_add", kwargs={"list_id": grocery_list.id}), {"text": "milk x2"}, **HTMX
    )
    html = response.content.decode()
    item = ListItem.objects.get(grocery_list=grocery_list)
    assert response.status_code == 200
    assert re.match(
        r'<div id="add-errors" class="add-errors"><input type="hidden" name="idempotency_key"'
        r' value="[0-9a-f-]{36}" id="id_idempotency_key"></div>',
        html.strip(),
    )
    assert 'hx-swap-oob="beforeend:#category-dairy"' in html
    assert f'<li id="item-{item.id}" class="item status-needed"' in html
    assert "Added milk (2) to Dairy." in html


def test_adding_an_item_already_needed_says_so(client_in, grocery_list):
    url = reverse("lists:item_add", kwargs={"list_id": grocery_list.id})
    client_in.post(url, {"text": "milk"}, **HTMX)
    # A unit that does not add up with "one milk" (merging is tested in test_quick_quantities).
    response = client_in.post(url, {"text": "Milk 1 l"}, **HTMX)
    assert "milk is already on the list." in response.content.decode()
    assert ListItem.objects.filter(grocery_list=grocery_list).count() == 1
    # And without JavaScript, as a message on the page.
    page = client_in.post(url, {"text": "milk"}, follow=True)
    assert "milk is already on the list." in page.content.decode()


@pytest.mark.parametrize("text", ["", "   ", "x" * 261, "y" * 205])
def test_bad_add_input_with_htmx_is_a_400_with_the_errors(client_in, grocery_list, text):
    response = client_in.post(
        reverse("lists:item_add", kwargs={"list_id": grocery_list.id}), {"text": text}, **HTMX
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert html.strip().startswith('<div id="add-errors"')
    assert '<ul class="errorlist" role="alert">' in html
    assert not ListItem.objects.exists()


def test_bad_add_input_without_js_rerenders_the_page_with_errors(client_in, grocery_list):
    response = client_in.post(
        reverse("lists:item_add", kwargs={"list_id": grocery_list.id}), {"text": "  "}
    )
    assert response.status_code == 400
    assert "Type what you need" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_status_posts_the_target_state(client_in, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list, name="milk")
    url = item_url("item_status", item)
    for _ in range(2):  # posting the same target twice is not a toggle
        response = client_in.post(url, {"status": "in_cart"}, **HTMX)
    item.refresh_from_db()
    assert item.status == "in_cart"
    html = response.content.decode()
    assert 'data-status="in_cart"' in html
    assert 'name="status" value="purchased"' in html  # the check button's next target
    assert '<p id="list-counts" class="counts" hx-swap-oob="true">' in html
    assert ListEvent.objects.filter(type="item.status_changed").count() == 1


@pytest.mark.parametrize("status", ["", "eaten", "toggle"])
def test_bad_status_is_a_400_in_the_row(client_in, grocery_list, status):
    item = ListItemFactory(grocery_list=grocery_list)
    response = client_in.post(item_url("item_status", item), {"status": status}, **HTMX)
    assert response.status_code == 400
    assert f'id="item-{item.id}"' in response.content.decode()
    assert 'class="errorlist"' in response.content.decode()


def test_assign_to_a_member(client_in, member, grocery_list):
    ben = MembershipFactory(family=member.family, user__display_name="Ben").user
    item = ListItemFactory(grocery_list=grocery_list)
    response = client_in.post(item_url("item_assign", item), {"assigned_to": str(ben.pk)}, **HTMX)
    item.refresh_from_db()
    assert item.assigned_to == ben
    assert "Ben" in response.content.decode()


def test_assign_to_an_outsider_is_a_400(client_in, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list)
    outsider = MembershipFactory().user
    response = client_in.post(
        item_url("item_assign", item), {"assigned_to": str(outsider.pk)}, **HTMX
    )
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.assigned_to is None


def test_delete_then_undo_with_htmx(client_in, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list, name="milk")
    response = client_in.post(item_url("item_delete", item), **HTMX)
    html = response.content.decode()
    assert "Deleted milk" in html
    assert f'<li id="item-{item.id}" hx-swap-oob="delete"></li>' in html
    assert f'value="{item.id}"' in html
    assert not ListItem.objects.filter(pk=item.pk).exists()
    undo = client_in.post(
        reverse("lists:item_restore", kwargs={"list_id": grocery_list.id}),
        {"item": str(item.id)},
        **HTMX,
    )
    assert f'id="item-{item.id}"' in undo.content.decode()
    assert ListItem.objects.filter(pk=item.pk).exists()


def test_htmx_answers_name_the_list_seq_they_show_at_least(client_in, grocery_list):
    """X-List-Seq: the page ignores pushes of events at or below it for the rows in the
    answer (static/js/live.js), so it must be the seq of the answer's own write, never
    an older one (the delete's push would remove the row Undo just brought back)."""
    item = ListItemFactory(grocery_list=grocery_list, name="milk")
    restore_url = reverse("lists:item_restore", kwargs={"list_id": grocery_list.id})
    answers = [
        client_in.post(item_url("item_status", item), {"status": "in_cart"}, **HTMX),
        client_in.post(item_url("item_delete", item), **HTMX),
        client_in.post(restore_url, {"item": str(item.id)}, **HTMX),
    ]
    seqs = list(ListEvent.objects.filter(grocery_list=grocery_list).values_list("seq", flat=True))
    assert [int(answer.headers["X-List-Seq"]) for answer in answers] == seqs[-3:]
    # Reads name the seq the list was at; plain requests carry no header.
    assert int(client_in.get(item_url("item_row", item), **HTMX).headers["X-List-Seq"]) == seqs[-1]
    assert "X-List-Seq" not in client_in.get(detail_url(grocery_list)).headers


def test_delete_then_undo_without_js(client_in, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list, name="milk")
    response = client_in.post(item_url("item_delete", item))
    page = client_in.get(response.url).content.decode()
    assert "Deleted milk" in page
    assert "Undo" in page
    # The offer is shown once.
    assert "Deleted milk" not in client_in.get(response.url).content.decode()
    client_in.post(
        reverse("lists:item_restore", kwargs={"list_id": grocery_list.id}), {"item": str(item.id)}
    )
    assert ListItem.objects.filter(pk=item.pk).exists()


def test_restore_with_garbage_ids_is_a_400(client_in, grocery_list):
    response = client_in.post(
        reverse("lists:item_restore", kwargs={"list_id": grocery_list.id}),
        {"item": "not-a-uuid"},
        **HTMX,
    )
    assert response.status_code == 400


def test_clear_purchased_then_undo(client_in, grocery_list):
    bought = ListItemFactory(grocery_list=grocery_list, status="purchased", name="bread")
    kept = ListItemFactory(grocery_list=grocery_list, name="milk")
    response = client_in.post(
        reverse("lists:items_clear_purchased", kwargs={"list_id": grocery_list.id}), **HTMX
    )
    html = response.content.decode()
    assert "Cleared 1 purchased item" in html
    assert f'id="item-{kept.id}"' in html and f'id="item-{bought.id}"' not in html
    client_in.post(
        reverse("lists:item_restore", kwargs={"list_id": grocery_list.id}),
        {"item": str(bought.id)},
    )
    assert ListItem.objects.filter(pk=bought.pk).exists()


# --- editing and conflicts -----------------------------------------------------------------


def edit_data(item, **changes):
    data = {
        "name": item.name,
        "quantity_text": item.quantity_text,
        "note": item.note,
        "category": item.category,
    }
    base = {f"base_{k}": v for k, v in data.items()}
    return {**data, **base, "base_version": item.version, **changes}


def test_edit_form_carries_the_base_values(client_in, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1")
    html = client_in.get(item_url("item_edit", item), **HTMX).content.decode()
    assert '<input type="hidden" name="base_quantity_text" value="1">' in html
    assert '<input type="hidden" name="base_version" value="1">' in html
    # Without htmx it is a page of its own.
    page = client_in.get(item_url("item_edit", item)).content.decode()
    assert "<h1>Edit milk</h1>" in page


def test_edit_applies_and_returns_the_row(client_in, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1")
    response = client_in.post(
        item_url("item_edit", item), edit_data(item, quantity_text="2", note="oat"), **HTMX
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.quantity_text, item.note, item.version) == ("2", "oat", 2)
    assert 'data-version="2"' in response.content.decode()


def test_conflicting_edit_is_a_409_that_names_who_changed_what(client_in, member, grocery_list):
    ben = MembershipFactory(family=member.family, user__display_name="Ben").user
    item = ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1")
    stale = edit_data(item, quantity_text="2")
    item_services.item_update(
        item_id=item.id,
        grocery_list=grocery_list,
        actor=ben,
        changes={"quantity_text": "3"},
        base={"quantity_text": "1", "version": 1},
    )
    response = client_in.post(item_url("item_edit", item), stale, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Ben changed quantity to &#x27;3&#x27; meanwhile." in html
    assert "Now: “3”" in html
    # The form keeps the user's value and is rebased on the current one.
    assert 'name="quantity_text" type="text" value="2"' in html
    assert '<input type="hidden" name="base_quantity_text" value="3">' in html
    item.refresh_from_db()
    assert item.quantity_text == "3"
    # Saving again is a deliberate override, and it applies.
    again = edit_data(item, quantity_text="2")
    assert client_in.post(item_url("item_edit", item), again, **HTMX).status_code == 200
    item.refresh_from_db()
    assert item.quantity_text == "2"


def test_conflicting_edit_without_js_rerenders_the_form_page(client_in, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1")
    stale = edit_data(item, quantity_text="2")
    ListItem.objects.filter(pk=item.pk).update(quantity_text="5", version=2)
    response = client_in.post(item_url("item_edit", item), stale)
    assert response.status_code == 409
    assert "changed quantity to &#x27;5&#x27; meanwhile." in response.content.decode()
    assert "<h1>Edit milk</h1>" in response.content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "  "},
        {"name": "n" * 201},
        {"quantity_text": "q" * 51},
        {"note": "z" * 1001},
        {"category": "spaceship"},
        {"base_version": "abc"},
    ],
)
def test_bad_edit_input_is_a_400_with_errors(client_in, grocery_list, changes):
    item = ListItemFactory(grocery_list=grocery_list, name="milk")
    response = client_in.post(item_url("item_edit", item), edit_data(item, **changes), **HTMX)
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.name == "milk" and item.version == 1


def test_edit_of_a_deleted_item_is_a_404(client_in, grocery_list):
    item = ListItemFactory(grocery_list=grocery_list)
    data = edit_data(item, name="new")
    item.delete()
    assert client_in.post(item_url("item_edit", item), data, **HTMX).status_code == 404


# --- autocomplete --------------------------------------------------------------------------


def test_autocomplete_offers_the_familys_history_most_frequent_first(client_in, member):
    lists = [GroceryListFactory(family=member.family) for _ in range(3)]
    for grocery_list in lists:
        ListItemFactory(grocery_list=grocery_list, name="milk")
    for grocery_list in lists[:2]:
        ListItemFactory(grocery_list=grocery_list, name="Mild salsa")
    ListItemFactory(grocery_list=lists[0], name="almond milk")
    ListItemFactory(grocery_list=GroceryListFactory(), name="milk of another family")
    response = client_in.get(
        reverse("lists:item_suggest", kwargs={"list_id": lists[0].id}), {"text": "mil"}, **HTMX
    )
    html = response.content.decode()
    assert re.findall(r'<option value="([^"]+)">', html) == ["milk", "Mild salsa", "almond milk"]
    assert html.strip().startswith('<datalist id="item-suggestions">')
    assert "another family" not in html


# --- rendering for the real-time helper ----------------------------------------------------


def test_render_item_row_without_a_request(grocery_list, member):
    from lists.rendering import render_activity_entry, render_item_row

    item = item_services.item_add(grocery_list=grocery_list, actor=member.user, name="milk").item
    html = render_item_row(item=ListItem.objects.get(pk=item.pk))
    assert html.strip().startswith(
        f'<li id="item-{item.id}" class="item status-needed" data-version="1" '
        'data-status="needed" data-category="dairy">'
    )
    assert f'data-menu href="items/{item.id}/menu/"' in html  # the menu loads when opened
    entry = render_activity_entry(event=ListEvent.objects.get(grocery_list=grocery_list))
    assert "Ana" in entry and "added milk" in entry


# --- query counts --------------------------------------------------------------------------


def _fill(grocery_list, count, assignee, start=0):
    ListItem.objects.bulk_create(
        ListItem(
            grocery_list=grocery_list,
            family_id=grocery_list.family_id,
            name=f"item {n}",
            status=["needed", "in_cart", "purchased"][n % 3],
            category=["produce", "dairy", "pantry"][n % 3],
            assigned_to=assignee if n % 2 else None,
            position=n,
        )
        for n in range(start, start + count)
    )
    # Events too (the page shows the newest); recording one also moves last_seq on, so
    # the next page load cannot come from the list cache.
    for n in range(3):
        services.list_event_record(
            grocery_list=grocery_list, type="item.added", actor=None, payload={"name": f"{n}"}
        )


def test_list_page_makes_the_same_queries_for_5_and_500_items(
    client_in, member, grocery_list, django_assert_max_num_queries
):
    """Prevents N+1: the list page makes no more queries for 500 items than for 5."""
    MembershipFactory(family=member.family)
    _fill(grocery_list, 5, member.user)
    with CaptureQueriesContext(connection) as few:
        client_in.get(detail_url(grocery_list))
    assert len(few) <= 11  # 10 before the "shopping at" selector: choice, stores, vendors
    _fill(grocery_list, 495, member.user, start=5)
    with django_assert_max_num_queries(len(few)):
        response = client_in.get(detail_url(grocery_list))
    assert response.content.decode().count('class="item status-') == 500


def test_dashboard_makes_the_same_queries_for_5_and_500_items(
    client_in, member, django_assert_max_num_queries
):
    """Prevents N+1: the dashboard makes no more queries for 500 items (in more lists)
    than for 5."""
    url = reverse("lists:dashboard", kwargs={"family_id": member.family_id})
    _fill(GroceryListFactory(family=member.family), 5, member.user)
    with CaptureQueriesContext(connection) as few:
        client_in.get(url)
    assert len(few) <= 10
    for _ in range(9):
        _fill(GroceryListFactory(family=member.family), 55, member.user)
    with django_assert_max_num_queries(len(few)):
        response = client_in.get(url)
    assert response.content.decode().count('class="list-card"') == 10
