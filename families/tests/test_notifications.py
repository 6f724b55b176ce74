"""Notifications: preferences, who gets what, the feed badge, and Web Push through a
real local push endpoint (VAPID checked, aes128gcm body decrypted)."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.urls import reverse

from families import notifications, push
from families.models import NotificationPreference, PushSubscription
from families.tests.factories import MembershipFactory
from lists import item_services, services
from lists import notifications as list_notifications
from lists.models import ListEvent
from lists.tests.factories import GroceryListFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_bytes(key) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


class PushService:
    """A local push service: records each POST, answers with `status`."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                service.received.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PushService:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class Browser:
    """What a browser keeps for one push subscription: its key pair and auth secret."""

    def __init__(self, endpoint: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = endpoint

    def subscribe(self, user) -> PushSubscription:
        return notifications.push_subscribe(
            user=user,
            endpoint=self.endpoint,
            p256dh=b64(public_bytes(self.key)),
            auth=b64(self.auth),
        )

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


@pytest.fixture
def vapid(settings):
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    settings.WEBPUSH_VAPID_PRIVATE_KEY = b64(raw)
    settings.WEBPUSH_VAPID_PUBLIC_KEY = b64(public_bytes(key))
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:ops@grocer.test"
    return key.public_key()


@pytest.fixture
def push_service(settings):
    """A local push service, let in the way an operator lets in a self-hosted relay on a
    trusted network (families/pushguard.py refuses private addresses otherwise)."""
    settings.WEBPUSH_ALLOWED_HOSTS = [*settings.WEBPUSH_ALLOWED_HOSTS, "127.0.0.1"]
    settings.WEBPUSH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with PushService() as service:
        yield service


@pytest.fixture
def family():
    ana = MembershipFactory(user__display_name="Ana", family__name="The Testers")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    cara = MembershipFactory(family=ana.family, user__display_name="Cara")
    grocery_list = GroceryListFactory(family=ana.family, name="Weekly shop")
    return ana, ben, cara, grocery_list


def check_vapid(request: dict, public_key, audience: str) -> None:
    """The Authorization header is a VAPID JWT signed by our key, for this push service."""
    scheme, _, params = request["headers"]["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert unb64(fields["k"]) == public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    header, claims, signature = fields["t"].split(".")
    raw = unb64(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public_key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    payload = json.loads(unb64(claims))
    assert payload["aud"] == audience
    assert payload["sub"] == "mailto:ops@grocer.test"
    assert payload["exp"] > time.time()


def test_going_shopping_is_pushed_encrypted_to_the_family_not_the_shopper(
    family, vapid, push_service, django_capture_on_commit_callbacks
):
    ana, ben, _cara, grocery_list = family
    bens_phone = Browser(f"{push_service.url}/push/ben")
    bens_phone.subscribe(ben.user)
    anas_phone = Browser(f"{push_service.url}/push/ana")
    anas_phone.subscribe(ana.user)

    with django_capture_on_commit_callbacks(execute=True):
        services.shopping_start(grocery_list=grocery_list, actor=ana.user, store="Lidl")

    # Ben gets it; Ana, who pressed the button, does not; Cara has no device.
    assert [r["path"] for r in push_service.received] == ["/push/ben"]
    request = push_service.received[0]
    check_vapid(request, vapid, push_service.url)
    assert request["headers"]["content-encoding"] == "aes128gcm"
    assert int(request["headers"]["ttl"]) > 0
    message = bens_phone.decrypt(request["body"])
    assert message["body"] == "Ana is going shopping at Lidl."
    assert message["url"] == f"/lists/{grocery_list.id}/"
    # Nothing is locked: Ben can still change the list.
    added = item_services.item_add(grocery_list=grocery_list, actor=ben.user, name="milk")
    assert added.created


def test_vendor_answered_respects_each_members_choice(family, vapid, push_service):
    _ana, ben, cara, grocery_list = family
    Browser(f"{push_service.url}/push/ben").subscribe(ben.user)
    Browser(f"{push_service.url}/push/cara").subscribe(cara.user)
    notifications.preference_update(membership=ben, choices={"vendor_answered": False})
    event = services.list_event_record(
        grocery_list=grocery_list,
        type="share.answered",
        actor=None,
        actor_label="Corner Greengrocer",
        payload={"vendor": "Corner Greengrocer"},
    )
    plan = list_notifications.push_plan(event_id=event.id)
    assert [PushSubscription.objects.get(pk=pk).user for pk, _ in plan] == [cara.user]
    assert json.loads(plan[0][1])["body"] == "Corner Greengrocer answered about the list."
    assert json.loads(plan[0][1])["title"] == "The vendor answered: Weekly shop"


def test_items_added_reach_only_who_is_shopping_that_list(family, vapid, push_service):
    ana, ben, cara, grocery_list = family
    for member in (ben, cara):
        Browser(f"{push_service.url}/push/{member.user.pk}").subscribe(member.user)
    services.shopping_start(grocery_list=grocery_list, actor=ben.user)
    event = services.list_event_record(
        grocery_list=grocery_list, type="item.added", actor=ana.user, payload={"name": "milk"}
    )
    plan = list_notifications.push_plan(event_id=event.id)
    assert [PushSubscription.objects.get(pk=pk).user for pk, _ in plan] == [ben.user]
    # Ben adding to the list he is shopping does not notify Ben.
    own = services.list_event_record(
        grocery_list=grocery_list, type="item.added", actor=ben.user, payload={"name": "eggs"}
    )
    assert list_notifications.push_plan(event_id=own.id) == []


def test_only_delivered_orders_notify(family, vapid, push_service):
    ana, ben, _cara, grocery_list = family
    Browser(f"{push_service.url}/push/ben").subscribe(ben.user)
    confirmed = services.list_event_record(
        grocery_list=grocery_list,
        type="order.status_changed",
        actor=ana.user,
        payload={"status": "confirmed"},
    )
    delivered = services.list_event_record(
        grocery_list=grocery_list,
        type="order.status_changed",
        actor=ana.user,
        payload={"status": "delivered"},
    )
    assert list_notifications.push_plan(event_id=confirmed.id) == []
    (plan,) = list_notifications.push_plan(event_id=delivered.id)
    assert json.loads(plan[1])["title"] == "Order delivered: Weekly shop"
    notifications.preference_update(membership=ben, choices={"order_delivered": False})
    assert list_notifications.push_plan(event_id=delivered.id) == []


def test_gone_subscription_is_removed_and_5xx_is_retried(family, vapid, push_service):
    _ana, ben, _cara, _grocery_list = family
    subscription = Browser(f"{push_service.url}/push/ben").subscribe(ben.user)
    push_service.status = 503
    with pytest.raises(push.PushRetryError):
        push.push_send(subscription_id=subscription.id, data="{}")
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()
    push_service.status = 410
    assert push.push_send(subscription_id=subscription.id, data="{}") is False
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()
    assert len(push_service.received) == 2


def test_without_vapid_keys_nothing_is_sent_and_the_page_says_so(
    client, family, push_service, settings, django_capture_on_commit_callbacks
):
    settings.WEBPUSH_VAPID_PRIVATE_KEY = settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    ana, ben, _cara, grocery_list = family
    Browser(f"{push_service.url}/push/ben").subscribe(ben.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.shopping_start(grocery_list=grocery_list, actor=ana.user)
    assert push_service.received == []
    client.force_login(ben.user)
    page = client.get(
        reverse("families:notification_settings", kwargs={"family_id": ben.family_id})
    )
    assert b"Push notifications are not configured" in page.content


# --- the feed and its badge ------------------------------------------------------------


def badge(client, membership):
    url = reverse("families:notification_badge", kwargs={"family_id": membership.family_id})
    return client.get(url)


def test_badge_counts_others_changes_since_last_look_and_clears(client, family):
    ana, ben, cara, grocery_list = family
    client.force_login(ana.user)
    item_services.item_add(grocery_list=grocery_list, actor=ana.user, name="bread")  # her own
    assert b"badge-count" not in badge(client, ana).content
    item_services.item_add(grocery_list=grocery_list, actor=ben.user, name="milk")
    services.shopping_start(grocery_list=grocery_list, actor=cara.user, store="Lidl")
    response = badge(client, ana)
    assert '<span class="badge-count">2</span>' in response.content.decode()

    feed = client.get(reverse("families:notifications", kwargs={"family_id": ana.family_id}))
    html = feed.content.decode()
    assert "Ben</span> added milk" in html
    assert "Cara</span> is going shopping at Lidl" in html
    assert "added bread" not in html
    assert html.count('class="new-marker"') == 2
    assert b"badge-count" not in badge(client, ana).content
    item_services.item_add(grocery_list=grocery_list, actor=ben.user, name="eggs")
    assert '<span class="badge-count">1</span>' in badge(client, ana).content.decode()


def test_preferences_are_saved_per_member(client, family):
    ana, ben, _cara, _grocery_list = family
    client.force_login(ben.user)
    url = reverse("families:notification_settings", kwargs={"family_id": ben.family_id})
    assert client.get(url).status_code == 200
    response = client.post(url, {"shopping_started": "on", "order_delivered": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(membership=ben)
    assert (preference.shopping_started, preference.items_added) == (True, False)
    assert (preference.vendor_answered, preference.order_delivered) == (False, True)
    assert not NotificationPreference.objects.filter(membership=ana).exists()


def test_push_subscription_endpoint_validates_and_saves(client, family, settings, monkeypatch):
    _ana, ben, _cara, _grocery_list = family
    # A push service on a public address (no DNS in the test: the resolver is told).
    settings.WEBPUSH_ALLOWED_HOSTS = [*settings.WEBPUSH_ALLOWED_HOSTS, "push.example.test"]
    monkeypatch.setattr("families.pushguard.resolve", lambda host, port: ["142.250.74.10"])
    client.force_login(ben.user)
    url = reverse("families:push_subscription", kwargs={"family_id": ben.family_id})
    key = ec.generate_private_key(ec.SECP256R1())
    good = {
        "endpoint": "https://push.example.test/abc",
        "keys": {"p256dh": b64(public_bytes(key)), "auth": b64(os.urandom(16))},
    }
    for bad in (b"nope", b"[]", json.dumps({**good, "endpoint": "javascript:x"})):
        response = client.post(url, bad, content_type="application/json")
        assert response.status_code == 400
    assert PushSubscription.objects.count() == 0
    response = client.post(url, json.dumps(good), content_type="application/json")
    assert response.json() == {"subscribed": True}
    assert PushSubscription.objects.get().user == ben.user
    off = {"endpoint": good["endpoint"], "unsubscribe": True}
    client.post(url, json.dumps(off), content_type="application/json")
    assert PushSubscription.objects.count() == 0


def test_going_shopping_button(client, family):
    ana, _ben, _cara, grocery_list = family
    client.force_login(ana.user)
    url = reverse("lists:shopping_start", kwargs={"list_id": grocery_list.id})
    response = client.post(url, {"store": "  Corner   shop "})
    assert response.status_code == 302
    event = ListEvent.objects.get(grocery_list=grocery_list, type="shopping.started")
    assert (event.actor, event.payload["store"]) == (ana.user, "Corner shop")
    htmx = client.post(url, {"store": ""}, HTTP_HX_REQUEST="true")
    assert "going shopping." in htmx.content.decode()
    too_long = client.post(url, {"store": "x" * 101})
    assert too_long.status_code == 302
    assert ListEvent.objects.filter(type="shopping.started").count() == 2


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("notifications", "get"),
        ("notification_badge", "get"),
        ("notification_settings", "get"),
        ("notification_settings", "post"),
        ("push_subscription", "post"),
    ],
)
def test_another_familys_member_gets_404(client, family, name, method):
    ana, ben, _cara, grocery_list = family
    item_services.item_add(grocery_list=grocery_list, actor=ben.user, name="secret sauce")
    outsider = MembershipFactory()
    client.force_login(outsider.user)
    url = reverse(f"families:{name}", kwargs={"family_id": ana.family_id})
    response = getattr(client, method)(url, {"shopping_started": ""})
    assert response.status_code == 404
    assert b"secret sauce" not in response.content
    assert not NotificationPreference.objects.filter(membership__family=ana.family).exists()
    shopping = reverse("lists:shopping_start", kwargs={"list_id": grocery_list.id})
    assert client.post(shopping).status_code == 404
    assert not ListEvent.objects.filter(type="shopping.started").exists()


def test_unticking_everything_turns_everything_off(client, family):
    ana = family[0]
    client.force_login(ana.user)
    url = reverse("families:notification_settings", kwargs={"family_id": ana.family_id})
    assert client.post(url, {}).status_code == 302
    preference = NotificationPreference.objects.get(membership=ana)
    assert not any(getattr(preference, kind) for kind in NotificationPreference.KINDS)


def test_generated_vapid_keys_work_with_pywebpush():
    from io import StringIO

    from django.core.management import call_command
    from py_vapid import Vapid

    out = StringIO()
    call_command("generate_vapid_keys", stdout=out)
    values = dict(line.split("=", 1) for line in out.getvalue().split())
    vapid = Vapid.from_string(values["WEBPUSH_VAPID_PRIVATE_KEY"])
    assert b64(public_bytes(vapid.private_key)) == values["WEBPUSH_VAPID_PUBLIC_KEY"]


@pytest.mark.parametrize("changes", [2, 25])
def test_feed_page_queries_do_not_grow_with_events(
    client, family, changes, django_assert_max_num_queries
):
    """Prevents N+1 on the feed: each entry's list comes with the event (select_related).

    17 for 2 events and for 25: session, user, membership, navigation, the feed, marking seen.
    """
    ana, ben, _, grocery_list = family
    for number in range(changes):
        item_services.item_add(grocery_list=grocery_list, actor=ben.user, name=f"thing {number}")
    client.force_login(ana.user)
    url = reverse("families:notifications", kwargs={"family_id": ana.family_id})
    with django_assert_max_num_queries(17):
        response = client.get(url)
    assert response.content.decode().count('class="new-marker"') == changes


def test_each_member_gets_the_push_in_their_own_language(family, vapid, push_service):
    _ana, ben, cara, grocery_list = family
    ben.user.language = "es"
    ben.user.save(update_fields=["language"])
    cara.user.language = "pt-br"
    cara.user.save(update_fields=["language"])
    Browser(f"{push_service.url}/push/ben").subscribe(ben.user)
    Browser(f"{push_service.url}/push/cara").subscribe(cara.user)
    event = services.list_event_record(
        grocery_list=grocery_list,
        type="share.answered",
        actor=None,
        actor_label="Corner Greengrocer",
        payload={"vendor": "Corner Greengrocer"},
    )
    plan = list_notifications.push_plan(event_id=event.id)
    by_user = {PushSubscription.objects.get(pk=pk).user: json.loads(data) for pk, data in plan}
    assert by_user[ben.user]["title"] == "El proveedor respondió: Weekly shop"
    assert by_user[ben.user]["body"] == "Corner Greengrocer respondió sobre la lista."
    assert by_user[cara.user]["title"] == "O fornecedor respondeu: Weekly shop"
    assert by_user[cara.user]["body"] == "Corner Greengrocer respondeu sobre a lista."


# --- the family key (docs/scaling.md) --------------------------------------------------------


def test_every_preference_path_sets_the_family():
    from families import notifications as family_notifications

    first, second, third = (MembershipFactory() for _ in range(3))
    family_notifications.preference_for(membership=first)
    family_notifications.preference_update(membership=second, choices={"items_added": False})
    family_notifications.feed_mark_seen(membership=third)
    for membership in (first, second, third):
        preference = NotificationPreference.objects.get(membership=membership)
        assert preference.family_id == membership.family_id


@pytest.mark.postgres
def test_a_preference_in_another_family_than_its_membership_is_refused():
    from django.db import IntegrityError, connection, transaction

    from families.tests.factories import FamilyFactory

    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        NotificationPreference.objects.create(membership=membership, family=FamilyFactory())
