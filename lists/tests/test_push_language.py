"""A live row, feed entry and announcement reach each member in their own language.

The writer's request renders the event once, in the writer's language; a socket whose
page is in another language (the member's setting, else the browser's) gets the texts
rendered again in its own.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.utils import translation

from families.tests.factories import MembershipFactory
from lists.tests.factories import GroceryListFactory
from lists.tests.realtime import receive, run, session_cookie
from lists.tests.test_consumers import add_item

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def socket(list_id, cookie, accept_language: str | None = None):
    from channels.testing import WebsocketCommunicator

    from lists.tests.realtime import application

    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    headers.append((b"cookie", f"sessionid={cookie}".encode()))
    if accept_language:
        headers.append((b"accept-language", accept_language.encode()))
    return WebsocketCommunicator(application(), f"/ws/lists/{list_id}/", headers=headers)


def events_seen(grocery_list, writer, readers) -> list[dict]:
    """Each reader's socket (cookie, Accept-Language) gets the writer's next add, live."""

    def add_in_english():
        with translation.override("en"):
            return add_item(grocery_list, writer, "milk")

    async def scenario():
        sockets = [socket(grocery_list.pk, cookie, accept) for cookie, accept in readers]
        for comm in sockets:
            assert (await comm.connect())[0]
            await comm.send_json_to({"type": "catch_up", "last_seq": 0})
            await receive(comm, "caught_up")
        await database_sync_to_async(add_in_english)()
        events = [await receive(comm, "event") for comm in sockets]
        for comm in sockets:
            await comm.disconnect()
        return events

    return run(scenario)


def test_each_reader_gets_the_event_in_their_language():
    ana = MembershipFactory(user__display_name="Ana", user__language="en")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben", user__language="es")
    cris = MembershipFactory(family=ana.family, user__display_name="Cris", user__language="")
    grocery_list = GroceryListFactory(family=ana.family)

    english, spanish, portuguese = events_seen(
        grocery_list,
        ana.user,
        [
            (session_cookie(ana.user), None),
            (session_cookie(ben.user), "en-GB,en;q=0.8"),  # his setting wins
            (session_cookie(cris.user), "pt-BR,pt;q=0.9"),  # no setting: the browser's
        ],
    )
    assert "Put milk in the cart" in english["html"] and english["lang"] == "en"
    assert english["summary"] == "Ana added milk"
    assert "Poner milk en el carrito" in spanish["html"] and spanish["lang"] == "es"
    assert "Put milk in the cart" not in spanish["html"]
    assert spanish["summary"].startswith("Ana ") and spanish["summary"] != "Ana added milk"
    assert portuguese["lang"] == "pt-br"
    assert "Put milk in the cart" not in portuguese["html"]
    assert portuguese["summary"] not in (english["summary"], spanish["summary"])
    # Everything but the texts is the same event.
    for event in (spanish, portuguese):
        assert (event["seq"], event["item_id"]) == (english["seq"], english["item_id"])


def test_catch_up_replays_in_the_readers_language():
    ana = MembershipFactory(user__display_name="Ana", user__language="en")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben", user__language="es")
    grocery_list = GroceryListFactory(family=ana.family)
    with translation.override("en"):
        add_item(grocery_list, ana.user, "milk")
    cookie = session_cookie(ben.user)

    async def scenario():
        comm = socket(grocery_list.pk, cookie)
        await comm.connect()
        await comm.send_json_to({"type": "catch_up", "last_seq": 0})
        event = await receive(comm, "event")
        await comm.disconnect()
        return event

    event = run(scenario)
    assert "Poner milk en el carrito" in event["html"]
