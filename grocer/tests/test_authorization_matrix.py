"""Every URL pattern and socket, asked by: anonymous, another family's member, member, admin.

Generated from the URL configuration, so a new URL is covered the day it is added: a URL
parameter this matrix cannot fill fails the test until a value is provided below, and a
public URL must be listed in PUBLIC with the reason it needs no membership.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import URLPattern, URLResolver, get_resolver

from families.models import Invitation, Membership
from families.tests.factories import InvitationFactory, MembershipFactory
from lists.models import GroceryList, ListItem
from lists.routing import websocket_urlpatterns
from lists.tests.factories import GroceryListFactory, ListItemFactory
from orders.models import Order
from orders.tests.factories import OrderFactory
from photos.models import Photo
from photos.tests.factories import ItemPhotoFactory
from vendors.models import Vendor, VendorShare
from vendors.tests.factories import VendorFactory, VendorShareFactory

pytestmark = pytest.mark.django_db

# URL names reachable without membership, each tested on its own terms elsewhere.
PUBLIC = {
    "login": "the log-in page",
    "logout": "log-out (POST) works for anyone",
    "signup": "account creation",
    "password_reset": "asks for an email only",
    "password_reset_done": "static confirmation",
    "password_reset_confirm": "guarded by Django's reset token",
    "password_reset_complete": "static confirmation",
    "healthz": "probe",
    "readyz": "probe",
    "families:invitation_from_link": "paste-a-link form",
    "families:invitation": "guarded by the invitation token",
    "vendors:vendor_page": "guarded by the share token",
    "vendors:webhook": "guarded by the WhatsApp signature",
    "photos:direct": "guarded by a signed upload token",
    "lists:shopper": "guarded by the shopper-link token",
    "lists:shopper_item": "guarded by the shopper-link token",
    "lists:service_worker": "static script",
    "sw": "static script",
}
# Pages for any logged-in user, whatever their families.
ANY_USER = {
    "families:home",
    "families:create",
    "profile",
    "password_change",
    "families:notifications",
}


def _routes(patterns=None, prefix="", namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # the Django admin has its own staff checks
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), pattern


ROUTES = sorted(
    (name, route, pattern)
    for name, route, pattern in _routes()
    if name not in PUBLIC and name.split(":")[-1] not in PUBLIC
)


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
    params = {
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


def _url(route: str, params: dict) -> str:
    import re

    def fill(match: re.Match) -> str:
        name = match.group(2) or match.group(1)
        if name not in params:
            pytest.fail(f"The authorization matrix cannot fill <{name}> in {route}: add it")
        return str(params[name])

    return "/" + re.sub(r"<(?:(?:\w+):)?(\w+)>|<(\w+)>", fill, route)


def _snapshot() -> list:
    """Everything family data a forbidden request could change."""
    return [
        list(model.all_objects.order_by("pk").values())
        for model in (GroceryList, ListItem, Vendor, VendorShare, Order)
    ] + [list(model.objects.order_by("pk").values()) for model in (Membership, Invitation, Photo)]


@pytest.mark.parametrize(("name", "route", "pattern"), ROUTES, ids=[r[0] for r in ROUTES])
def test_anonymous_is_sent_to_log_in(client, world, name, route, pattern):
    url = _url(route, world["params"])
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (302, 401, 403, 404, 405), (method, url)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"], (method, url)


FAMILY_ROUTES = [route for route in ROUTES if route[0] not in ANY_USER]


@pytest.mark.parametrize(
    ("name", "route", "pattern"), FAMILY_ROUTES, ids=[r[0] for r in FAMILY_ROUTES]
)
def test_another_familys_member_gets_404_and_changes_nothing(client, world, name, route, pattern):
    client.force_login(world["outsider"])
    url = _url(route, world["params"])
    before = _snapshot()
    for method in ("get", "post"):
        response = getattr(client, method)(url, HTTP_HX_REQUEST="true")
        assert response.status_code in (404, 405), (method, url, response.status_code)
    assert _snapshot() == before


@pytest.mark.parametrize(("name", "route", "pattern"), ROUTES, ids=[r[0] for r in ROUTES])
@pytest.mark.parametrize("who", ["member", "admin"])
def test_members_and_admins_reach_the_page(client, world, name, route, pattern, who):
    client.force_login(world[who])
    url = _url(route, world["params"])
    response = client.get(url)
    allowed = {200, 302, 405} | ({403} if who == "member" else set())
    assert response.status_code in allowed, (url, response.status_code)


SOCKET_ROUTES = sorted(str(pattern.pattern) for pattern in websocket_urlpatterns)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", SOCKET_ROUTES)
@pytest.mark.parametrize(
    ("who", "expected"), [("anonymous", 4401), ("outsider", 4404), ("member", "open")]
)
def test_sockets_admit_members_only(world, route, who, expected):
    from channels.testing import WebsocketCommunicator

    from lists.tests.realtime import application, run, session_cookie

    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if who != "anonymous":
        headers.append((b"cookie", f"sessionid={session_cookie(world[who])}".encode()))
    path = _url(route, world["params"])

    async def scenario():
        communicator = WebsocketCommunicator(application(), path, headers=headers)
        connected, _ = await communicator.connect(timeout=5)
        assert connected  # accepted first, so that a refusal carries a close code
        if expected == "open":
            await communicator.send_json_to({"type": "catch_up", "last_seq": 0})
            while (await communicator.receive_json_from(timeout=5))["type"] != "caught_up":
                pass
            await communicator.disconnect()
            return "open"
        while (output := await communicator.receive_output(timeout=5))["type"] != (
            "websocket.close"
        ):
            pass
        return output.get("code")

    assert run(scenario) == expected
