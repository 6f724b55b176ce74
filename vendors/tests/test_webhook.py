"""/webhooks/whatsapp/: the verification handshake, signatures, and status ordering."""

import json

import pytest
from django.test import TestCase
from django.urls import reverse

from lists.models import ListEvent
from vendors.models import ShareDelivery, VendorShare, WebhookReceipt
from vendors.tests.conftest import APP_SECRET, VERIFY_TOKEN
from vendors.tests.factories import ShareDeliveryFactory, VendorFactory
from vendors.tests.fake_graph import signed, status_webhook
from vendors.webhook import webhook_status_apply

pytestmark = pytest.mark.django_db
URL = "/webhooks/whatsapp/"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN


def post(client, payload, *, secret=APP_SECRET, header=None, body=None):
    signed_body, signature = signed(payload, secret)
    # The view hands the body to the outbox, which publishes on commit.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            URL,
            data=body if body is not None else signed_body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": header if header is not None else signature},
        )


@pytest.fixture
def sent_delivery():
    delivery = ShareDeliveryFactory(
        state=ShareDelivery.State.SENT,
        whatsapp_message_id="wamid.A",
        share__status=VendorShare.Status.SENT,
        share__whatsapp_message_id="wamid.A",
    )
    return delivery


def share_status(delivery) -> str:
    return VendorShare.objects.values_list("status", flat=True).get(pk=delivery.share_id)


def test_url_name():
    assert reverse("vendors:webhook") == URL


def test_handshake_echoes_the_challenge(client):
    response = client.get(
        URL,
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_handshake_refused(client, params):
    assert client.get(URL, params).status_code == 403


def test_handshake_refused_when_no_verify_token_is_configured(client, settings):
    settings.WHATSAPP_VERIFY_TOKEN = ""
    response = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )
    assert response.status_code == 403


def test_signed_post_is_accepted_and_applied(client, sent_delivery):
    response = post(client, status_webhook("wamid.A", "delivered"))
    assert response.status_code == 200
    assert share_status(sent_delivery) == "delivered"
    event = ListEvent.objects.filter(type="share.status_changed").latest("seq")
    assert event.payload["status"] == "delivered"
    json.dumps(event.payload)


def test_csrf_is_not_required(sent_delivery):
    from django.test import Client

    body, signature = signed(status_webhook("wamid.A", "read"), APP_SECRET)
    response = Client(enforce_csrf_checks=True).post(
        URL, data=body, content_type="application/json", headers={"X-Hub-Signature-256": signature}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("case", ["missing", "tampered", "wrong-secret", "not-sha256"])
def test_bad_signatures_are_refused_and_change_nothing(client, sent_delivery, case):
    payload = status_webhook("wamid.A", "read")
    body, signature = signed(payload, APP_SECRET)
    if case == "missing":
        response = client.post(URL, data=body, content_type="application/json")
    elif case == "tampered":
        response = post(client, payload, body=body.replace(b"read", b"read "), header=signature)
    elif case == "wrong-secret":
        response = post(client, payload, secret="not-the-secret")
    else:
        response = post(client, payload, header=signature.replace("sha256=", "md5="))
    assert response.status_code == 403
    assert share_status(sent_delivery) == "sent"
    assert not WebhookReceipt.objects.exists()


def test_signed_garbage_is_a_400_not_a_500(client):
    body = b"{not json"
    import hashlib
    import hmac

    header = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        URL, data=body, content_type="application/json", headers={"X-Hub-Signature-256": header}
    )
    assert response.status_code == 400


def test_odd_but_valid_json_is_harmless(client):
    assert (
        post(client, {"entry": [{"changes": [{"value": {"statuses": [{"id": 3}]}}]}]}).status_code
        == 200
    )
    assert post(client, {"entry": "nope"}).status_code == 200


def test_statuses_only_move_forward(sent_delivery):
    apply = webhook_status_apply
    assert apply(status={"id": "wamid.A", "status": "read"}) == "applied"
    # Out of order: "delivered" arrives after "read", and "sent" again.
    assert apply(status={"id": "wamid.A", "status": "delivered"}) == "backwards"
    assert apply(status={"id": "wamid.A", "status": "sent"}) == "backwards"
    assert apply(status={"id": "wamid.A", "status": "read"}) == "duplicate"
    assert share_status(sent_delivery) == "read"
    # A failure after the vendor read it is noise.
    assert apply(status={"id": "wamid.A", "status": "failed"}) == "backwards"
    assert share_status(sent_delivery) == "read"


def test_duplicates_are_deduplicated(client, sent_delivery):
    for _ in range(3):
        assert post(client, status_webhook("wamid.A", "delivered")).status_code == 200
    assert WebhookReceipt.objects.filter(whatsapp_message_id="wamid.A").count() == 1
    assert (
        ListEvent.objects.filter(type="share.status_changed", payload__status="delivered").count()
        == 1
    )


def test_failed_status_gives_a_human_reason(sent_delivery):
    outcome = webhook_status_apply(
        status={"id": "wamid.A", "status": "failed", "errors": [{"code": 131026, "title": "x"}]}
    )
    assert outcome == "failed"
    share = VendorShare.objects.get(pk=sent_delivery.share_id)
    assert share.status == "failed"
    assert (
        share.failure_reason == "The vendor's number is not on WhatsApp or cannot receive messages."
    )
    # Failed is terminal for that send: a late "delivered" does not revive it.
    assert webhook_status_apply(status={"id": "wamid.A", "status": "delivered"}) == "backwards"


def test_a_responded_share_stays_responded(sent_delivery):
    VendorShare.objects.filter(pk=sent_delivery.share_id).update(status="responded")
    assert webhook_status_apply(status={"id": "wamid.A", "status": "read"}) == "backwards"
    assert share_status(sent_delivery) == "responded"


def test_statuses_of_an_older_send_are_ignored(sent_delivery):
    VendorShare.objects.filter(pk=sent_delivery.share_id).update(send_count=2, status="pending")
    assert webhook_status_apply(status={"id": "wamid.A", "status": "read"}) == "stale"
    assert share_status(sent_delivery) == "pending"


def test_unknown_message_ids_are_ignored():
    assert webhook_status_apply(status={"id": "wamid.nope", "status": "read"}) == "unknown"
    assert (
        webhook_status_apply(
            status={"id": "wamid.x", "status": "read", "biz_opaque_callback_data": "garbage"}
        )
        == "unknown"
    )


def test_a_vendor_message_opens_the_24_hour_window(client):
    vendor = VendorFactory(whatsapp_number="+34600999888")
    payload = status_webhook("wamid.B", "sent")
    value = payload["entry"][0]["changes"][0]["value"]
    value["statuses"] = []
    value["messages"] = [
        {
            "from": "34600999888",
            "id": "wamid.in",
            "timestamp": "1764000000",
            "type": "text",
            "text": {"body": "ok!"},
        }
    ]
    assert post(client, payload).status_code == 200
    vendor.refresh_from_db()
    assert vendor.last_inbound_at is not None
    assert int(vendor.last_inbound_at.timestamp()) == 1764000000
