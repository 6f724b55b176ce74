"""Fixtures shared by the project-wide test suites."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from families.models import Membership
from families.tests.factories import InvitationFactory, MembershipFactory
from lists.tests.factories import GroceryListFactory, ListItemFactory
from orders.tests.factories import OrderFactory
from photos.models import Photo
from photos.tests.factories import ItemPhotoFactory
from vendors.tests.factories import VendorFactory, VendorShareFactory


@pytest.fixture
def world(settings, tmp_path):
    """Family A with an admin, a member and one of everything; family B with a member."""
    settings.MEDIA_ROOT = tmp_path
    admin = MembershipFactory(role=Membership.Role.ADMIN)
    family = admin.family
    member = MembershipFactory(family=family, role=Membership.Role.MEMBER)
    outsider = MembershipFactory(role=Membership.Role.ADMIN)  # admin of family B
    grocery_list = GroceryListFactory(family=family)
    item = ListItemFactory(grocery_list=grocery_list)
    vendor = VendorFactory(family=family)
    share = VendorShareFactory(grocery_list=grocery_list, vendor=vendor)
    order = OrderFactory(grocery_list=grocery_list, vendor=vendor, share=share)
    invitation = InvitationFactory(family=family)
    photo = ItemPhotoFactory(item=item, status=Photo.Status.READY, thumbnail_key="thumb.webp")
    default_storage.save(photo.key, ContentFile(b"image bytes"))
    default_storage.save(photo.thumbnail_key, ContentFile(b"thumbnail bytes"))
    from shop.models import ShopperLink, Store

    store = Store.objects.create(family=family, name="Corner shop")
    link = ShopperLink.objects.create(
        grocery_list=grocery_list, family_id=grocery_list.family_id, name="Sam"
    )
    from api.services import token_create

    api_token, _secret = token_create(user=admin.user, name="Script")
    from lists.bulk_services import Entry
    from lists.set_services import item_set_create, staple_pin

    item_set = item_set_create(
        family=family,
        actor=admin.user,
        name="Party",
        entries=[Entry(name="cola", quantity_text="2")],
    )
    staple_pin(family=family, actor=admin.user, name="milk")
    params = {
        "store_id": store.id,
        "link_id": link.id,
        "family_id": family.id,
        "list_id": grocery_list.id,
        "item_id": item.id,
        "vendor_id": vendor.id,
        "share_id": share.id,
        "order_id": order.id,
        "membership_id": member.id,
        "invitation_id": invitation.id,
        "kind": "item",
        "owner_id": item.id,
        "token_id": api_token.id,
        "set_id": item_set.id,
        "lang": "es",
    }
    return {
        "admin": admin.user,
        "member": member.user,
        "outsider": outsider.user,
        "params": params,
        "family": family,
        # Token-guarded pages a family hands out, for the bad-input tests.
        "public_pages": [f"/v/{share.token}/", f"/invite/{invitation.token}/"],
    }
