"""The rate limits are wired where the issue asks: each endpoint answers 429 when spent."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grocer import ratelimit

pytestmark = pytest.mark.django_db


def _exhaust(scope: str, key: str, rate: str) -> None:
    limit = ratelimit.Rate.parse(rate).limit
    for _ in range(limit):
        ratelimit.hit(scope=scope, key=key, rate=rate)


def test_item_writes_are_limited_per_user(client, world):
    from lists.access import LIST_WRITE_RATE

    client.force_login(world["member"])
    url = reverse("lists:item_add", kwargs={"list_id": world["params"]["list_id"]})
    assert client.post(url, {"text": "2 kg tomatoes"}).status_code in (200, 302)
    _exhaust("list-writes", f"user:{world['member'].pk}", LIST_WRITE_RATE)
    response = client.post(url, {"text": "bread"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # Reading is never limited.
    assert (
        client.get(
            reverse("lists:detail", kwargs={"list_id": world["params"]["list_id"]})
        ).status_code
        == 200
    )


def test_outsiders_get_404_not_429(client, world):
    client.force_login(world["outsider"])
    _exhaust("list-writes", f"user:{world['outsider'].pk}", "300/5m")
    url = reverse("lists:item_add", kwargs={"list_id": world["params"]["list_id"]})
    assert client.post(url, {"text": "bread"}).status_code == 404


def test_vendor_answers_are_limited_per_link(client, world):
    url = world["public_pages"][0]
    token = url.strip("/").split("/")[-1]
    _exhaust("vendor-answer", f"token:{token}", "30/10m")
    assert client.post(url, {}).status_code == 429
    assert client.get(url).status_code == 200  # the vendor can still read the list


def test_webhook_floods_are_limited(client):
    _exhaust("whatsapp-webhook", "127.0.0.1", "1200/m")
    response = client.post(reverse("vendors:webhook"), b"{}", content_type="application/json")
    assert response.status_code == 429


def test_invitation_acceptance_and_creation_are_limited(client, world):
    invite_url = world["public_pages"][1]
    _exhaust("invitation-accept", "127.0.0.1", "30/h")
    client.force_login(world["outsider"])
    assert client.post(invite_url).status_code == 429

    client.force_login(world["admin"])
    _exhaust("invitation-create", f"user:{world['admin'].pk}", "30/h")
    url = reverse("families:invitation_create", kwargs={"family_id": world["params"]["family_id"]})
    assert client.post(url, {"role": "member"}).status_code == 429
