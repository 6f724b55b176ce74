"""Shares, deliveries and orders are searchable and filterable in the admin."""

import pytest
from django.urls import reverse

from families.tests.factories import UserFactory
from orders.tests.factories import OrderFactory
from vendors.tests.factories import ShareDeliveryFactory, VendorShareFactory

pytestmark = pytest.mark.django_db


def shown(client, url, params) -> set[str]:
    """The rows of the changelist's result table (sidebar filters also name vendors)."""
    return {str(row) for row in client.get(url, params).context["cl"].result_list}


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_shares_search_and_filter(admin_client):
    failed = VendorShareFactory(
        vendor__name="Corner Greengrocer", status="failed", last_error="HTTP 400 131026"
    )
    VendorShareFactory(vendor__name="Bakery Bros", status="sent", whatsapp_message_id="wamid.XYZ")
    url = reverse("admin:vendors_vendorshare_changelist")
    assert {failed.vendor.name} == {
        str(s.vendor) for s in admin_client.get(url, {"q": "greengrocer"}).context["cl"].result_list
    }
    assert shown(admin_client, url, {"q": "wamid.XYZ"}) == {
        str(s) for s in VendorShareFactory._meta.model.objects.filter(vendor__name="Bakery Bros")
    }
    assert shown(admin_client, url, {"status__exact": "failed"}) == {str(failed)}
    change = admin_client.get(reverse("admin:vendors_vendorshare_change", args=[failed.pk]))
    assert "131026" in change.content.decode()  # attempts, last error and deliveries shown


def test_deliveries_filter_by_state_and_are_read_only(admin_client):
    ShareDeliveryFactory(share__vendor__name="Queued Vendor")
    ShareDeliveryFactory(share__vendor__name="Sent Vendor", state="sent")
    url = reverse("admin:vendors_sharedelivery_changelist")
    body = admin_client.get(url, {"state__exact": "sent"}).content.decode()
    assert "Sent Vendor" in body and "Queued Vendor" not in body
    assert admin_client.get(reverse("admin:vendors_sharedelivery_add")).status_code == 403


def test_orders_search_and_filter(admin_client):
    OrderFactory(grocery_list__family__name="The Smiths", status="delivered")
    OrderFactory(grocery_list__family__name="The Joneses", status="placed")
    url = reverse("admin:orders_order_changelist")
    body = admin_client.get(url, {"q": "smiths"}).content.decode()
    assert "The Smiths" in body and "The Joneses" not in body
    body = admin_client.get(url, {"status__exact": "placed"}).content.decode()
    assert "The Joneses" in body and "The Smiths" not in body
