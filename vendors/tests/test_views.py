"""Family-side pages: authorization matrix, vendor directory, sharing, answer review."""

from decimal import Decimal

import pytest
from django.utils import timezone

from families.models import Membership
from families.tests.factories import MembershipFactory
from lists.tests.factories import ListItemFactory
from orders.models import Order
from orders.tests.factories import OrderFactory
from vendors.models import Vendor, VendorAnswer, VendorAnswerLine, VendorShare
from vendors.tests.factories import VendorFactory, VendorShareFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Family A (an admin and a member) with a list, a private vendor, a share, an answer
    and an order; family B with its own member and private vendor; one global vendor."""
    admin = MembershipFactory(role=Membership.Role.ADMIN, family__name="Family A")
    member = MembershipFactory(family=admin.family)
    outsider = MembershipFactory(family__name="Family B")
    item = ListItemFactory(grocery_list__family=admin.family, name="Apples", quantity_text="2")
    private = VendorFactory(family=admin.family, name="A's Butcher")
    VendorFactory(family=outsider.family, name="B's Baker")
    VendorFactory(name="Global Greengrocer")
    share = VendorShareFactory(grocery_list=item.grocery_list, vendor=private, status="responded")
    answer = VendorAnswer.objects.create(
        share=share, family=share.family, submitted_at=timezone.now()
    )
    VendorAnswerLine.objects.create(
        answer=answer,
        family=answer.family,
        list_item=item,
        name="Apples",
        quantity_text="2",
        unit_price=Decimal("1.25"),
    )
    order = OrderFactory(grocery_list=item.grocery_list, vendor=private, total=Decimal("2.50"))
    return {
        "admin": admin.user,
        "member": member.user,
        "outsider": outsider.user,
        "family": admin.family,
        "list": item.grocery_list,
        "vendor": private,
        "share": share,
        "order": order,
    }


def urls(w):
    f, lst, v, s, o = w["family"].id, w["list"].id, w["vendor"].id, w["share"].id, w["order"].id
    # (method, url, member status, admin status); POST bodies are harmless or invalid.
    return [
        ("get", f"/f/{f}/vendors/", 200, 200),
        ("post", f"/f/{f}/vendors/", 403, 400),
        ("get", f"/f/{f}/vendors/{v}/edit/", 403, 200),
        ("post", f"/f/{f}/vendors/{v}/edit/", 403, 400),
        ("get", f"/lists/{lst}/share/", 200, 200),
        ("post", f"/lists/{lst}/share/", 400, 400),
        ("get", f"/lists/{lst}/shares/", 200, 200),
        ("get", f"/lists/{lst}/shares/{s}/", 200, 200),
        ("get", f"/f/{f}/orders/", 200, 200),
        ("get", f"/f/{f}/orders/{o}/", 200, 200),
        ("post", f"/f/{f}/orders/{o}/status/", 400, 400),
    ]


@pytest.mark.parametrize("who", ["anonymous", "outsider", "member", "admin"])
def test_authorization_matrix(client, world, who):
    if who != "anonymous":
        client.force_login(world[who])
    for method, url, member_status, admin_status in urls(world):
        response = getattr(client, method)(url, {"status": "bogus"} if "status" in url else {})
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        elif who == "outsider":
            assert response.status_code == 404, url  # another family's object is a 404
        elif who == "member":
            assert response.status_code == member_status, url
        else:
            assert response.status_code == admin_status, url


@pytest.mark.parametrize("who", ["anonymous", "outsider", "member"])
def test_writes_of_others_change_nothing(client, world, who):
    if who != "anonymous":
        client.force_login(world[who])
    f, v, lst, s = world["family"].id, world["vendor"].id, world["list"].id, world["share"].id
    client.post(f"/f/{f}/vendors/{v}/delete/")
    client.post(f"/f/{f}/vendors/", {"name": "Sneaky", "whatsapp_number": "+34600000001"})
    if who != "member":  # members may do these; the others must not
        client.post(f"/lists/{lst}/shares/{s}/revoke/")
        client.post(f"/lists/{lst}/shares/{s}/order/")
        client.post(f"/f/{f}/orders/{world['order'].id}/status/", {"status": "cancelled"})
    assert Vendor.objects.filter(pk=v).exists()
    assert not Vendor.objects.filter(name="Sneaky").exists()
    assert VendorShare.objects.get(pk=s).revoked_at is None
    assert Order.objects.get(pk=world["order"].pk).status == "placed"
    assert Order.objects.count() == 1


def test_outsider_cannot_share_or_order_a_foreign_list(client, world):
    client.force_login(world["outsider"])
    lst, s = world["list"].id, world["share"].id
    assert client.post(f"/lists/{lst}/share/", {"vendor": world["vendor"].id}).status_code == 404
    assert client.post(f"/lists/{lst}/shares/{s}/order/").status_code == 404
    assert client.post(f"/lists/{lst}/shares/{s}/revoke/").status_code == 404


def test_directory_shows_global_and_own_vendors_only(client, world, django_assert_max_num_queries):
    """Prevents N+1: the directory costs a fixed number of queries."""
    client.force_login(world["member"])
    with django_assert_max_num_queries(12):
        body = client.get(f"/f/{world['family'].id}/vendors/").content.decode()
    assert "A&#x27;s Butcher" in body and "Global Greengrocer" in body
    assert "B&#x27;s Baker" not in body
    assert "Only family admins can add vendors." in body


def test_a_family_cannot_share_with_another_familys_private_vendor(client, world):
    client.force_login(world["admin"])
    foreign = Vendor.objects.get(name="B's Baker")
    response = client.post(f"/lists/{world['list'].id}/share/", {"vendor": foreign.id})
    assert response.status_code == 400
    assert not VendorShare.objects.filter(vendor=foreign).exists()


def test_admin_adds_a_vendor_with_the_number_stored_in_e164(client, world):
    client.force_login(world["admin"])
    response = client.post(
        f"/f/{world['family'].id}/vendors/",
        {"name": " Fish Shop ", "whatsapp_number": "0034 600-11 12 22", "description": "Fridays"},
    )
    assert response.status_code == 302
    vendor = Vendor.objects.get(name="Fish Shop")
    assert vendor.whatsapp_number == "+34600111222"
    assert vendor.family == world["family"] and vendor.description == "Fridays"


@pytest.mark.parametrize("number", ["600111222", "+0123456789", "+34 abc", "+1234", ""])
def test_invalid_numbers_are_form_errors(client, world, number):
    client.force_login(world["admin"])
    response = client.post(
        f"/f/{world['family'].id}/vendors/", {"name": "Fish", "whatsapp_number": number}
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not Vendor.objects.filter(name="Fish").exists()


def test_admin_edits_and_removes_a_family_vendor_but_not_a_global_one(client, world):
    client.force_login(world["admin"])
    f, v = world["family"].id, world["vendor"].id
    response = client.post(
        f"/f/{f}/vendors/{v}/edit/", {"name": "Butcher Bob", "whatsapp_number": "+34611222333"}
    )
    assert response.status_code == 302
    assert Vendor.objects.get(pk=v).name == "Butcher Bob"
    glob = Vendor.objects.get(name="Global Greengrocer")
    assert client.post(f"/f/{f}/vendors/{glob.id}/edit/", {"name": "x"}).status_code == 403
    assert client.post(f"/f/{f}/vendors/{glob.id}/delete/").status_code == 403
    assert client.post(f"/f/{f}/vendors/{v}/delete/").status_code == 302
    assert not Vendor.objects.filter(pk=v).exists()
    assert Vendor.all_objects.filter(pk=v).exists()  # soft-deleted


def test_sharing_without_whatsapp_offers_click_to_chat(client, world):
    client.force_login(world["member"])
    glob = Vendor.objects.get(name="Global Greengrocer")
    response = client.post(
        f"/lists/{world['list'].id}/share/", {"vendor": glob.id, "message": "Before noon"}
    )
    assert response.status_code == 302
    share = VendorShare.objects.get(vendor=glob)
    assert share.status == VendorShare.Status.PENDING and share.message == "Before noon"
    assert not share.deliveries.exists()
    body = client.get(response["Location"]).content.decode()
    assert f"https://wa.me/{glob.whatsapp_number[1:]}?text=" in body
    assert f"%2Fv%2F{share.token}%2F" in body  # the vendor link is in the prefilled text
    assert "Before%20noon" in body


def test_share_with_htmx_returns_the_statuses_partial(client, world):
    client.force_login(world["member"])
    glob = Vendor.objects.get(name="Global Greengrocer")
    response = client.post(
        f"/lists/{world['list'].id}/share/", {"vendor": glob.id}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="share-statuses"' in body and "Global Greengrocer" in body
    assert 'hx-swap-oob="true"' in body
    assert "<html" not in body


def test_invalid_share_with_htmx_retargets_the_form(client, world):
    client.force_login(world["member"])
    response = client.post(
        f"/lists/{world['list'].id}/share/", {"vendor": "nope"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#share-form"
    assert "errorlist" in response.content.decode()


def test_share_page_shows_progress_and_failure_reasons(client, world, settings):
    settings.WHATSAPP_TOKEN = "t"
    settings.WHATSAPP_PHONE_NUMBER_ID = "1"
    client.force_login(world["member"])
    glob = Vendor.objects.get(name="Global Greengrocer")
    VendorShareFactory(grocery_list=world["list"], vendor=glob, status="sending")
    VendorShare.objects.filter(pk=world["share"].pk).update(
        status="failed", failure_reason="The vendor's number is not on WhatsApp."
    )
    body = client.get(f"/lists/{world['list'].id}/shares/").content.decode()
    assert "Sending to Global Greengrocer…" in body
    assert "number is not on WhatsApp" in body
    assert 'hx-trigger="every 2s, grocer:refresh"' in body  # polls while in flight


def test_share_pages_query_counts(client, world, django_assert_max_num_queries):
    """Prevents N+1: share pages cost a fixed number of queries however many shares."""
    for _ in range(5):
        VendorShareFactory(grocery_list=world["list"], vendor=VendorFactory())
    client.force_login(world["member"])
    with django_assert_max_num_queries(12):
        assert client.get(f"/lists/{world['list'].id}/share/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(f"/lists/{world['list'].id}/shares/").status_code == 200
    with django_assert_max_num_queries(12):
        url = f"/lists/{world['list'].id}/shares/{world['share'].id}/"
        assert client.get(url).status_code == 200


def test_revoke_stops_the_vendor_link(client, world):
    client.force_login(world["member"])
    share = world["share"]
    assert client.post(f"/lists/{world['list'].id}/shares/{share.id}/revoke/").status_code == 302
    assert client.get(f"/v/{share.token}/").status_code == 410


def test_review_place_and_progress_an_order_through_the_pages(client, world):
    client.force_login(world["member"])
    lst, s, f = world["list"].id, world["share"].id, world["family"].id
    Order.objects.all().delete()
    body = client.get(f"/lists/{lst}/shares/{s}/").content.decode()
    assert "2.50 EUR" in body  # 2 * 1.25
    response = client.post(f"/lists/{lst}/shares/{s}/order/")
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.total == Decimal("2.50")
    assert (
        client.post(f"/f/{f}/orders/{order.id}/status/", {"status": "delivered"}).status_code == 400
    )
    assert (
        client.post(f"/f/{f}/orders/{order.id}/status/", {"status": "confirmed"}).status_code == 302
    )
    assert (
        client.post(f"/f/{f}/orders/{order.id}/status/", {"status": "delivered"}).status_code == 302
    )
    order.refresh_from_db()
    assert order.status == "delivered"


def test_order_pages_query_counts(client, world, django_assert_max_num_queries):
    """Prevents N+1: history and detail cost a fixed number of queries (the page's own
    plus the session and the base template's family navigation)."""
    for _ in range(5):
        OrderFactory(grocery_list=world["list"], vendor=VendorFactory(), total=Decimal("1.00"))
    client.force_login(world["member"])
    with django_assert_max_num_queries(12):
        body = client.get(f"/f/{world['family'].id}/orders/").content.decode()
    assert "7.50 EUR" in body  # this month's spend: 2.50 + 5 * 1.00
    with django_assert_max_num_queries(12):
        assert client.get(f"/f/{world['family'].id}/orders/{world['order'].id}/").status_code == 200


def test_the_list_page_offers_sharing_and_loads_the_statuses(client, world):
    client.force_login(world["member"])
    body = client.get(f"/lists/{world['list'].id}/").content.decode()
    assert f'href="/lists/{world["list"].id}/share/"' in body
    assert f'hx-get="/lists/{world["list"].id}/shares/"' in body
