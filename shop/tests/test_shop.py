"""In the shop: stores and their learned aisle order, the "shopping at" choice, shopper links."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from families.models import Membership
from families.tests.factories import MembershipFactory
from lists import item_services
from lists import services as list_services
from lists.models import ListEvent, ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory
from shop import selectors, services
from shop.models import ShopperLink, ShoppingChoice, Store, StoreTrip
from vendors.models import Vendor

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def admin():
    return MembershipFactory(user__display_name="Ana", role=Membership.Role.ADMIN)


@pytest.fixture
def member(admin):
    return MembershipFactory(family=admin.family, user__display_name="Ben")


@pytest.fixture
def grocery_list(admin):
    return GroceryListFactory(family=admin.family, name="Weekly shop")


@pytest.fixture
def store(admin):
    return services.store_create(family=admin.family, actor=admin.user, name="Corner shop")


def detail(grocery_list):
    return reverse("lists:detail", kwargs={"list_id": grocery_list.id})


def check_off(grocery_list, names):
    for name in names:
        item = ListItem.objects.get(grocery_list=grocery_list, name=name)
        item_services.item_set_status(
            item_id=item.id, grocery_list=grocery_list, actor=None, status="in_cart"
        )


# --- learning from check-offs ------------------------------------------------------------


def test_aisle_order_is_learned_from_a_sequence_of_check_offs(admin, store):
    """Three days of checking dairy, then drinks, then produce teach the store that order;
    today's trip does not move anything until tomorrow."""
    services.shopping_choice_set(family=admin.family, store=store)
    today = timezone.localdate()
    for days_ago in (3, 2, 1):
        grocery_list = GroceryListFactory(family=admin.family)
        for name, category in (("milk", "dairy"), ("cola", "drinks"), ("apples", "produce")):
            ListItemFactory(grocery_list=grocery_list, name=name, category=category)
        check_off(grocery_list, ["milk", "cola", "apples"])
        StoreTrip.objects.filter(grocery_list=grocery_list).update(
            day=today - timedelta(days=days_ago)
        )
    trips = list(StoreTrip.objects.order_by("day").values_list("categories", flat=True))
    assert trips == [["dairy", "drinks", "produce"]] * 3
    order = selectors.store_aisle_order(store=store)
    assert order.index("dairy") < order.index("drinks") < order.index("produce")
    # Today's trip is recorded but does not reorder the aisles under the shopper.
    grocery_list = GroceryListFactory(family=admin.family)
    ListItemFactory(grocery_list=grocery_list, name="bread", category="bakery")
    ListItemFactory(grocery_list=grocery_list, name="soap", category="household")
    check_off(grocery_list, ["soap", "bread"])
    assert StoreTrip.objects.get(grocery_list=grocery_list).categories == ["household", "bakery"]
    assert selectors.store_aisle_order(store=store) == order


def test_only_first_check_off_per_category_and_only_when_shopping_somewhere(admin, store):
    grocery_list = GroceryListFactory(family=admin.family)
    for name, category in (("milk", "dairy"), ("butter", "dairy"), ("apples", "produce")):
        ListItemFactory(grocery_list=grocery_list, name=name, category=category)
    check_off(grocery_list, ["milk"])
    assert not StoreTrip.objects.exists()  # no store chosen: nothing to learn
    services.shopping_choice_set(family=admin.family, store=store)
    check_off(grocery_list, ["butter", "apples"])
    milk = ListItem.objects.get(name="milk")
    item_services.item_set_status(
        item_id=milk.id, grocery_list=grocery_list, actor=None, status="needed"
    )
    check_off(grocery_list, ["milk"])
    assert StoreTrip.objects.get().categories == ["dairy", "produce"]


# --- the list page at a store --------------------------------------------------------------


def test_list_page_sorts_by_the_chosen_stores_aisles_and_remembers_the_choice(
    client, admin, member, grocery_list, store
):
    ListItemFactory(grocery_list=grocery_list, name="apples", category="produce")
    ListItemFactory(grocery_list=grocery_list, name="soap", category="household")
    ListItemFactory(grocery_list=grocery_list, name="milk", category="dairy", status="in_cart")
    services.store_aisle_order_set(
        store=store, order=["household", "dairy", "produce"], actor=admin.user
    )
    client.force_login(admin.user)
    html = client.get(detail(grocery_list)).content.decode()
    assert html.index(">apples<") < html.index(">soap<")  # no store yet: built-in order
    response = client.post(
        reverse("shop:shopping_at", kwargs={"list_id": grocery_list.id}), {"store": str(store.id)}
    )
    assert response.status_code == 302
    assert ShoppingChoice.objects.get(family=admin.family).store == store
    # Another member of the family sees the same choice: it is the family's, not a session's.
    client.force_login(member.user)
    html = client.get(detail(grocery_list)).content.decode()
    assert f'<option value="{store.id}" selected>Corner shop</option>' in html
    assert html.index(">soap<") < html.index(">apples<")
    # What is already in the cart waits in its own section, after the aisles.
    assert html.index('id="category-produce"') < html.index('id="category-done"')
    assert html.index('id="category-done"') < html.index(">milk<")
    # Choosing "no store" goes back to the built-in order.
    client.post(reverse("shop:shopping_at", kwargs={"list_id": grocery_list.id}), {"store": ""})
    html = client.get(detail(grocery_list)).content.decode()
    assert html.index(">apples<") < html.index(">soap<")
    assert 'id="category-done"' not in html


def test_choosing_a_vendor_makes_its_store_once(client, admin, grocery_list):
    vendor = Vendor.objects.create(name="Fresh & Co", whatsapp_number="+34600111222")
    hidden = Vendor.objects.create(
        name="Other family's", whatsapp_number="+34600111223", family=MembershipFactory().family
    )
    client.force_login(admin.user)
    url = reverse("shop:shopping_at", kwargs={"list_id": grocery_list.id})
    assert f'value="vendor:{vendor.id}"' in client.get(detail(grocery_list)).content.decode()
    for _ in range(2):
        client.post(url, {"store": f"vendor:{vendor.id}"})
    store = Store.objects.get(family=admin.family)
    assert (store.name, store.vendor) == ("Fresh & Co", vendor)
    assert client.post(url, {"store": f"vendor:{hidden.id}"}).status_code == 404
    assert client.post(url, {"store": "nonsense"}).status_code == 400
    other_store = Store.objects.create(family=MembershipFactory().family, name="Theirs")
    assert client.post(url, {"store": str(other_store.id)}).status_code == 404
    assert ShoppingChoice.objects.get(family=admin.family).store == store


def test_adding_a_store_selects_it_and_names_are_unique(client, admin, grocery_list, store):
    client.force_login(admin.user)
    url = reverse("shop:store_add", kwargs={"list_id": grocery_list.id})
    assert client.post(url, {"name": "Market"}).status_code == 302
    assert ShoppingChoice.objects.get(family=admin.family).store.name == "Market"
    response = client.post(url, {"name": "corner SHOP"})
    assert response.status_code == 400
    assert "already has a store with that name" in response.content.decode()
    assert client.post(url, {"name": "  "}).status_code == 400
    assert Store.objects.filter(family=admin.family).count() == 2


def test_list_page_queries_at_a_store_do_not_grow_with_items(
    client, admin, grocery_list, store, django_assert_max_num_queries
):
    """Prevents N+1: at a store (learned order, trips) the page makes a fixed number of queries."""
    services.shopping_choice_set(family=admin.family, store=store)
    for n in range(3):
        StoreTrip.objects.create(
            store=store,
            grocery_list=grocery_list,
            family=store.family,
            day=timezone.localdate() - timedelta(days=n + 1),
            categories=["dairy", "produce"],
        )
    for n in range(60):
        ListItemFactory(grocery_list=grocery_list, name=f"thing {n}", status="needed")
    client.force_login(admin.user)
    with django_assert_max_num_queries(12):
        response = client.get(detail(grocery_list))
    assert response.content.decode().count('class="item status-') == 60


# --- arranging aisles by hand ------------------------------------------------------------


def test_admin_moves_aisles_by_hand_and_members_get_403(client, admin, member, grocery_list, store):
    url = reverse("shop:store_aisles", kwargs={"list_id": grocery_list.id, "store_id": store.id})
    client.force_login(member.user)
    page = client.get(url)
    assert page.status_code == 200 and "Only family admins" in page.content.decode()
    assert client.post(url, {"category": "dairy", "direction": "up"}).status_code == 403
    client.force_login(admin.user)
    assert 'value="up"' in client.get(url).content.decode()
    response = client.post(url, {"category": "dairy", "direction": "up"})
    assert response.status_code == 302 and response.url.endswith("#aisle-dairy")
    store.refresh_from_db()
    assert store.aisle_order[:3] == ["produce", "dairy", "bakery"]
    assert store.aisle_order_set_at is not None
    client.post(url, {"category": "dairy", "direction": "up"})
    client.post(url, {"category": "dairy", "direction": "up"})  # already first: stays
    store.refresh_from_db()
    assert selectors.store_aisle_order(store=store)[:2] == ["dairy", "produce"]
    assert client.post(url, {"category": "nope", "direction": "up"}).status_code == 400
    other = MembershipFactory(role=Membership.Role.ADMIN)
    client.force_login(other.user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"category": "other", "direction": "up"}).status_code == 404


def test_a_hand_set_order_restarts_learning_from_it(admin, store, grocery_list):
    StoreTrip.objects.create(
        store=store,
        grocery_list=grocery_list,
        family=store.family,
        day=timezone.localdate() - timedelta(days=1),
        categories=["household", "produce"],
    )
    services.store_aisle_order_set(store=store, order=["produce", "household"], actor=None)
    assert selectors.store_aisle_order(store=store)[:2] == ["produce", "household"]


# --- shopper links -----------------------------------------------------------------------


@pytest.fixture
def link(grocery_list, admin):
    return services.shopper_link_create(
        grocery_list=grocery_list, actor=admin.user, name="Sam next door", hours=24
    )


@pytest.fixture
def milk(grocery_list):
    return ListItemFactory(grocery_list=grocery_list, name="milk", category="dairy")


def shopper_url(name, link, **kwargs):
    return reverse(f"shopper:{name}", kwargs={"token": link.token, **kwargs})


def test_member_creates_and_revokes_a_link(client, member, grocery_list):
    client.force_login(member.user)
    url = reverse("shop:shopper_links", kwargs={"list_id": grocery_list.id})
    response = client.post(url, {"name": "Sam", "hours": "3"})
    link = ShopperLink.objects.get(grocery_list=grocery_list)
    assert response.status_code == 200
    assert f"/s/{link.token}/" in response.content.decode()
    assert timedelta(hours=2, minutes=59) < link.expires_at - timezone.now() <= timedelta(hours=3)
    assert len(link.token) >= 40
    assert client.post(url, {"name": " ", "hours": "24"}).status_code == 400
    assert client.post(url, {"name": "Sam", "hours": "9999"}).status_code == 400
    revoke = reverse(
        "shop:shopper_link_revoke", kwargs={"list_id": grocery_list.id, "link_id": link.id}
    )
    assert client.post(revoke).status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert client.get(shopper_url("page", link)).status_code == 410


def test_another_familys_member_cannot_create_or_revoke_links(client, grocery_list, link):
    client.force_login(MembershipFactory().user)
    url = reverse("shop:shopper_links", kwargs={"list_id": grocery_list.id})
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Eve", "hours": "24"}).status_code == 404
    revoke = reverse(
        "shop:shopper_link_revoke", kwargs={"list_id": grocery_list.id, "link_id": link.id}
    )
    assert client.post(revoke).status_code == 404
    # Nor with their own list's URL and this link's id.
    own = GroceryListFactory(family=MembershipFactory().family)
    link.refresh_from_db()
    assert link.revoked_at is None
    assert ShopperLink.objects.count() == 1
    assert own.shopper_links.count() == 0


def test_shopper_can_check_and_note_attributed_in_the_activity_feed(
    client, grocery_list, link, milk
):
    page = client.get(shopper_url("page", link))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Shopping as Sam next door" in html and ">milk<" in html
    response = client.post(
        shopper_url("item_status", link, item_id=milk.id), {"status": "in_cart"}, **HTMX
    )
    assert response.status_code == 200 and "milk is in cart" in response.content.decode()
    response = client.post(
        shopper_url("item_note", link, item_id=milk.id),
        {"note": "only the big pack left", "base_note": ""},
    )
    assert response.status_code == 302
    milk.refresh_from_db()
    assert (milk.status, milk.note) == ("in_cart", "only the big pack left")
    events = ListEvent.objects.filter(grocery_list=grocery_list).order_by("seq")
    assert [(e.type, e.actor_id, e.actor_label) for e in events] == [
        ("item.status_changed", None, "shopper (Sam next door)"),
        ("item.updated", None, "shopper (Sam next door)"),
    ]


def test_shopper_cannot_delete_edit_share_or_leave_the_list(
    client, admin, grocery_list, link, milk
):
    other_list = GroceryListFactory(family=grocery_list.family, name="Secret party")
    other_item = ListItemFactory(grocery_list=other_list, name="cake")
    html = client.get(shopper_url("page", link)).content.decode()
    for forbidden in ("/delete/", "/edit/", "/share", "/assign/", "/f/", "Secret party"):
        assert forbidden not in html
    # The family's own pages ask for a login: the link is no session.
    item_kwargs = {"list_id": grocery_list.id, "item_id": milk.id}
    for method, url in (
        ("post", reverse("lists:item_delete", kwargs=item_kwargs)),
        ("post", reverse("lists:item_edit", kwargs=item_kwargs)),
        ("post", reverse("lists:item_add", kwargs={"list_id": grocery_list.id})),
        ("get", reverse("lists:detail", kwargs={"list_id": other_list.id})),
        ("get", reverse("lists:dashboard", kwargs={"family_id": grocery_list.family_id})),
        ("get", reverse("shop:shopper_links", kwargs={"list_id": grocery_list.id})),
    ):
        response = getattr(client, method)(url, {"name": "x"} if method == "post" else {})
        assert response.status_code == 302 and reverse("login") in response.url, url
    # Another list's item through this link: 404, untouched.
    response = client.post(
        shopper_url("item_status", link, item_id=other_item.id), {"status": "purchased"}
    )
    assert response.status_code == 404
    response = client.post(shopper_url("item_note", link, item_id=other_item.id), {"note": "x"})
    assert response.status_code == 404
    # Only status and note: other fields in the post are ignored.
    client.post(
        shopper_url("item_note", link, item_id=milk.id),
        {"note": "ok", "name": "beer", "quantity_text": "12"},
    )
    milk.refresh_from_db()
    other_item.refresh_from_db()
    assert (milk.name, milk.quantity_text, milk.note) == ("milk", "", "ok")
    assert other_item.status == "needed" and other_item.note == ""
    assert (
        client.post(
            shopper_url("item_status", link, item_id=milk.id), {"status": "bogus"}
        ).status_code
        == 400
    )
    assert not ListItem.all_objects.filter(deleted_at__isnull=False).exists()


@pytest.mark.parametrize("state", ["revoked", "expired", "list deleted"])
def test_closed_links_answer_410_and_change_nothing(client, grocery_list, link, milk, state):
    if state == "revoked":
        services.shopper_link_revoke(link=link, actor=None)
    elif state == "expired":
        ShopperLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    else:
        list_services.list_delete(grocery_list=grocery_list, actor=None)
    assert client.get(shopper_url("page", link)).status_code == 410
    response = client.post(shopper_url("item_status", link, item_id=milk.id), {"status": "in_cart"})
    assert response.status_code == 410
    assert "This link no longer works" in response.content.decode()
    milk.refresh_from_db()
    assert milk.status == "needed"


def test_forged_tokens_are_404_never_500(client, link):
    for token in ("nope", "x" * 64, "x" * 500, link.token[:-1]):
        assert client.get(reverse("shopper:page", kwargs={"token": token})).status_code == 404


def test_shopper_writes_are_rate_limited_per_link(client, grocery_list, link, milk):
    from grocer import ratelimit
    from shop.views import SHOPPER_WRITE_RATE

    limit = ratelimit.Rate.parse(SHOPPER_WRITE_RATE).limit
    for _ in range(limit):  # the link has used up its minute
        ratelimit.hit(scope="shopper-write", key=f"shopper:{link.token}", rate=SHOPPER_WRITE_RATE)
    url = shopper_url("item_status", link, item_id=milk.id)
    response = client.post(url, {"status": "in_cart"})
    assert response.status_code == 429 and response["Retry-After"]
    milk.refresh_from_db()
    assert milk.status == "needed"
    # Another link to the same list has its own allowance; reading is never limited.
    other = services.shopper_link_create(grocery_list=grocery_list, actor=None, name="Jo", hours=3)
    assert (
        client.post(
            shopper_url("item_status", other, item_id=milk.id), {"status": "in_cart"}
        ).status_code
        == 302
    )
    assert client.get(shopper_url("page", link)).status_code == 200


def test_shopper_page_queries_do_not_grow_with_items(
    client, grocery_list, link, django_assert_max_num_queries
):
    """Prevents N+1: the shopper page makes a fixed number of queries, whatever the list size."""
    for n in range(40):
        ListItemFactory(grocery_list=grocery_list, name=f"thing {n}", note="n")
    with django_assert_max_num_queries(6):
        response = client.get(shopper_url("page", link))
    assert response.content.decode().count('class="item status-') == 40


# --- the family key (docs/scaling.md) --------------------------------------------------------


def test_a_recorded_trip_carries_the_family(admin, store):
    grocery_list = GroceryListFactory(family=admin.family)
    ListItemFactory(grocery_list=grocery_list, name="milk", category="dairy")
    services.shopping_choice_set(family=admin.family, store=store)
    check_off(grocery_list, ["milk"])
    assert StoreTrip.objects.get().family_id == admin.family_id


@pytest.mark.postgres
@pytest.mark.parametrize("mismatch", ["store", "list"])
def test_a_trip_mixing_families_is_refused(admin, store, mismatch):
    """One family's store with another's list (or a family matching neither) cannot be
    written, whatever writes it."""
    from django.db import IntegrityError, connection, transaction

    other_list = GroceryListFactory()
    trip = {"store": store, "grocery_list": other_list, "day": timezone.localdate()}
    trip["family"] = admin.family if mismatch == "list" else other_list.family
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        StoreTrip.objects.create(**trip)


def test_a_shopper_link_carries_the_family(admin, grocery_list):
    link = services.shopper_link_create(
        grocery_list=grocery_list, actor=admin.user, name="Sam", hours=3
    )
    assert ShopperLink.objects.get(pk=link.pk).family_id == admin.family_id


@pytest.mark.postgres
def test_a_shopper_link_in_another_family_than_its_list_is_refused(grocery_list):
    from django.db import IntegrityError, connection, transaction

    from families.tests.factories import FamilyFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        ShopperLink.objects.create(grocery_list=grocery_list, family=FamilyFactory(), name="Sam")
