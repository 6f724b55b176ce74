"""What a list socket costs per frame and per connect: work that was there for nothing."""

from __future__ import annotations

import uuid

import pytest
import structlog
from channels.sessions import InstanceSessionWrapper

from families.tests.factories import MembershipFactory
from grocer.testing import printed_by_fresh_python, run_coroutine
from lists.consumers import ListConsumer
from lists.tests.factories import GroceryListFactory
from lists.tests.realtime import communicator, receive, run, session_cookie


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_socket_frames_skip_the_session_saving_wrapper(monkeypatch):
    """The session is loaded at the handshake; no frame goes through channels' wrapper.

    That wrapper only ever saves on `http.response.start`, yet read the session through a
    lazy object for every frame a socket sent.
    """
    ana = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=ana.family)
    cookie = session_cookie(ana.user)

    async def wrapped_send(self, message):
        raise AssertionError(f"a socket frame went through the session wrapper: {message}")

    monkeypatch.setattr(InstanceSessionWrapper, "send", wrapped_send)

    async def scenario():
        comm = communicator(grocery_list.pk, cookie=cookie)
        connected, _ = await comm.connect()
        assert connected
        await comm.send_json_to({"type": "catch_up", "last_seq": 0})
        caught_up = await receive(comm, "caught_up")
        await comm.disconnect()
        return caught_up

    assert run(scenario) == {"type": "caught_up", "seq": 0}


def test_a_forwarded_event_is_sent_with_its_request_id_bound_and_then_unbound():
    """Lines logged while forwarding carry the writer's request id; later lines do not."""
    seen: list[dict] = []
    consumer = ListConsumer()

    async def base_send(message: dict) -> None:
        seen.append(structlog.contextvars.get_contextvars())

    consumer.base_send = base_send
    consumer.language = "en"
    message = {
        "type": "list.event",
        "list_id": "list",
        "event_id": str(uuid.uuid4()),
        "seq": 3,
        "lang": "en",
        "request_id": "write-7",
    }
    structlog.contextvars.bind_contextvars(request_id="the-socket-s-own")
    try:
        run_coroutine(consumer.list_event(dict(message)))
        assert structlog.contextvars.get_contextvars()["request_id"] == "the-socket-s-own"
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    assert [context.get("request_id") for context in seen] == ["write-7"]


def test_autobahn_debug_lines_are_not_coloured_per_frame():
    import autobahn.util

    from grocer import wslogs

    wslogs.install()
    assert autobahn.util.hl("peer") == "peer"
    assert autobahn.util.hltype(test_autobahn_debug_lines_are_not_coloured_per_frame).startswith(
        "<lists.tests"
    )


def test_the_served_application_installs_the_autobahn_setting():
    # In a process of its own: loading grocer.asgi freezes the collector's objects.
    code = "import autobahn.util, grocer.asgi; print(autobahn.util._HAS_CLICK)"
    assert printed_by_fresh_python(code) == "False"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_closing_socket_makes_no_hop_to_the_thread_sensitive_thread(monkeypatch):
    """channels closes that thread's old connections on every disconnect; none are ours."""
    import channels.generic.websocket

    ana = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=ana.family)
    cookie = session_cookie(ana.user)
    hops: list[str] = []

    async def close_old_connections():
        hops.append("close_old_connections")

    monkeypatch.setattr(channels.generic.websocket, "aclose_old_connections", close_old_connections)

    async def scenario():
        comm = communicator(grocery_list.pk, cookie=cookie)
        await comm.connect()
        await comm.send_json_to({"type": "catch_up", "last_seq": 0})
        await receive(comm, "caught_up")
        await comm.disconnect()
        await comm.wait(timeout=5)  # the consumer has finished

    run(scenario)
    assert hops == []


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_connect_and_its_first_catch_up_cost_three_hops_and_two_statements(monkeypatch):
    """User (from the cache), access check, re-check after joining the groups: nothing more.

    The first catch-up replays up to the seq the re-check read; its events come from the
    stream kept in Redis, so it asks the database nothing.
    """
    from django.db import connection

    from lists import consumers
    from lists.services import list_event_record
    from lists.tests.factories import ListItemFactory

    ana = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=ana.family)
    cookie = session_cookie(ana.user)
    for name in ("milk", "eggs"):
        item = ListItemFactory(grocery_list=grocery_list, name=name)
        list_event_record(
            grocery_list=grocery_list,
            type="item.added",
            actor=ana.user,
            payload={"item_id": str(item.pk)},
        )
    real_socket_db = consumers.socket_db
    hops: list[str] = []
    statements: list[str] = []

    def counted_socket_db(func):
        def counted(*args, **kwargs):
            hops.append(func.__name__)

            def count(execute, sql, params, many, context):
                statements.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                return func(*args, **kwargs)

        return real_socket_db(counted)

    async def connect_and_catch_up():
        comm = communicator(grocery_list.pk, cookie=cookie)
        await comm.connect()
        await comm.send_json_to({"type": "catch_up", "last_seq": 0})
        replayed = [(await receive(comm, "event"))["seq"] for _ in range(2)]
        caught_up = await receive(comm, "caught_up")
        await comm.disconnect()
        await comm.wait(timeout=5)
        return replayed, caught_up

    run(connect_and_catch_up)  # the user row and the events' renders are kept now
    monkeypatch.setattr(consumers, "socket_db", counted_socket_db)
    replayed, caught_up = run(connect_and_catch_up)

    assert replayed == [1, 2] and caught_up == {"type": "caught_up", "seq": 2}
    assert hops == ["get_user", "_family_id_if_member", "_member_list_seq"]
    assert len(statements) == 2, statements
