"""The list socket on the real Redis channel layer: authorization, delivery, catch-up, presence.

Each scenario runs in its own thread and event loop (`realtime.run`); the database is
transactional so that the consumer sees the test's rows and events are really
published on commit.
"""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.test import override_settings

from families.tests.factories import MembershipFactory
from lists import consumers, presence
from lists.events import publish_membership_revoked
from lists.models import ListItem
from lists.services import list_event_record
from lists.tests.factories import GroceryListFactory, ListItemFactory
from lists.tests.realtime import communicator, receive, receive_close, run, session_cookie

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def add_item(grocery_list, actor, name="milk") -> ListItem:
    """Stand-in for the item service: a row plus its event, published on commit."""
    item = ListItemFactory(grocery_list=grocery_list, name=name)
    list_event_record(
        grocery_list=grocery_list, type="item.added", actor=actor, payload={"item_id": str(item.pk)}
    )
    return item


@pytest.fixture
def ana():
    return MembershipFactory(user__display_name="Ana")


@pytest.fixture
def shared_list(ana):
    return GroceryListFactory(family=ana.family)


def test_member_receives_events_with_the_rendered_row(ana, shared_list):
    cookie = session_cookie(ana.user)

    async def scenario():
        comm = communicator(shared_list.pk, cookie=cookie)
        connected, _ = await comm.connect()
        assert connected
        await comm.send_json_to({"type": "catch_up", "last_seq": 0})
        assert (await receive(comm, "caught_up"))["seq"] == 0
        item = await database_sync_to_async(add_item)(shared_list, ana.user)
        event = await receive(comm, "event")
        await comm.disconnect()
        return item, event

    item, event = run(scenario)
    assert event["seq"] == 1
    assert event["event_type"] == "item.added"
    assert event["actor"] == "Ana"
    assert event["item_id"] == str(item.pk)
    assert f'id="item-{item.pk}"' in event["html"]
    assert event["summary"] == "Ana added milk"
    assert json.loads(json.dumps(event)) == event


def test_anonymous_socket_is_closed_4401(shared_list):
    async def scenario():
        comm = communicator(shared_list.pk)
        await comm.connect()
        code = await receive_close(comm)
        await comm.disconnect()
        return code

    assert run(scenario) == consumers.CLOSE_UNAUTHENTICATED


def test_another_familys_list_is_closed_4404(shared_list):
    outsider = MembershipFactory()  # a member of some other family
    cookie = session_cookie(outsider.user)
    own_list = GroceryListFactory(family=outsider.family)
    own_list.delete()  # a deleted list is gone too

    async def scenario():
        codes = []
        for list_id in (shared_list.pk, own_list.pk):
            comm = communicator(list_id, cookie=cookie)
            await comm.connect()
            codes.append(await receive_close(comm))
            await comm.disconnect()
        return codes

    assert run(scenario) == [consumers.CLOSE_NOT_FOUND, consumers.CLOSE_NOT_FOUND]


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_foreign_origin_is_refused(ana, shared_list):
    cookie = session_cookie(ana.user)

    async def scenario():
        comm = communicator(shared_list.pk, cookie=cookie, origin="https://evil.example")
        connected, _ = await comm.connect()
        await comm.disconnect()
        comm = communicator(shared_list.pk, cookie=cookie, origin="http://testserver")
        allowed, _ = await comm.connect()
        await comm.disconnect()
        return connected, allowed

    assert run(scenario) == (False, True)


def test_catch_up_replays_the_missed_events_in_order(ana, shared_list):
    cookie = session_cookie(ana.user)
    milk = add_item(shared_list, ana.user, "milk")
    eggs = add_item(shared_list, ana.user, "eggs")
    ListItem.objects.filter(pk=milk.pk).delete()  # then its event, as item_delete does
    list_event_record(
        grocery_list=shared_list,
        type="item.deleted",
        actor=ana.user,
        payload={"item_id": str(milk.pk)},
    )

    async def scenario():
        comm = communicator(shared_list.pk, cookie=cookie)
        await comm.connect()
        await comm.send_json_to({"type": "catch_up", "last_seq": 1})
        replayed = [await receive(comm, "event"), await receive(comm, "event")]
        done = await receive(comm, "caught_up")
        await comm.disconnect()
        return replayed, done

    replayed, done = run(scenario)
    assert [(e["seq"], e["event_type"]) for e in replayed] == [
        (2, "item.added"),
        (3, "item.deleted"),
    ]
    assert f'id="item-{eggs.pk}"' in replayed[0]["html"]
    assert replayed[1]["item_id"] == str(milk.pk)
    assert replayed[1]["html"] is None  # the row goes away
    assert done["seq"] == 3


def test_an_event_committed_during_catch_up_is_not_lost(ana, shared_list):
    """The socket joins the group before replaying, so nothing falls between the two."""
    cookie = session_cookie(ana.user)
    add_item(shared_list, ana.user, "milk")

    async def scenario():
        comm = communicator(shared_list.pk, cookie=cookie)
        await comm.connect()
        await receive(comm, "presence")  # connect() has joined the list's group
        # Committed after the socket joined but before the page asked to catch up.
        await database_sync_to_async(add_item)(shared_list, ana.user, "eggs")
        await comm.send_json_to({"type": "catch_up", "last_seq": 0})
        seqs, caught_up = [], False
        while 2 not in seqs or not caught_up:
            message = await comm.receive_json_from(timeout=5)
            if message["type"] == "event":
                seqs.append(message["seq"])
            caught_up = caught_up or message["type"] == "caught_up"
        await comm.disconnect()
        return seqs

    # The first catch-up replays up to the seq connect() read after joining the group;
    # seq 2 came later and arrives live, either side of the replay.
    seqs = run(scenario)
    assert sorted(seqs) == [1, 2]


@pytest.mark.parametrize("last_seq", [0, 99])
def test_too_large_or_impossible_gap_asks_the_page_to_reload(
    ana, shared_list, monkeypatch, last_seq
):
    monkeypatch.setattr(consumers, "CATCH_UP_LIMIT", 2)
    cookie = session_cookie(ana.user)
    for name in ("milk", "eggs", "bread"):
        add_item(shared_list, ana.user, name)

    async def scenario():
        comm = communicator(shared_list.pk, cookie=cookie)
        await comm.connect()
        await comm.send_json_to({"type": "catch_up", "last_seq": last_seq})
        message = await receive(comm, "reload")
        await comm.disconnect()
        return message

    assert run(scenario) == {"type": "reload"}


def test_bad_catch_up_request_gets_an_error_not_a_crash(ana, shared_list):
    cookie = session_cookie(ana.user)

    async def scenario():
        comm = communicator(shared_list.pk, cookie=cookie)
        await comm.connect()
        await comm.send_json_to({"type": "catch_up", "last_seq": "lots"})
        error = await receive(comm, "error")
        await comm.send_json_to({"type": "catch_up", "last_seq": 0})
        done = await receive(comm, "caught_up")
        await comm.disconnect()
        return error, done

    error, done = run(scenario)
    assert "last_seq" in error["detail"]
    assert done["seq"] == 0


def test_garbage_frames_are_ignored(ana, shared_list):
    cookie = session_cookie(ana.user)

    async def scenario():
        comm = communicator(shared_list.pk, cookie=cookie)
        await comm.connect()
        await comm.send_to(text_data="{not json")
        await comm.send_to(bytes_data=b"\x00\x01")
        await comm.send_json_to(["catch_up"])
        await comm.send_json_to({"type": "catch_up", "last_seq": 0})
        done = await receive(comm, "caught_up")
        await comm.disconnect()
        return done

    assert run(scenario) == {"type": "caught_up", "seq": 0}


def test_removed_member_is_disconnected_at_once(ana, shared_list):
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    cookie = session_cookie(ben.user)

    async def scenario():
        comm = communicator(shared_list.pk, cookie=cookie)
        await comm.connect()
        await receive(comm, "presence")
        await database_sync_to_async(ben.delete)()
        await database_sync_to_async(publish_membership_revoked)(
            family_id=ana.family_id, user_id=ben.user_id
        )
        code = await receive_close(comm)
        # Later events on the list no longer reach the closed socket's consumer.
        await database_sync_to_async(add_item)(shared_list, ana.user)
        assert await comm.receive_nothing(timeout=0.5)
        await comm.disconnect()
        return code

    assert run(scenario) == consumers.CLOSE_REVOKED


def test_heartbeat_rechecks_membership(ana, shared_list):
    """Covers a revocation push lost to a Redis blip."""
    ben = MembershipFactory(family=ana.family)
    cookie = session_cookie(ben.user)

    async def scenario():
        comm = communicator(shared_list.pk, cookie=cookie)
        await comm.connect()
        await receive(comm, "presence")  # connected and authorized
        await database_sync_to_async(ben.delete)()
        await comm.send_json_to({"type": "heartbeat"})
        code = await receive_close(comm)
        await comm.disconnect()
        return code

    assert run(scenario) == consumers.CLOSE_REVOKED


def test_presence_counts_users_not_tabs(ana, shared_list):
    """Frames go out only when the set of viewers changes: a second tab changes nothing."""
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    ana_cookie, ben_cookie = session_cookie(ana.user), session_cookie(ben.user)

    async def scenario():
        ana_tab_1 = communicator(shared_list.pk, cookie=ana_cookie)
        await ana_tab_1.connect()
        alone = await receive(ana_tab_1, "presence")
        ana_tab_2 = communicator(shared_list.pk, cookie=ana_cookie)
        await ana_tab_2.connect()
        second_tab = await receive(ana_tab_2, "presence")  # the new page is told who is here
        ben_tab = communicator(shared_list.pk, cookie=ben_cookie)
        await ben_tab.connect()
        with_ben = await receive(ana_tab_1, "presence")
        seen_by_ben = await receive(ben_tab, "presence")
        # Ana's second tab joining was no change for anyone else (the next frame her
        # first tab got was about Ben), nor is its leaving.
        await ana_tab_2.disconnect()
        quiet = await ben_tab.receive_nothing(timeout=0.5)
        await ana_tab_1.disconnect()
        ana_gone = await receive(ben_tab, "presence")
        await ben_tab.disconnect()
        return alone, second_tab, with_ben, seen_by_ben, quiet, ana_gone

    alone, second_tab, with_ben, seen_by_ben, quiet, ana_gone = run(scenario)

    def names(message):
        return [(v["name"], v["you"]) for v in message["viewers"]]

    assert names(alone) == [("Ana", True)]
    assert names(second_tab) == [("Ana", True)]
    assert names(with_ben) == [("Ana", True), ("Ben", False)]
    assert names(seen_by_ben) == [("Ana", False), ("Ben", True)]
    assert quiet  # closing one of Ana's two tabs: Ana is still viewing
    assert names(ana_gone) == [("Ben", True)]


def test_a_dropped_connection_expires_from_presence(ana, shared_list):
    """A tab whose process died never says goodbye; its stale entry stops counting."""
    import time

    import redis
    from django.conf import settings

    ghost = presence.Tab(
        list_id=str(shared_list.pk), user_id="ghost", name="Ghost", channel_name="gone!1"
    )
    redis.Redis.from_url(settings.REDIS_URL).zadd(
        presence.presence_key(shared_list.pk),
        {ghost.member: time.time() - presence.presence_ttl() - 1},
    )
    cookie = session_cookie(ana.user)

    async def scenario():
        comm = communicator(shared_list.pk, cookie=cookie)
        await comm.connect()
        message = await receive(comm, "presence")
        await comm.disconnect()
        return message

    assert [v["name"] for v in run(scenario)["viewers"]] == ["Ana"]


@pytest.mark.parametrize("how", ["removed", "left"])
def test_member_removed_through_the_family_service_is_disconnected(ana, shared_list, how):
    """The accounts service's revocation hook reaches the socket (wired in ListsConfig)."""
    from families import services as family_services
    from families.models import Membership

    Membership.objects.filter(pk=ana.pk).update(role=Membership.Role.ADMIN)
    ana.refresh_from_db()
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    cookie = session_cookie(ben.user)

    def revoke():
        if how == "removed":
            family_services.membership_remove(membership=ben, actor=ana.user)
        else:
            family_services.membership_leave(membership=ben)

    async def scenario():
        comm = communicator(shared_list.pk, cookie=cookie)
        await comm.connect()
        await receive(comm, "presence")
        await database_sync_to_async(revoke)()
        code = await receive_close(comm)
        await comm.disconnect()
        return code

    assert run(scenario) == consumers.CLOSE_REVOKED


class ClientGone:
    """daphne's side of sockets whose client has gone: a send raises as autobahn does.

    Between the client's close and daphne delivering `websocket.disconnect`, a group
    message can still reach the consumer; daphne then raises "Attempt to send on a
    closed protocol" from the consumer's send.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.gone = False
        self.attempts = 0

    async def __call__(self, scope, receive, send):
        from autobahn.exception import Disconnected

        async def guarded_send(message):
            if self.gone:
                self.attempts += 1
                raise Disconnected("Attempt to send on a closed protocol")
            await send(message)

        return await self.app(scope, receive, guarded_send)


def test_a_socket_whose_client_is_gone_leaves_quietly(ana, shared_list):
    """No "Exception inside application" from presence_changed: it leaves groups and presence."""
    from channels.testing import WebsocketCommunicator

    from lists.tests.realtime import application

    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    cy = MembershipFactory(family=ana.family, user__display_name="Cy")
    ana_cookie, ben_cookie, cy_cookie = (
        session_cookie(ana.user),
        session_cookie(ben.user),
        session_cookie(cy.user),
    )
    vanishing = ClientGone(application())

    async def scenario():
        headers = [
            (b"origin", b"http://testserver"),
            (b"host", b"testserver"),
            (b"cookie", f"sessionid={ana_cookie}".encode()),
        ]
        ana_tab = WebsocketCommunicator(vanishing, f"/ws/lists/{shared_list.pk}/", headers=headers)
        await ana_tab.connect()
        await receive(ana_tab, "presence")
        ben_tab = communicator(shared_list.pk, cookie=ben_cookie)
        await ben_tab.connect()
        await receive(ben_tab, "presence")
        await receive(ana_tab, "presence")
        vanishing.gone = True  # Ana's client closed; daphne has not said so yet
        cy_tab = communicator(shared_list.pk, cookie=cy_cookie)
        await cy_tab.connect()  # a presence change reaches Ana's consumer first
        seen = [await receive(ben_tab, "presence") for _ in range(2)]
        attempts_after_presence = vanishing.attempts
        await database_sync_to_async(add_item)(shared_list, ben.user)
        await receive(ben_tab, "event")
        crashed = ana_tab.future.done() and ana_tab.future.exception()
        attempts_after_event = vanishing.attempts
        await ana_tab.send_input({"type": "websocket.disconnect", "code": 1006})
        await ana_tab.wait(timeout=5)
        for comm in (ben_tab, cy_tab):
            await comm.disconnect()
        return seen, crashed, attempts_after_presence, attempts_after_event

    seen, crashed, attempts_after_presence, attempts_after_event = run(scenario)
    assert not crashed
    # Cy joined, then Ana's gone socket left presence (nobody waits for her tab to expire).
    assert [v["name"] for v in seen[0]["viewers"]] == ["Ana", "Ben", "Cy"]
    assert [v["name"] for v in seen[1]["viewers"]] == ["Ben", "Cy"]
    # One failed send, then nothing more was tried: the list's events no longer reach it.
    assert attempts_after_presence == attempts_after_event == 1
