import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from families.tests.factories import InvitationFactory, MembershipFactory, UserFactory
from lists.bulk_services import Entry
from lists.item_services import category_preference_remember
from lists.models import ListEvent, ListItem
from lists.services import list_event_record
from lists.set_services import item_set_create, staple_pin
from lists.tests.factories import ListItemFactory
from orders.tests.factories import OrderLineFactory
from photos.tests.factories import ItemPhotoFactory
from vendors.tests.factories import (
    ShareDeliveryFactory,
    VendorAnswerLineFactory,
    VendorShareFactory,
    WebhookReceiptFactory,
)

pytestmark = pytest.mark.django_db

# The management form of the (read-only) order lines inline.
_INLINE = {
    "lines-TOTAL_FORMS": "0",
    "lines-INITIAL_FORMS": "0",
    "lines-MIN_NUM_FORMS": "0",
    "lines-MAX_NUM_FORMS": "1000",
}
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def superuser_client(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def one_of_everything():
    item = ListItemFactory()
    MembershipFactory(family=item.grocery_list.family)
    InvitationFactory(family=item.grocery_list.family)
    Group.objects.create(name="shop staff")
    list_event_record(grocery_list=item.grocery_list, type="item.added", actor=None)
    category_preference_remember(family=item.grocery_list.family, name="tofu", category="dairy")
    share = VendorShareFactory(grocery_list=item.grocery_list)
    ShareDeliveryFactory(share=share, number=1)
    VendorAnswerLineFactory(answer__share=share, list_item=item)
    WebhookReceiptFactory()
    OrderLineFactory(order__grocery_list=item.grocery_list, list_item=item)
    ItemPhotoFactory(item=item)
    family = item.grocery_list.family
    item_set_create(
        family=family, actor=None, name="Party", entries=[Entry(name="cola", quantity_text="2")]
    )
    staple_pin(family=family, actor=None, name="milk")
    return item


def test_every_model_is_in_the_admin():
    labels = {model._meta.label for model in REGISTERED}
    assert {
        "families.User",
        "families.Family",
        "families.Membership",
        "families.Invitation",
        "lists.GroceryList",
        "lists.ListItem",
        "lists.ListEvent",
        "vendors.Vendor",
        "vendors.VendorShare",
        "orders.Order",
        "orders.OrderLine",
    } <= labels


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_changelist_add_and_change_pages_load(superuser_client, one_of_everything, model):
    info = (model._meta.app_label, model._meta.model_name)
    changelist = superuser_client.get(reverse("admin:{}_{}_changelist".format(*info)))
    assert changelist.status_code == 200
    searched = superuser_client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "x"})
    assert searched.status_code == 200
    add = superuser_client.get(reverse("admin:{}_{}_add".format(*info)))
    assert add.status_code in (200, 403)  # 403 only for the append-only event log
    obj = model._default_manager.first()
    change = superuser_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    assert change.status_code == 200


def test_deleted_rows_hide_by_default_and_show_through_the_filter(superuser_client):
    live, gone = ListItemFactory(name="live one"), ListItemFactory(name="gone one")
    gone.delete()
    url = reverse("admin:lists_listitem_changelist")
    default = superuser_client.get(url).content.decode()
    assert "live one" in default and "gone one" not in default
    deleted = superuser_client.get(url, {"deleted": "yes"}).content.decode()
    assert "gone one" in deleted and "live one" not in deleted
    assert live.pk


def test_admin_actions_soft_delete_and_restore(superuser_client):
    item = ListItemFactory()
    url = reverse("admin:lists_listitem_changelist")
    superuser_client.post(url, {"action": "soft_delete_selected", "_selected_action": [item.pk]})
    assert ListItem.all_objects.get(pk=item.pk).deleted_at is not None
    superuser_client.post(
        url + "?deleted=yes", {"action": "restore_selected", "_selected_action": [item.pk]}
    )
    assert ListItem.objects.filter(pk=item.pk).exists()


def test_admin_delete_view_soft_deletes(superuser_client):
    item = ListItemFactory()
    superuser_client.post(reverse("admin:lists_listitem_delete", args=[item.pk]), {"post": "yes"})
    assert ListItem.all_objects.filter(pk=item.pk).exists()
    assert not ListItem.objects.filter(pk=item.pk).exists()


def test_admin_order_status_goes_through_the_service(superuser_client):
    """Delivered in the admin marks the ordered items purchased and records the event."""
    item = ListItemFactory(name="flour")
    line = OrderLineFactory(order__grocery_list=item.grocery_list, list_item=item, available=True)
    order = line.order
    url = reverse("admin:orders_order_change", args=[order.pk])
    superuser_client.post(url, {"status": "confirmed", **_INLINE})
    response = superuser_client.post(url, {"status": "delivered", **_INLINE})
    assert response.status_code == 302
    assert ListItem.objects.get(pk=item.pk).status == "purchased"
    assert list(
        ListEvent.objects.filter(type="order.status_changed").values_list(
            "payload__status", flat=True
        )
    ) == ["confirmed", "delivered"]


def test_admin_refuses_an_order_transition_the_service_would(superuser_client):
    order = OrderLineFactory().order
    response = superuser_client.post(
        reverse("admin:orders_order_change", args=[order.pk]), {"status": "delivered", **_INLINE}
    )
    assert response.status_code == 200
    assert "cannot become delivered" in response.content.decode()
    assert not ListEvent.objects.filter(type="order.status_changed").exists()


def test_admin_revokes_a_share_through_the_service(superuser_client):
    share = VendorShareFactory()
    superuser_client.post(
        reverse("admin:vendors_vendorshare_changelist"),
        {"action": "revoke_selected", "_selected_action": [share.pk]},
    )
    share.refresh_from_db()
    assert share.revoked_at is not None
    assert ListEvent.objects.filter(grocery_list=share.grocery_list, type="share.revoked").exists()
