"""`GROCER_CHANNEL_LAYER` chooses the channel layer (bench/README.md, "Fan-out")."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from grocer.env import redis_channel_layer


def test_the_pub_sub_layer_with_an_outage_signal_is_the_default(monkeypatch):
    monkeypatch.delenv("GROCER_CHANNEL_LAYER", raising=False)
    layer = redis_channel_layer("redis://127.0.0.1:6379/0", prefix="p")
    assert layer["BACKEND"] == "grocer.channel_layers.PubSubChannelLayer"
    assert layer["CONFIG"]["prefix"] == "p"
    assert layer["CONFIG"]["hosts"][0]["address"] == "redis://127.0.0.1:6379/0"


def test_list_selects_channels_redis_list_based_layer_on_the_same_redis(monkeypatch):
    monkeypatch.setenv("GROCER_CHANNEL_LAYER", "list")
    layer = redis_channel_layer("redis://127.0.0.1:6379/0", prefix="p")
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert layer["CONFIG"]["prefix"] == "p"
    assert layer["CONFIG"]["hosts"][0]["address"] == "redis://127.0.0.1:6379/0"


def test_an_unknown_choice_is_refused(monkeypatch):
    monkeypatch.setenv("GROCER_CHANNEL_LAYER", "lists")
    with pytest.raises(ImproperlyConfigured):
        redis_channel_layer("redis://127.0.0.1:6379/0", prefix="p")
