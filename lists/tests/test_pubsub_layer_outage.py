"""The pub/sub channel layer tells its channels about Redis outages (grocer.channel_layers).

channels-redis' own pub/sub layer does not: a `receive()` waits on an in-process queue
through an outage, and messages published while its subscriber connection was down are
lost without a sign. Runs against a redis-server these tests stop and start themselves.
"""

from __future__ import annotations

import asyncio

import pytest
import redis
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError

from families.tests.factories import MembershipFactory
from grocer import channel_layers
from grocer.channel_layers import RESUMED, PubSubChannelLayer
from lists import consumers
from lists.models import GroceryList
from lists.tests.factories import GroceryListFactory
from lists.tests.realtime import communicator, receive, run, session_cookie

WAIT = 10  # seconds any one step may take on a loaded machine


def layer_on(server, **config) -> PubSubChannelLayer:
    return PubSubChannelLayer(hosts=[{"address": server.url}], prefix="t", **config)


async def published_to(layer, group: str, message: dict) -> None:
    """Send from another process's layer (fresh connections, as after a restart)."""
    await layer.group_send(group, message)
    await layer.flush()


async def next_message(layer, channel: str) -> dict:
    return await asyncio.wait_for(layer.receive(channel), WAIT)


def subscriptions(server) -> set[str]:
    client = redis.Redis.from_url(server.url)
    try:
        return {name.decode() for name in client.pubsub_channels()}
    finally:
        client.close()


def test_a_restart_within_the_grace_keeps_channels_and_says_so(private_redis):
    async def scenario():
        layer = layer_on(private_redis, outage_grace=WAIT * 3)
        channel = await layer.new_channel()
        await layer.group_add("g", channel)
        await published_to(layer_on(private_redis), "g", {"type": "m", "n": 1})
        assert (await next_message(layer, channel))["n"] == 1

        private_redis.stop()
        private_redis.start()  # empty: the subscriptions are made again

        # What was published during the break reached no one: the channel is told.
        assert (await next_message(layer, channel))["type"] == RESUMED
        await published_to(layer_on(private_redis), "g", {"type": "m", "n": 2})
        assert (await next_message(layer, channel))["n"] == 2
        await layer.flush()

    run(scenario)


def test_an_outage_beyond_the_grace_fails_receive_then_recovers(private_redis):
    async def scenario():
        layer = layer_on(private_redis, outage_grace=0.5)
        leaving, ended = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("old", leaving)
        await layer.group_add("old", ended)
        await layer.group_add("older", ended)
        private_redis.stop()

        # As the list-based layer's blocking pop does when Redis is down.
        for channel in (leaving, ended):
            with pytest.raises(RedisConnectionError):
                await next_message(layer, channel)
        # A consumer that leaves its groups then gets no error while Redis is down; one
        # ended by the error (`ended`) is out of its groups anyway.
        await layer.group_discard("old", leaving)
        assert layer._get_layer().groups == {}
        # A channel made during the outage fails on its first receive, too.
        during = await layer.new_channel()
        with pytest.raises(RedisConnectionError):
            await next_message(layer, during)

        private_redis.start()
        fresh = await layer.new_channel()
        await layer.group_add("new", fresh)
        await published_to(layer_on(private_redis), "new", {"type": "m", "n": 3})
        message = await next_message(layer, fresh)
        if message["type"] == RESUMED:  # made before the receive task saw Redis back
            message = await next_message(layer, fresh)
        assert message["n"] == 3

        # What went away during the outage is unsubscribed once Redis is back.
        wanted = {fresh, layer._get_layer()._get_group_channel_name("new")}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while subscriptions(private_redis) != wanted and loop.time() < deadline:
            await asyncio.sleep(0.1)
        assert subscriptions(private_redis) == wanted
        await layer.flush()

    run(scenario)


class FreezingProxy:
    """A TCP proxy to Redis that can go silent without closing anything.

    Frozen, it stops relaying on the connections it has (as a vanished host or a NAT
    that dropped the flow would: no reset, reads just never complete) and closes new
    ones at once (nothing listens there any more).
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.running = asyncio.Event()
        self.running.set()
        self.pipes: list[asyncio.Task] = []

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}/0"

    def freeze(self) -> None:
        self.running.clear()

    def thaw(self) -> None:
        self.running.set()

    async def _relay(self, reader, writer) -> None:
        if not self.running.is_set():
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)

        async def pipe(source, sink) -> None:
            while data := await source.read(65536):
                await self.running.wait()  # frozen: held, never delivered
                sink.write(data)
                await sink.drain()
            sink.close()

        self.pipes += [
            asyncio.ensure_future(pipe(reader, up_writer)),
            asyncio.ensure_future(pipe(up_reader, writer)),
        ]

    async def close(self) -> None:
        self.server.close()
        for task in self.pipes:
            task.cancel()
        await asyncio.gather(*self.pipes, return_exceptions=True)


def test_a_subscriber_connection_gone_silent_is_noticed(private_redis):
    """No reset, no error: only the PING the layer sends a quiet connection finds out."""

    async def scenario():
        proxy = FreezingProxy(private_redis.port)
        url = await proxy.start()
        layer = PubSubChannelLayer(
            hosts=[{"address": url, "socket_connect_timeout": 1}],
            prefix="t",
            outage_grace=0.5,
            ping_interval=0.5,
            ping_timeout=0.5,
        )
        channel = await layer.new_channel()
        await layer.group_add("g", channel)
        await published_to(layer_on(private_redis), "g", {"type": "m", "n": 1})
        assert (await next_message(layer, channel))["n"] == 1

        proxy.freeze()
        with pytest.raises(RedisConnectionError):
            await next_message(layer, channel)

        proxy.thaw()
        fresh = await layer.new_channel()
        await layer.group_add("g", fresh)
        await published_to(layer_on(private_redis), "g", {"type": "m", "n": 2})
        message = await next_message(layer, fresh)
        if message["type"] == RESUMED:
            message = await next_message(layer, fresh)
        assert message["n"] == 2
        await layer.flush()
        await proxy.close()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_sockets_told_the_layer_resumed_get_the_lists_seq(private_redis, settings, monkeypatch):
    """The list socket answers "resumed" with a heartbeat carrying the list's seq, read
    once per list for all the process's sockets (they all hear of it at the same time)."""
    monkeypatch.setenv("GROCER_CHANNEL_LAYER", "pubsub")
    from grocer.env import redis_channel_layer

    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(private_redis.url, prefix="t:asgi")}
    reads = []
    list_seq = consumers._list_seq

    def counted_list_seq(list_id):
        reads.append(list_id)
        return list_seq(list_id)

    monkeypatch.setattr(consumers, "_list_seq", counted_list_seq)
    ana = MembershipFactory()
    grocery_list = GroceryListFactory(family=ana.family)
    cookie = session_cookie(ana.user)

    async def scenario():
        sockets = []
        for _ in range(3):
            comm = communicator(grocery_list.pk, cookie=cookie)
            assert (await comm.connect())[0]
            await comm.send_json_to({"type": "catch_up", "last_seq": 0})
            await receive(comm, "caught_up")
            sockets.append(comm)
        # Two events committed while the subscription was broken: never delivered.
        await database_sync_to_async(GroceryList.objects.filter(pk=grocery_list.pk).update)(
            last_seq=2
        )
        reads.clear()
        get_channel_layer()._get_layer().tell_channels(channel_layers._Resumed())
        beats = [await receive(comm, "heartbeat") for comm in sockets]
        for comm in sockets:
            await comm.disconnect()
        return beats

    assert run(scenario) == [{"type": "heartbeat", "seq": 2}] * 3
    assert reads == [str(grocery_list.pk)]


def test_the_first_publish_after_a_restart_is_sent_not_left_to_catch_up(private_redis):
    """A process's pooled publishing connection is stale after a Redis restart: the
    publish is tried once more on a new one instead of failing (and leaving the event to
    the pages' catch-up)."""

    async def scenario():
        receiver = layer_on(private_redis, outage_grace=WAIT * 3)
        channel = await receiver.new_channel()
        await receiver.group_add("g", channel)
        sender = layer_on(private_redis)
        await sender.group_send("g", {"type": "m", "n": 1})  # its pooled connection is open
        assert (await next_message(receiver, channel))["n"] == 1

        private_redis.stop()
        private_redis.start()
        assert (await next_message(receiver, channel))["type"] == RESUMED  # re-subscribed

        await sender.group_send("g", {"type": "m", "n": 2})
        assert (await next_message(receiver, channel))["n"] == 2
        await sender.flush()
        await receiver.flush()

    run(scenario)
