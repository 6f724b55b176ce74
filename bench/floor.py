"""The floor under propagation: what the same Redis costs with nothing of ours on top.

1. A bare channel-layer round trip: `group_send` to a group of one channel, then
   `receive` on that channel, through channels-redis with the app's configuration.
2. A bare Redis PUBLISH -> subscriber message.
3. The same round trip as 1 through channels-redis' pub/sub layer.

Both run sequentially (one message in flight), in this process, on this run's prefix.
"""

from __future__ import annotations

import asyncio
import time

from .stats import summary_ms


async def channel_layer_round_trips(
    *, redis_url: str, prefix: str, count: int, pubsub: bool = False
) -> dict:
    from channels_redis.core import RedisChannelLayer
    from channels_redis.pubsub import RedisPubSubChannelLayer

    kind = RedisPubSubChannelLayer if pubsub else RedisChannelLayer
    layer = kind(hosts=[redis_url], prefix=f"{prefix}:floor")
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
        if not pubsub:
            await layer.close_pools()
    return summary_ms(samples)


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
        "channel_layer": await channel_layer_round_trips(
            redis_url=redis_url, prefix=prefix, count=count
        ),
        "redis_pubsub": await redis_pubsub_round_trips(
            redis_url=redis_url, prefix=prefix, count=count
        ),
        # The pub/sub channel layer (GROCER_CHANNEL_LAYER=pubsub) on the same Redis.
        "pubsub_channel_layer": await channel_layer_round_trips(
            redis_url=redis_url, prefix=prefix, count=count, pubsub=True
        ),
    }
