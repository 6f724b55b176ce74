"""The rate limits are wired where the issue asks: each endpoint answers 429 when spent."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from grocer import ratelimit

pytestmark = pytest.mark.django_db

# The start of an hour (and of a minute, and of a ten-minute window).
BOUNDARY = 1_800_000_000 - 1_800_000_000 % 3600


@pytest.fixture(autouse=True)
def _frozen_clock():
    """Requests are judged 10 ms after a window boundary, on a frozen clock: no test
    depends on where in a window the wall clock happens to be (with fixed windows the
    webhook test failed whenever a minute ended between spending and asking)."""
    with time_machine.travel(BOUNDARY + 0.01, tick=False):
        yield


def _exhaust(scope: str, key: str, rate: str) -> None:
    """Spend the whole limit half a second before the boundary: a fixed window forgot it
    all at the boundary; the sliding window still counts it."""
    limit = ratelimit.Rate.parse(rate).limit
    with time_machine.travel(BOUNDARY - 0.5, tick=False):
        for _ in range(limit):
            assert ratelimit.hit(scope=scope, key=key, rate=rate) is None


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


def test_admin_login_is_limited_like_the_site_login(client):
    """40 wrong passwords for a staff account, then the right one, used to get in."""
    from families.tests.factories import PASSWORD, UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    wrong = {"username": staff.email, "password": "wrong", "next": "/admin/"}
    codes = [client.post(url, wrong).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]
    right = {"username": staff.email, "password": PASSWORD, "next": "/admin/"}
    response = client.post(url, right)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    # Reading the form is never limited.
    assert client.get(url).status_code == 200


def test_site_and_admin_login_guesses_add_up(client):
    from families.tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    wrong = {"username": staff.email, "password": "wrong"}
    for _ in range(5):
        assert client.post(reverse("login"), wrong).status_code == 200
    for _ in range(5):
        assert client.post(reverse("admin:login"), wrong).status_code == 200
    assert client.post(reverse("admin:login"), wrong).status_code == 429
    assert client.post(reverse("login"), wrong).status_code == 429
