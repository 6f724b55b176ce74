"""Sockets open only from the site's own origin (scheme, host and port); the CSP lets
pages connect to the site's own socket origin only."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from django.urls import reverse

from families.tests.factories import MembershipFactory
from lists.tests.factories import GroceryListFactory
from lists.tests.realtime import run, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


@pytest.fixture
def member_socket():
    """(cookie, list id) of a member with a list."""
    membership = MembershipFactory()
    grocery_list = GroceryListFactory(family=membership.family)
    return session_cookie(membership.user), grocery_list.pk


def _handshake(list_id, cookie: str, *, host: str, origin: str | None, **scope) -> bool:
    from grocer.asgi import application  # the deployed stack, as daphne serves it

    headers = [(b"host", host.encode()), (b"cookie", f"sessionid={cookie}".encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/lists/{list_id}/", headers=headers)
        communicator.scope.update(scope)
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return connected

    return run(scenario)


@override_settings(ALLOWED_HOSTS=["127.0.0.1", "grocer.example"])
@pytest.mark.parametrize(
    ("host", "origin", "scope", "allowed"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000", {}, True),
        # Another port on the same host (another local app) is another origin.
        ("127.0.0.1:8000", "http://127.0.0.1:9999", {}, False),
        ("127.0.0.1:8000", "http://127.0.0.1", {}, False),
        # The scheme counts: a page over https is not the site served over http.
        ("127.0.0.1:8000", "https://127.0.0.1:8000", {}, False),
        # Default ports written or implied are the same origin.
        ("grocer.example", "http://grocer.example:80", {}, True),
        ("grocer.example", "https://grocer.example", {"scheme": "wss"}, True),
        ("grocer.example:443", "https://grocer.example", {"scheme": "wss"}, True),
        ("grocer.example", "http://grocer.example", {"scheme": "wss"}, False),
        # Another host, a host not allowed, a missing or malformed origin.
        ("127.0.0.1:8000", "http://evil.example:8000", {}, False),
        ("evil.example", "http://evil.example", {}, False),
        ("127.0.0.1:8000", None, {}, False),
        ("127.0.0.1:8000", "null", {}, False),
        ("127.0.0.1:8000", "http://127.0.0.1:notaport", {}, False),
    ],
)
def test_the_origin_must_be_the_sites_own(member_socket, host, origin, scope, allowed):
    cookie, list_id = member_socket
    assert _handshake(list_id, cookie, host=host, origin=origin, **scope) is allowed


@override_settings(
    ALLOWED_HOSTS=["grocer.example"],
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    CSRF_TRUSTED_ORIGINS=["https://app.grocer.example"],
)
def test_behind_a_tls_proxy_and_trusted_origins(member_socket):
    cookie, list_id = member_socket
    from grocer.asgi import application

    def shake(origin: str, proto: str | None) -> bool:
        headers = [
            (b"host", b"grocer.example"),
            (b"cookie", f"sessionid={cookie}".encode()),
            (b"origin", origin.encode()),
        ]
        if proto:
            headers.append((b"x-forwarded-proto", proto.encode()))

        async def scenario():

            communicator = WebsocketCommunicator(
                application, f"/ws/lists/{list_id}/", headers=headers
            )
            connected, _ = await communicator.connect()
            await communicator.disconnect()
            return connected

        return run(scenario)

    assert shake("https://grocer.example", "https") is True
    assert shake("https://grocer.example", None) is False
    assert shake("http://grocer.example", "https") is False
    assert shake("https://app.grocer.example", None) is True  # CSRF_TRUSTED_ORIGINS


@pytest.mark.parametrize(
    ("secure", "socket_origin"),
    [(False, "ws://testserver"), (True, "wss://testserver")],
)
def test_csp_connect_src_is_the_sites_own_socket_origin(client, secure, socket_origin):
    response = client.get(reverse("login"), secure=secure)
    directives = dict(
        (part.split()[0], part.split()[1:])
        for part in response["Content-Security-Policy"].split(";")
    )
    assert directives["connect-src"] == ["'self'", socket_origin]
