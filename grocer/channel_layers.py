"""channels-redis' pub/sub channel layer, plus the outage signal it lacks.

`RedisPubSubChannelLayer` sends a group message with one PUBLISH; each process holds one
subscriber connection and fans the message out to its sockets' in-process queues. It is
much cheaper than the list-based layer (bench/README.md, "Fan-out"), but when Redis goes
away nothing tells the sockets: `receive()` waits on its queue forever, the library's
receive task only logs the error, and redis-py re-subscribes quietly once Redis is back.
Messages published in between are lost without anyone knowing.

This subclass watches the subscriber connection and tells every channel of the process:

- the connection failed and did not come back within `outage_grace` seconds: each
  channel's `receive()` raises `redis.exceptions.ConnectionError`, as the list-based
  layer's blocking pop does when Redis is down, so a consumer closes the same way
  (the list socket: 4503, the page shows "paused", retries and catches up);
- it came back (within the grace: a Redis restart): the subscriptions are re-made, and
  each channel receives `{"type": "channel_layer.resumed", "resumption": <id>}` so that
  its consumer can find out what was published meanwhile (the list socket sends the
  list's seq; the page catches up). Sockets stay open across a restart.

A connection that goes quiet is PINGed, so one whose peer vanished without a reset is
noticed too. A channel created while Redis is down fails on its first `receive()` the
same way.
Subscriptions left behind by channels and groups that went away during an outage are
dropped once the connection is back.

A publication can also be held back from the sockets of the process that made it
(`hold_local_delivery`): a list event published by a write is sent to this server's own
sockets once the writer's answer is out, while every other server fans it out at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close, decode_hosts
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# The message type every channel receives when its subscriptions were re-made after a
# break: a consumer handles it in `channel_layer_resumed`.
RESUMED = "channel_layer.resumed"

# What a shard puts into the channels' queues instead of a message from Redis.
_LOST = object()


# Payloads this process is publishing whose delivery to its own channels waits, with
# the messages heard meanwhile (and the shard that heard each). Written by request
# threads before they publish, read and emptied on the event loop: single dict
# operations, atomic under the GIL.
_held: dict[bytes, list[tuple[_Shard, dict]]] = {}


def hold_local_delivery(payload: bytes) -> Callable[[], None]:
    """Keep `payload`, about to be PUBLISHed by this process, from its own channels.

    Call before publishing; returns the release, which delivers what was heard
    meanwhile. Call the release on the event loop (`grocer.asgi_handler.
    on_response_sent`); until then the other processes' channels get the message as
    usual and this process's wait.
    """
    _held[payload] = []

    def release() -> None:
        for shard, message in _held.pop(payload, ()):
            shard.deliver(message)

    return release


class _Resumed:
    """The subscriptions are back; `id` names this recovery (consumers may share work)."""

    def __init__(self) -> None:
        self.id = uuid.uuid4().hex


# Publications whose decoded message is kept for the other channels of the process.
DECODED_LIMIT = 64

# Seconds between attempts to get the subscriber connection back.
RECONNECT_INTERVAL = 0.25


class _Shard(RedisSingleShardConnection):
    """One Redis host's connections; its receive task reports breaks and recoveries."""

    def __init__(self, host, channel_layer: PubSubLoopLayer) -> None:
        super().__init__(host, channel_layer)
        self._failed_at: float | None = None  # loop time of the first failure of a break
        self._lost = False  # the break outlasted the grace and the channels were told
        self._heard_at = 0.0  # loop time the subscriber connection last delivered anything
        self._pinged_at: float | None = None  # a PING is waiting for its answer since

    async def publish(self, channel, message) -> None:
        """PUBLISH, once more on a new connection if the pooled one was dropped.

        After a Redis restart the process's idle publishing connections are closed by the
        server; the first publish on each used to fail, and its event waited for the pages'
        catch-up. Only a connection error is retried (a slow Redis is not waited for
        twice); a second PUBLISH of a message that did get through is harmless (pages drop
        a seq they have, presence is the whole set of viewers).
        """
        async with self._lock:
            self._ensure_redis()
            try:
                await self._redis.publish(channel, message)
            except RedisConnectionError:
                # Not the subscriber's connection (in use): only the idle pooled ones.
                await self._redis.connection_pool.disconnect(inuse_connections=False)
                await self._redis.publish(channel, message)

    def _receive_message(self, message) -> None:
        if message is not None and _held:
            waiting = _held.get(message["data"])
            if waiting is not None:
                waiting.append((self, message))
                return
        self.deliver(message)

    def deliver(self, message) -> None:
        super()._receive_message(message)

    async def _do_receiving(self) -> None:
        loop = asyncio.get_running_loop()
        self._heard_at = loop.time()
        while True:
            try:
                if self._pubsub and self._pubsub.subscribed:
                    # Reconnects (and re-subscribes, redis-py's on_connect) after a break.
                    message = await self._pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=0.1
                    )
                    if message is not None:  # a publication or the answer to a PING
                        self._heard_at, self._pinged_at = loop.time(), None
                    if self._failed_at is not None:
                        await self._recovered()
                    self._receive_message(message)
                    await self._check_alive(loop.time())
                else:
                    await asyncio.sleep(0.1)
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except Exception:
                # Any other error, a builtin TimeoutError included: had it ended this
                # task (as the library's does), the process would stop receiving silently.
                now = loop.time()
                if self._failed_at is None:
                    self._failed_at = now
                    logger.warning("Channel layer lost its Redis subscriber connection")
                elif not self._lost and now - self._failed_at >= self.channel_layer.outage_grace:
                    self._lost = True
                    logger.warning("Redis still unreachable: closing this process's sockets")
                    self.channel_layer.tell_channels(_LOST)
                await asyncio.sleep(RECONNECT_INTERVAL)

    async def _check_alive(self, now: float) -> None:
        """PING a quiet subscriber connection; no answer in time counts as a break.

        A connection whose peer vanished without a reset (a host gone, a NAT or load
        balancer dropping an idle flow) never fails a read: the process would wait for
        publications forever. The list-based layer notices through its pop's read timeout.
        """
        layer = self.channel_layer
        if self._pinged_at is None:
            if now - self._heard_at >= layer.ping_interval:
                self._pinged_at = now
                async with self._lock:
                    await self._pubsub.ping()
        elif now - self._pinged_at >= layer.ping_timeout:
            self._heard_at, self._pinged_at = now, None
            # Reconnected (and re-subscribed) by the next read, or failed like any break.
            await self._pubsub.connection.disconnect()
            raise RedisConnectionError("No answer to a PING on the subscriber connection")

    async def _recovered(self) -> None:
        await self._prune()
        logger.info("Channel layer's Redis subscriber connection is back")
        self._failed_at = None
        self._lost = False
        # Anything published during the break reached no one in this process.
        self.channel_layer.tell_channels(_Resumed())

    async def _prune(self) -> None:
        """Unsubscribe from channels and groups that went away while Redis was down."""
        async with self._lock:
            wanted = set(self.channel_layer.channels) | set(self.channel_layer.groups)
            stale = [name for name in self._subscribed_to if name not in wanted]
            if stale:
                await self._pubsub.unsubscribe(*stale)
                self._subscribed_to.difference_update(stale)


class PubSubLoopLayer(RedisPubSubLoopLayer):
    """The layer of one event loop: channels' queues, groups and the shards."""

    def __init__(
        self,
        hosts=None,
        *,
        outage_grace: float = 2.0,
        ping_interval: float = 5.0,
        ping_timeout: float = 5.0,
        **kwargs,
    ) -> None:
        super().__init__(hosts, **kwargs)
        self.outage_grace = outage_grace
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self._shards = [_Shard(host, self) for host in decode_hosts(hosts)]
        self._decoded: OrderedDict[int, tuple[bytes, dict]] = OrderedDict()

    def tell_channels(self, signal: object) -> None:
        for queue in self.channels.values():
            queue.put_nowait(signal)

    async def _subscribe_to_channel(self, channel: str) -> None:
        self.channels[channel] = queue = asyncio.Queue()
        try:
            await self._get_shard(channel).subscribe(channel)
        except RedisError:
            # Redis is down: the consumer hears of it from its first receive(), after
            # it has accepted its socket (so that a page gets a close code it knows).
            queue.put_nowait(_LOST)

    async def receive(self, channel: str) -> dict:
        if channel not in self.channels:
            await self._subscribe_to_channel(channel)
        queue = self.channels[channel]
        try:
            message = await queue.get()
        except (TimeoutError, asyncio.CancelledError, GeneratorExit):
            # The consumer is exiting (as in the library).
            await self._forget(channel, unsubscribe=True)
            raise
        if message is _LOST:
            # Redis is down: unsubscribing would fail; _prune drops it on recovery.
            await self._forget(channel, unsubscribe=False)
            # A consumer ended by this error does not get to leave its groups (the
            # list-based layer's memberships expire in Redis; these are in memory).
            self._leave_groups(channel)
            raise RedisConnectionError("Channel layer lost its Redis subscriber connection")
        if isinstance(message, _Resumed):
            return {"type": RESUMED, "resumption": message.id}
        return self._deserialize(message)

    def _deserialize(self, raw: bytes) -> dict:
        """The message, decoded once per publication for all the channels of the process.

        A group message's bytes are put as they are into every member channel's queue;
        decoding them per channel was most of a fan-out's cost in a presence storm
        (bench/README.md, "A 5-second-late event"). Each channel gets its own copy of the
        top-level dict; nested values are shared (consumers only read them).
        """
        kept = self._decoded.get(id(raw))
        if kept is None or kept[0] is not raw:
            kept = (raw, self.channel_layer.deserialize(raw))
            # Keeping `raw` keeps its id from being reused while the entry lives.
            self._decoded[id(raw)] = kept
            while len(self._decoded) > DECODED_LIMIT:
                self._decoded.popitem(last=False)
        return dict(kept[1])

    def _leave_groups(self, channel: str) -> None:
        """Take `channel` out of every group; a group left empty is unsubscribed by _prune."""
        for name in [name for name, members in self.groups.items() if channel in members]:
            self.groups[name].discard(channel)
            if not self.groups[name]:
                del self.groups[name]

    async def _forget(self, channel: str, *, unsubscribe: bool) -> None:
        if self.channels.pop(channel, None) is None or not unsubscribe:
            return
        try:
            await self._get_shard(channel).unsubscribe(channel)
        except asyncio.CancelledError:
            pass  # cancelled again (the server is stopping): the caller re-raises
        except Exception:
            # Not re-raised: the CancelledError is the one that matters.
            logger.warning("Could not unsubscribe a channel", exc_info=True)

    async def group_discard(self, group: str, channel: str) -> None:
        # The in-process part is done before the UNSUBSCRIBE that may fail with Redis
        # down; the subscription is then dropped on recovery (_prune). A socket closed
        # by an outage leaves its groups without an error.
        with contextlib.suppress(RedisError):
            await super().group_discard(group, channel)


class PubSubChannelLayer(RedisPubSubChannelLayer):
    """`RedisPubSubChannelLayer` whose channels hear of a Redis outage (module docstring).

    CONFIG as for channels-redis' pub/sub layer, plus `outage_grace` (seconds a broken
    subscriber connection may take to come back before the sockets are closed), and
    `ping_interval` / `ping_timeout` (a subscriber connection quiet for `ping_interval`
    seconds is sent a PING; no answer within `ping_timeout` is a break).
    """

    def group_publish_channel(self, group: str) -> str | None:
        """The Redis channel `group_send(group, ...)` PUBLISHes to, for a publisher that
        is not on an event loop; None when messages are sharded over several hosts."""
        hosts = self._kwargs.get("hosts") or (self._args[0] if self._args else None)
        if not hosts or len(hosts) != 1:
            return None
        prefix = self._kwargs.get("prefix", "asgi")
        return f"{prefix}__group__{group}"  # RedisPubSubLoopLayer._get_group_channel_name

    def _get_layer(self) -> PubSubLoopLayer:
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = PubSubLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
            return layer
