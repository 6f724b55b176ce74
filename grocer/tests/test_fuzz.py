"""Property-based fuzz (hypothesis) of every form and JSON endpoint, as a family member.

For any input: never a 500; a refused request (4xx) changes nothing (no half-saved
rows); what comes back, and what the pages show afterwards, is escaped. The forms are
discovered from the pages (as in test_bad_input), so a new form is fuzzed too.

The number of examples is bounded for CI (`GROCER_FUZZ_EXAMPLES`, default 40 per test);
raise it locally for a longer hunt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from families.models import PushSubscription
from grocer.tests.matrix import assert_every_page_escapes, family_data_snapshot
from grocer.tests.test_bad_input import _discover
from vendors.models import WebhookReceipt

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("GROCER_FUZZ_EXAMPLES", "40")),
    deadline=None,  # a busy CI machine is slow, not wrong
    derandomize=True,  # the same examples every run: a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
MARK = '<i class="fz">'  # injected into every text; must never come back unescaped
APP_SECRET = "fuzz-app-secret"

NASTY = st.sampled_from(
    ["\x00", "\ud800", "\udfff", "<", ">", "&", '"', "'", "\u202e", "\u200b", "\r\n", "🍅", "½"]
)
TEXT = st.lists(st.one_of(st.text(max_size=8), NASTY), max_size=6).map("".join)
# Browsers cannot put a lone surrogate in a form (they send U+FFFD), nor can the client.
FORM_TEXT = TEXT.map(lambda text: text.encode("utf-8", "replace").decode("utf-8") + MARK)
JSON_TEXT = TEXT.map(lambda text: text + MARK)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JSON_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _state() -> tuple:
    return (
        family_data_snapshot(),
        list(PushSubscription.objects.order_by("pk").values()),
        WebhookReceipt.objects.count(),
    )


def _check(response, before: tuple, what) -> None:
    assert response.status_code < 500, (what, response.status_code)
    if not response.streaming:
        assert MARK not in response.content.decode(errors="replace"), what
    if 400 <= response.status_code < 500:
        assert _state() == before, ("refused but changed", what, response.status_code)


def _pages_are_escaped(client, world) -> None:
    assert_every_page_escapes(client, world["params"], MARK)


@pytest.fixture
def member(client, world):
    client.force_login(world["admin"])
    return world


def test_every_form_with_fuzzed_text(client, member):
    world = member
    forms = _discover(client, world)
    assert len(forms) >= 5

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        action, fixed, text_fields = data.draw(st.sampled_from(forms), label="form")
        values = {name: data.draw(FORM_TEXT, label=name) for name in text_fields}
        headers = data.draw(st.sampled_from([{}, {"HTTP_HX_REQUEST": "true"}]), label="htmx")
        before = _state()
        response = client.post(action, {**fixed, **values}, **headers)
        _check(response, before, action)

    fuzz()
    _pages_are_escaped(client, world)


def test_the_sync_endpoint_with_fuzzed_json(client, member):
    world = member
    url = reverse("lists:sync", kwargs={"list_id": world["params"]["list_id"]})
    item_id = str(world["params"]["item_id"])
    change = st.fixed_dictionaries(
        {
            "key": st.uuids().map(str) | JSON_TEXT,
            "kind": st.sampled_from(["add", "status", "edit"]) | JSON_TEXT,
            "item_id": st.just(item_id) | st.none() | JSON_TEXT,
            "fields": st.dictionaries(
                st.sampled_from(["text", "note", "status", "name", "quantity"]) | JSON_TEXT,
                JSON_VALUE,
                max_size=4,
            )
            | JSON_VALUE,
            "base": st.dictionaries(st.sampled_from(["note", "status", "name"]), JSON_VALUE)
            | JSON_VALUE,
        }
    )

    @FUZZ
    @given(body=change | JSON_VALUE)
    def fuzz(body):
        before = _state()
        response = client.post(url, json.dumps(body), content_type="application/json")
        _check(response, before, body)
        assert response["Content-Type"].startswith(("application/json", "application/problem"))

    fuzz()
    _pages_are_escaped(client, world)


def test_the_push_endpoint_with_fuzzed_json(client, member):
    world = member
    url = reverse("families:push_subscription", kwargs={"family_id": world["params"]["family_id"]})
    subscription = st.fixed_dictionaries(
        {
            "endpoint": JSON_TEXT | st.sampled_from(["http://127.0.0.1:8509/x", "https://[::1]/"]),
            "keys": st.dictionaries(st.sampled_from(["p256dh", "auth"]), JSON_VALUE) | JSON_VALUE,
            "unsubscribe": JSON_VALUE,
        }
    )

    @FUZZ
    @given(body=subscription | JSON_VALUE)
    def fuzz(body):
        before = _state()
        response = client.post(url, json.dumps(body), content_type="application/json")
        _check(response, before, body)

    fuzz()


def test_the_signed_webhook_with_fuzzed_json(client, settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    url = reverse("vendors:webhook")

    @FUZZ
    @given(body=JSON_VALUE, forged=st.booleans())
    def fuzz(body, forged):
        raw = json.dumps(body).encode()
        digest = hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        signature = "sha256=" + ("0" * 64 if forged else digest)
        before = _state()
        response = client.post(
            url, raw, content_type="application/json", headers={"X-Hub-Signature-256": signature}
        )
        _check(response, before, body)
        if forged:
            assert response.status_code == 403

    fuzz()
