"""Two daphne processes sharing Redis: what happens through one reaches sockets on the other.

Real processes, a real websocket client (`websockets`), the test's PostgreSQL database.
"""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from families.tests.factories import MembershipFactory
from grocer.testing import ServerProcess
from lists.models import ListItem
from lists.tests.factories import GroceryListFactory
from lists.tests.realtime import Person, server_env, session_cookie

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

RECEIVE_TIMEOUT = 10


@pytest.fixture
def two_servers(transactional_db):
    env = server_env()
    with ServerProcess(env=env) as a, ServerProcess(env=env) as b:
        yield a, b


def socket(server, list_id, *, cookie: str | None, origin: str | None = None):
    ws_url = server.url.replace("http://", "ws://")
    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    return connect(
        f"{ws_url}/ws/lists/{list_id}/",
        origin=origin or server.url,
        additional_headers=headers,
        open_timeout=RECEIVE_TIMEOUT,
    )


def next_message(ws, kind: str) -> dict:
    """The next message of type `kind` (other types are skipped), within a bounded time."""
    while True:
        message = json.loads(ws.recv(timeout=RECEIVE_TIMEOUT))
        if message["type"] == kind:
            return message


def test_changes_through_one_process_reach_a_socket_on_the_other(two_servers):
    a, b = two_servers
    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    grocery_list = GroceryListFactory(family=ana.family)

    with socket(b, grocery_list.pk, cookie=session_cookie(ben.user)) as on_b:
        on_b.send(json.dumps({"type": "catch_up", "last_seq": 0}))
        assert next_message(on_b, "caught_up")["seq"] == 0
        assert [v["name"] for v in next_message(on_b, "presence")["viewers"]] == ["Ben"]

        # Ana opens the list on process A: B's socket learns she is here.
        with socket(a, grocery_list.pk, cookie=session_cookie(ana.user)) as on_a:
            presence = next_message(on_b, "presence")
            assert [(v["name"], v["you"]) for v in presence["viewers"]] == [
                ("Ana", False),
                ("Ben", True),
            ]
            # Ana adds milk through process A, over HTTP as her browser would: the
            # event reaches both sockets through the shared Redis.
            ana_http = Person(ana.user, a)
            try:
                form = ana_http.form(f"/lists/{grocery_list.pk}/")
                form["text"] = "milk"
                response = ana_http.post(f"/lists/{grocery_list.pk}/items/", form)
                assert response.status_code == 302
            finally:
                ana_http.close()
            item = ListItem.objects.get(grocery_list=grocery_list)
            for ws in (on_a, on_b):
                event = next_message(ws, "event")
                assert (event["seq"], event["summary"]) == (1, "Ana added milk")
                assert f'id="item-{item.pk}"' in event["html"]

        # Ana's tab on A closed: B sees her go.
        assert [v["name"] for v in next_message(on_b, "presence")["viewers"]] == ["Ben"]


def test_real_server_refuses_foreign_origin_and_anonymous_sockets(two_servers):
    a, _ = two_servers
    ana = MembershipFactory()
    grocery_list = GroceryListFactory(family=ana.family)
    with pytest.raises(InvalidStatus) as refused:
        socket(a, grocery_list.pk, cookie=session_cookie(ana.user), origin="https://evil.example")
    assert refused.value.response.status_code == 403

    with (
        socket(a, grocery_list.pk, cookie=None) as anonymous,
        pytest.raises(ConnectionClosed) as closed,
    ):
        anonymous.recv(timeout=RECEIVE_TIMEOUT)
    assert closed.value.rcvd.code == 4401
