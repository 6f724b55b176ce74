"""The client address behind proxies (TRUSTED_PROXIES), and the two attacks it stops.

1. Every client behind one proxy shared its address: 60 failed logins from anyone locked
   everybody out. With the proxy trusted, each client is limited on its own address.
2. The left-most X-Forwarded-For entry is the client's to choose: rotating it was never
   limited. Only the right-most untrusted address counts.
"""

from __future__ import annotations

import httpx
import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import ImproperlyConfigured

from families.tests.factories import PASSWORD, MembershipFactory
from grocer.clientip import TrustedProxies, TrustedProxiesMiddleware
from lists.tests.realtime import in_thread

ATTACKER = "198.51.100.7"
VICTIM = "203.0.113.20"


# --- the rule ---------------------------------------------------------------------------


def test_no_trusted_proxy_means_the_peer_and_the_header_ignored():
    proxies = TrustedProxies.parse("")
    assert proxies.client("10.0.0.5", "1.2.3.4") == "10.0.0.5"


@pytest.mark.parametrize(
    ("setting", "peer", "forwarded", "client"),
    [
        # One proxy (compose, a Kubernetes ingress): the address it appended.
        ("1", "10.0.0.5", f"{VICTIM}", VICTIM),
        ("1", "10.0.0.5", f"6.6.6.6, 7.7.7.7, {VICTIM}", VICTIM),
        # Two proxies (CDN -> ingress): skip what both wrote.
        ("2", "10.0.0.5", f"6.6.6.6, {VICTIM}, 192.0.2.1", VICTIM),
        # Fewer hops than proxies: nothing in the header can be believed.
        ("2", "10.0.0.5", "6.6.6.6", "10.0.0.5"),
        # CIDRs: right to left, the first address outside them.
        ("10.0.0.0/8, 192.0.2.0/24", "10.0.0.5", f"6.6.6.6, {VICTIM}, 192.0.2.1", VICTIM),
        ("10.0.0.0/8", "10.0.0.5", f"{VICTIM}, 10.1.1.1", VICTIM),
        # A peer outside the trusted networks is the client, whatever it claims.
        ("10.0.0.0/8", ATTACKER, VICTIM, ATTACKER),
        # Every hop trusted: the left-most one.
        ("10.0.0.0/8", "10.0.0.5", "10.9.9.9", "10.9.9.9"),
        # IPv6 and ports as some proxies write them.
        ("fd00::/8", "fd00::1", "[2001:db8::7]:4711", "2001:db8::7"),
        ("1", "10.0.0.5", "203.0.113.20:51234", VICTIM),
        # Garbage where the client's address belongs: the proxy that forwarded it.
        ("1", "10.0.0.5", "not-an-address", "10.0.0.5"),
        ("1", "10.0.0.5", "", "10.0.0.5"),
    ],
)
def test_the_client_is_the_rightmost_untrusted_address(setting, peer, forwarded, client):
    assert TrustedProxies.parse(setting).client(peer, forwarded) == client


def test_a_rotating_leftmost_address_never_changes_the_client():
    proxies = TrustedProxies.parse("1")
    seen = {proxies.client("10.0.0.5", f"10.{i}.{i}.1, {ATTACKER}") for i in range(50)}
    assert seen == {ATTACKER}


def test_a_bad_setting_stops_the_process():
    with pytest.raises(ImproperlyConfigured):
        TrustedProxies.parse("10.0.0.0/8, the-load-balancer")


@pytest.mark.parametrize("kind", ["http", "websocket"])
def test_http_and_websocket_scopes_get_the_same_client(kind):
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["client"])

    middleware = TrustedProxiesMiddleware(app, TrustedProxies.parse("10.0.0.0/8"))
    scope = {
        "type": kind,
        "client": ("10.0.0.5", 40000),
        "headers": [(b"x-forwarded-for", f"6.6.6.6, {VICTIM}".encode())],
    }
    # In a thread of its own: once a sync Playwright browser has run in this worker, this
    # thread has an event loop marked as running and async_to_sync refuses it.
    in_thread(async_to_sync(middleware), scope, None, None)
    assert seen == [(VICTIM, 0)]


# --- both attacks, through a real daphne -------------------------------------------------


def _login(server, client: httpx.Client, *, email: str, password: str, forwarded: str) -> int:
    headers = {"X-Forwarded-For": forwarded}
    if "csrftoken" not in client.cookies:  # a failed log-in keeps the token
        client.get(f"{server.url}/accounts/login/", headers=headers)
    response = client.post(
        f"{server.url}/accounts/login/",
        data={
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers=headers,
    )
    return response.status_code


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.daphne_env(TRUSTED_PROXIES="127.0.0.0/8")
def test_one_client_failing_logins_no_longer_locks_out_everyone_behind_the_proxy(live_daphne):
    victim = MembershipFactory().user
    # Existing accounts: an unknown one costs a full PBKDF2 round (Django's timing guard).
    targets = [MembershipFactory().user.email for _ in range(6)]
    with httpx.Client(timeout=10) as attacker:
        # 60 wrong passwords (per address: 60 an hour), 10 per account so the per-account
        # limit is not what stops them, then the address is spent.
        codes = [
            _login(
                live_daphne,
                attacker,
                email=targets[i % 6],
                password="wrong",
                forwarded=ATTACKER,
            )
            for i in range(61)
        ]
    assert set(codes[:60]) == {200} and codes[60] == 429, codes
    with httpx.Client(timeout=10) as browser:
        code = _login(live_daphne, browser, email=victim.email, password=PASSWORD, forwarded=VICTIM)
    assert code == 302, "the victim, behind the same proxy, was locked out too"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.daphne_env(TRUSTED_PROXIES="1")
def test_rotating_the_leftmost_forwarded_address_is_still_limited(live_daphne):
    target = MembershipFactory().user
    with httpx.Client(timeout=10) as attacker:
        # The ingress appends the address it saw; the attacker rotates what precedes it.
        codes = [
            _login(
                live_daphne,
                attacker,
                email=target.email,
                password="wrong",
                forwarded=f"10.{i}.0.1, {ATTACKER}",
            )
            for i in range(11)
        ]
    assert set(codes[:10]) == {200} and codes[10] == 429, codes
    # The account's owner, elsewhere, is not caught by the attacker's limit.
    with httpx.Client(timeout=10) as owner:
        code = _login(live_daphne, owner, email=target.email, password=PASSWORD, forwarded=VICTIM)
    assert code == 302
