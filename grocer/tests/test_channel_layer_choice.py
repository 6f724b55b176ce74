"""`GROCER_CHANNEL_LAYER` chooses the channels-redis layer (bench/README.md, "Fan-out")."""

from __future__ import annotations

from grocer.env import redis_channel_layer


def test_the_list_based_layer_is_the_default(monkeypatch):
    monkeypatch.delenv("GROCER_CHANNEL_LAYER", raising=False)
    layer = redis_channel_layer("redis://127.0.0.1:6379/0", prefix="p")
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"


def test_pubsub_selects_the_pub_sub_layer_on_the_same_redis(monkeypatch):
    monkeypatch.setenv("GROCER_CHANNEL_LAYER", "pubsub")
    layer = redis_channel_layer("redis://127.0.0.1:6379/0", prefix="p")
    assert layer["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert layer["CONFIG"]["prefix"] == "p"
    assert layer["CONFIG"]["hosts"][0]["address"] == "redis://127.0.0.1:6379/0"
