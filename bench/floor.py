"""The floor under propagation: what the same Redis costs with nothing of ours on top.

1. A bare channel-layer round trip: `group_send` to a group of one channel, then
   `receive` on that channel, through the layer the servers use (`GROCER_CHANNEL_LAYER`,
   `grocer.env.redis_channel_layer`): the floor the propagation ratio is taken against.
2. A bare Redis PUBLISH -> subscriber message.
3. The same round trip as 1 through each layer: the pub/sub one (the default,
   `grocer.channel_layers`) and channels-redis' list-based one.

All run sequentially (one message in flight), in this process, on this run's prefix.
"""

from __future__ import annotations

import asyncio
import time

from .stats import summary_ms


def _layer(*, redis_url: str, prefix: str, choice: str | None):
    """The layer `grocer.env.redis_channel_layer` configures (for `choice`, else the env's)."""
    import os
    from unittest import mock

    from django.utils.module_loading import import_string

    from grocer.env import redis_channel_layer

    env = {"GROCER_CHANNEL_LAYER": choice} if choice else {}
    with mock.patch.dict(os.environ, env):
        config = redis_channel_layer(redis_url, prefix=f"{prefix}:floor")
    return config["BACKEND"], import_string(config["BACKEND"])(**config["CONFIG"])


async def channel_layer_round_trips(
    *, redis_url: str, prefix: str, count: int, choice: str | None = None
) -> dict:
    backend, layer = _layer(redis_url=redis_url, prefix=prefix, choice=choice)
    channel = await layer.new_channel()
    group = "floor"
    await layer.group_add(group, channel)
    samples = []
    try:
        for i in range(count + 10):
            start = time.perf_counter()
            await layer.group_send(group, {"type": "floor.ping", "i": i})
            message = await asyncio.wait_for(layer.receive(channel), timeout=5)
            elapsed = time.perf_counter() - start
            assert message["i"] == i
            if i >= 10:  # the first few open connections and load scripts
                samples.append(elapsed)
    finally:
        await layer.group_discard(group, channel)
        await layer.flush()  # the pub/sub layer's flush also closes its connections
        if hasattr(layer, "close_pools"):
            await layer.close_pools()
    return {"backend": backend, **summary_ms(samples)}


async def redis_pubsub_round_trips(*, redis_url: str, prefix: str, count: int) -> dict:
    import redis.asyncio

    publisher = redis.asyncio.Redis.from_url(redis_url)
    subscriber = redis.asyncio.Redis.from_url(redis_url)
    pubsub = subscriber.pubsub()
    topic = f"{prefix}:floor:pubsub"
    await pubsub.subscribe(topic)
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    samples = []
    try:
        for i in range(count + 10):
            start = time.perf_counter()
            await publisher.publish(topic, str(i))
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
                if message is None:
                    raise TimeoutError("PUBLISH was not delivered within 5 s")
                if message["data"] == str(i).encode():
                    break
            elapsed = time.perf_counter() - start
            if i >= 10:
                samples.append(elapsed)
    finally:
        await pubsub.unsubscribe(topic)
        await pubsub.aclose()
        await publisher.aclose()
        await subscriber.aclose()
    return summary_ms(samples)


async def measure(*, redis_url: str, prefix: str, count: int) -> dict:
    return {
        # The layer the servers of this run use.
        "channel_layer": await channel_layer_round_trips(
            redis_url=redis_url, prefix=prefix, count=count
        ),
        "redis_pubsub": await redis_pubsub_round_trips(
            redis_url=redis_url, prefix=prefix, count=count
        ),
        # Each layer on the same Redis, whichever this run uses.
        "pubsub_channel_layer": await channel_layer_round_trips(
            redis_url=redis_url, prefix=prefix, count=count, choice="pubsub"
        ),
        "list_channel_layer": await channel_layer_round_trips(
            redis_url=redis_url, prefix=prefix, count=count, choice="list"
        ),
    }
