"""One `environ.Env` for the whole project, and the service probes the settings share."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A `.env` next to manage.py is optional; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def service_reachable(url: str, *, default_port: int, timeout: float = 0.3) -> bool:
    """True when something accepts TCP connections at the host and port of `url`."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def redis_channel_layer(url: str, *, prefix: str) -> dict:
    """The `CHANNEL_LAYERS["default"]` entry for the channel layer on the Redis at `url`.

    By default channels-redis' pub/sub layer with an outage signal of its own
    (`grocer.channel_layers`): one PUBLISH per group message, one subscription per
    process and group, fanned out in-process. bench/README.md ("Fan-out") measures it
    against channels-redis' list-based layer, which `GROCER_CHANNEL_LAYER=list` selects.
    Both are at-most-once; the catch-up protocol covers what a socket misses.

    The list-based layer waits for a socket's next message with a blocking pop of
    `brpop_timeout` seconds (5), on a connection whose read timeout is redis-py's
    `socket_timeout` (also 5 s by default since redis-py 6). A read timeout that is not
    longer than the pop makes every idle `receive()` raise TimeoutError, which the list
    socket takes for an outage. A stopped server still fails at once (its connections
    are reset) and connecting has its own short timeout.
    """
    from channels_redis.core import RedisChannelLayer
    from django.core.exceptions import ImproperlyConfigured

    choice = env("GROCER_CHANNEL_LAYER", default="pubsub")
    if choice not in ("pubsub", "list"):
        raise ImproperlyConfigured(f"GROCER_CHANNEL_LAYER must be pubsub or list, not {choice!r}")
    if choice == "pubsub":
        return {
            "BACKEND": "grocer.channel_layers.PubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": url, "socket_connect_timeout": 2}],
                "prefix": prefix,
            },
        }
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": url,
                    "socket_timeout": RedisChannelLayer.brpop_timeout + 10,
                    "socket_connect_timeout": 2,
                }
            ],
            "prefix": prefix,
        },
    }
