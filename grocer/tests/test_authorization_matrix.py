"""Every URL pattern and socket, asked by: anonymous, another family's member, member, admin.

The routes come from the URL configuration (see grocer/tests/matrix.py); the family data
from the `world` fixture.
"""

from __future__ import annotations

import pytest

from grocer.tests.matrix import ANY_USER, ROUTES, family_data_snapshot, fill_route
from lists.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "route", "pattern"), ROUTES, ids=[r[0] for r in ROUTES])
def test_anonymous_is_sent_to_log_in(client, world, name, route, pattern):
    url = fill_route(route, world["params"])
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
    url = fill_route(route, world["params"])
    before = family_data_snapshot()
    for method in ("get", "post"):
        response = getattr(client, method)(url, HTTP_HX_REQUEST="true")
        assert response.status_code in (404, 405), (method, url, response.status_code)
    assert family_data_snapshot() == before


@pytest.mark.parametrize(("name", "route", "pattern"), ROUTES, ids=[r[0] for r in ROUTES])
@pytest.mark.parametrize("who", ["member", "admin"])
def test_members_and_admins_reach_the_page(client, world, name, route, pattern, who):
    client.force_login(world[who])
    url = fill_route(route, world["params"])
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
    path = fill_route(route, world["params"])

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
