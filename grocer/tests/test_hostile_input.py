"""Every hostile-input case that once answered 500, replayed: now a clear 4xx, nothing stored.

NUL bytes and lone surrogates (refused by grocer/textguard.py on every path, token,
query parameter and form field, and by grocer/jsonbody.py in every JSON string), deeply
nested JSON, a multipart body where JSON belongs, a non-ASCII webhook signature and a
huge query string or header (through a real daphne: 414 / 431, not a dropped connection).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import socket
import uuid

import pytest
from django.urls import reverse

from families.models import PushSubscription
from lists.models import ListEvent, ListItem
from vendors.models import WebhookReceipt

pytestmark = pytest.mark.django_db

APP_SECRET = "hostile-input-app-secret"
DEEP = "[" * 100_000
PROBLEM = "application/problem+json"


@pytest.fixture
def member(client, world):
    client.force_login(world["member"])
    return world["member"]


def _sync_url(world) -> str:
    return reverse("lists:sync", kwargs={"list_id": world["params"]["list_id"]})


def _push_url(world) -> str:
    return reverse("families:push_subscription", kwargs={"family_id": world["params"]["family_id"]})


def _stored() -> tuple:
    """What a refused request must not have changed."""
    return (
        sorted(ListItem.all_objects.values_list("id", "name", "note")),
        ListEvent.objects.count(),
        PushSubscription.objects.count(),
        WebhookReceipt.objects.count(),
    )


def _assert_problem(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


# --- 4. NUL bytes in paths, tokens, query parameters and form fields ----------------------


@pytest.mark.parametrize(
    "path",
    [
        "/s/%00/",
        "/invite/%00/",
        "/v/%00/",
        "/accounts/password/reset/%00/%00/",
    ],
)
def test_nul_in_a_url_token_is_a_404_not_a_500(client, member, path):
    """No address holds a NUL: like any forged link, a 404 (and never a query)."""
    before = _stored()
    for method in (client.get, client.post):
        assert method(path).status_code == 404
    assert _stored() == before


def test_nul_in_a_shopper_token_on_a_write_is_refused(client, world):
    before = _stored()
    url = f"/s/%00/items/{world['params']['item_id']}/status/"
    response = client.post(url, {"status": "purchased"})
    assert response.status_code == 404
    assert _stored() == before


def test_nul_in_a_query_parameter_is_refused(client, member, world):
    url = reverse("lists:item_suggest", kwargs={"list_id": world["params"]["list_id"]})
    response = client.get(url, {"text": "\x00"})
    assert response.status_code == 400
    assert "query parameter 'text'" in html.unescape(response.content.decode())
    # A JSON client gets the same refusal as a problem document.
    _assert_problem(client.get(url, {"text": "mi\x00lk"}, headers={"Accept": "application/json"}))


def test_nul_in_a_form_field_is_refused_with_a_clear_page(client, member, world):
    before = _stored()
    url = reverse("lists:item_add", kwargs={"list_id": world["params"]["list_id"]})
    response = client.post(url, {"text": "mi\x00lk"})
    assert response.status_code == 400
    assert "the field 'text'" in html.unescape(response.content.decode())
    # Also as htmx would send it, and with the NUL in a field name.
    assert client.post(url, {"text": "x\x00"}, headers={"HX-Request": "true"}).status_code == 400
    assert client.post(url, {"te\x00xt": "milk"}).status_code == 400
    assert _stored() == before


def test_clean_text_still_goes_through(client, member, world):
    url = reverse("lists:item_add", kwargs={"list_id": world["params"]["list_id"]})
    assert client.post(url, {"text": "Ñandú 🍅 milk"}).status_code in (200, 302)
    assert ListItem.objects.filter(name__icontains="milk").exists()


# --- 4 and 5. NUL and lone surrogates in JSON bodies -----------------------------------------


def _with_escape(value: dict, escape: str) -> str:
    """JSON of `value` with BAD replaced by a raw escape (json.dumps cannot write "\\ud800")."""
    return json.dumps(value).replace("BAD", escape)


@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800", "a\\udfffb"])
def test_bad_text_in_sync_add_and_edit_is_a_problem_document(client, member, world, bad):
    before = _stored()
    add = _with_escape({"key": str(uuid.uuid4()), "kind": "add", "fields": {"text": "aBADb"}}, bad)
    response = client.post(_sync_url(world), add, content_type="application/json")
    body = _assert_problem(response)
    assert body["outcome"] == "error" and body["error"]  # what offline.js shows
    edit = {"key": str(uuid.uuid4()), "kind": "edit", "item_id": str(world["params"]["item_id"])}
    edit = _with_escape({**edit, "fields": {"note": "BAD"}}, bad)
    _assert_problem(client.post(_sync_url(world), edit, content_type="application/json"))
    assert _stored() == before


@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800"])
@pytest.mark.parametrize("unsubscribe", [True, False])
def test_bad_text_in_a_push_endpoint_is_a_problem_document(client, member, world, bad, unsubscribe):
    before = _stored()
    subscription = {
        "unsubscribe": unsubscribe,
        "endpoint": "https://fcm.googleapis.com/BAD",
        "keys": {"p256dh": "B" * 87, "auth": "A" * 22},
    }
    body = _with_escape(subscription, bad)
    _assert_problem(client.post(_push_url(world), body, content_type="application/json"))
    assert _stored() == before


# --- 6. Deeply nested JSON -----------------------------------------------------------------


def test_deep_json_is_refused_by_sync_and_push(client, member, world):
    before = _stored()
    for url in (_sync_url(world), _push_url(world)):
        # The 100,000 brackets are over the size limit; a smaller deep body is
        # under it and meets the depth limit.
        _assert_problem(client.post(url, DEEP, content_type="application/json"), 413)
        body = _assert_problem(client.post(url, DEEP[:5000], content_type="application/json"))
        assert "nested deeper" in body["detail"]
    # Brackets inside strings nest nothing: a long "[[[[" text is fine JSON.
    ok = json.dumps({"key": str(uuid.uuid4()), "kind": "add", "fields": {"text": "[" * 200}})
    assert client.post(_sync_url(world), ok, content_type="application/json").status_code == 200
    assert len(_stored()[0]) == len(before[0]) + 1


def _signed(body: bytes) -> str:
    return "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_deep_json_in_a_signed_webhook_is_refused(client, settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    before = _stored()
    body = DEEP.encode()
    response = client.post(
        reverse("vendors:webhook"),
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": _signed(body)},
    )
    assert "nested deeper" in _assert_problem(response)["detail"]
    assert _stored() == before


def test_oversized_json_is_a_413(client, member, world, settings):
    settings.GROCER_JSON_MAX_BYTES = 1000
    body = json.dumps({"key": str(uuid.uuid4()), "kind": "add", "fields": {"text": "x" * 2000}})
    _assert_problem(client.post(_sync_url(world), body, content_type="application/json"), 413)


# --- 7. A multipart body where JSON belongs ---------------------------------------------------


def test_multipart_to_the_sync_endpoint_is_a_415(client, member, world):
    before = _stored()
    response = client.post(_sync_url(world), {"kind": "add", "text": "milk"})  # multipart
    _assert_problem(response, 415)
    assert response.json()["error"]  # offline.js shows `error`
    response = client.post(_push_url(world), {"endpoint": "https://fcm.googleapis.com/x"})
    _assert_problem(response, 415)
    assert _stored() == before


# --- 8. A non-ASCII webhook signature --------------------------------------------------------


@pytest.mark.parametrize("header", ["sha256=é" + "0" * 63, "sha256=\u00ff\u00fe", "sha256=ü"])
def test_non_ascii_webhook_signature_is_a_403(client, settings, header):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    before = _stored()
    response = client.post(
        reverse("vendors:webhook"),
        b"{}",
        content_type="application/json",
        headers={"X-Hub-Signature-256": header},
    )
    assert response.status_code == 403
    assert _stored() == before


# --- 9. A huge query string, through a real daphne ---------------------------------------


def _raw_request(server, request: bytes) -> bytes:
    """Send `request` as is and read the whole answer (until the server closes)."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("size", [20_000, 100_000, 1_000_000])
def test_a_huge_query_string_is_answered_414(live_daphne, size):
    request = b"GET /healthz?q=" + b"a" * size + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    answer = _raw_request(live_daphne, request)
    assert answer.startswith(b"HTTP/1.1 414 URI Too Long\r\n"), answer[:200]
    assert b"The address is too long." in answer


@pytest.mark.postgres
@pytest.mark.redis
def test_a_huge_header_is_answered_431_and_normal_requests_still_work(live_daphne):
    big = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"b" * 50_000 + b"\r\n\r\n"
    assert _raw_request(live_daphne, big).startswith(b"HTTP/1.1 431 ")
    ok = (
        b"GET /healthz?q="
        + b"a" * 8000
        + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    assert _raw_request(live_daphne, ok).startswith(b"HTTP/1.1 200 ")
