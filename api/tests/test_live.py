"""An API write is a page write: an open list page gets it live, over the real channel layer."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from lists.tests.realtime import communicator, receive, run, session_cookie

from .conftest import Api, make_token

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_an_item_added_through_the_api_reaches_an_open_list_page(family_world):
    grocery_list = family_world["list"]
    cookie = session_cookie(family_world["admin"])  # the page is open in the admin's browser
    secret = make_token(family_world["member"])  # the member's script writes

    def api_add():
        return Api(Client(), secret).post(
            f"/api/v1/lists/{grocery_list.id}/items", {"text": "2 kg tomatoes"}
        )

    def api_check(item_id):
        return Api(Client(), secret).post(f"/api/v1/items/{item_id}/status", {"status": "in_cart"})

    async def scenario():
        comm = communicator(grocery_list.pk, cookie=cookie)
        connected, _ = await comm.connect()
        assert connected
        await comm.send_json_to({"type": "catch_up", "last_seq": 0})
        await receive(comm, "caught_up")
        added = await database_sync_to_async(api_add)()
        added_event = await receive(comm, "event")
        item_id = added.json()["item"]["id"]
        await database_sync_to_async(api_check)(item_id)
        status_event = await receive(comm, "event")
        await comm.disconnect()
        return added, added_event, status_event

    added, added_event, status_event = run(scenario)
    assert added.status_code == 201
    item_id = added.json()["item"]["id"]
    assert added_event["event_type"] == "item.added"
    assert added_event["item_id"] == item_id
    assert f'id="item-{item_id}"' in added_event["html"]
    assert "tomatoes" in added_event["html"]
    member = family_world["member"].name
    assert added_event["summary"].startswith(f"{member} added tomatoes")
    assert status_event["event_type"] == "item.status_changed"
    assert status_event["item_id"] == item_id
    assert json.loads(json.dumps(added_event)) == added_event
