"""The one place that sends list changes to the channel layer.

Delivery is at-most-once: a lost message is recovered by the page's catch-up from
ListEvent, so a channel-layer failure is logged and never fails the write.

A message is rendered once, here, by the publisher (the row HTML every open page
swaps in), and consumers only forward it: N viewers cost one render, not N. The
publisher also keeps the rendered message in a bounded per-list sorted set in Redis
(the "event stream"), so a catch-up re-sends what was rendered instead of rendering
every missed event again for every reconnecting socket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import redis
from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import translation

from grocer import logs, metrics
from grocer.asgi_handler import on_response_sent
from grocer.channel_layers import PubSubChannelLayer, hold_local_delivery

from .models import ListEvent, ListItem
from .rendering import render_activity_entry, render_item_row
from .sentences import event_sentence

logger = logging.getLogger(__name__)

# Item events name their item in payload["item_id"]; the page swaps (or removes) its row.
ITEM_EVENT_TYPES = frozenset(
    {
        "item.added",
        "item.updated",
        "item.status_changed",
        "item.assigned",
        "item.deleted",
        "item.restored",
        "item.photo_changed",
        "item.photo_removed",
    }
)
# --- sending from synchronous code ------------------------------------------------------

PUBLISH_TIMEOUT = 5.0
_publisher_loop: asyncio.AbstractEventLoop | None = None
_publisher_pid: int | None = None
_publisher_lock = threading.Lock()


def _in_server_thread() -> bool:
    """True in the thread a server (daphne) runs sync views in: asgiref knows its loop."""
    local = SyncToAsync.threadlocal
    return (
        getattr(local, "main_event_loop", None) is not None
        and getattr(local, "main_event_loop_pid", None) == os.getpid()
    )


def _publisher() -> asyncio.AbstractEventLoop:
    """This process's long-lived event loop for sending, in a daemon thread."""
    global _publisher_loop, _publisher_pid
    with _publisher_lock:
        if _publisher_loop is None or _publisher_pid != os.getpid():  # new, or forked
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="list-events", daemon=True).start()
            _publisher_loop, _publisher_pid = loop, os.getpid()
        return _publisher_loop


def group_send(group: str, message: dict[str, Any]) -> None:
    """`channel_layer.group_send` from synchronous code.

    In a sync view under daphne, async_to_sync hands the send to the server's own loop.
    Anywhere else (a Celery worker, a management command) async_to_sync would start a new
    event loop for every call, and channels-redis, whose connections belong to a loop,
    would connect to Redis again each time: 18 ms per event in the bench's worker
    profile. There a long-lived loop does the sending, over the same connections.
    """
    layer = get_channel_layer()
    if _in_server_thread():
        async_to_sync(layer.group_send)(group, message)
        return
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _publisher())
    future.result(timeout=PUBLISH_TIMEOUT)


def list_group_name(list_id: UUID | str) -> str:
    return f"list-{list_id}"


def member_group_name(*, user_id: UUID | str, family_id: UUID | str) -> str:
    """The group of one user's sockets on one family's lists (used to revoke them)."""
    return f"user-{user_id}-family-{family_id}"


def _item_id(event: ListEvent) -> str | None:
    item_id = (event.payload or {}).get("item_id")
    return str(item_id) if item_id else None


def items_for_events(events: Iterable[ListEvent]) -> dict[str, ListItem]:
    """The current state of every item the events name, alive or soft-deleted, in one query."""
    ids = {item_id for event in events if (item_id := _item_id(event))}
    if not ids:
        return {}
    items = ListItem.all_objects.select_related("assigned_to", "grocery_list", "photo").filter(
        pk__in=ids
    )
    return {str(item.pk): item for item in items}


def _render_row(item: ListItem | None, members: list | None) -> str | None:
    """The row as the page renders it, or None when there is no row to show any more."""
    if item is None or item.deleted_at is not None:
        return None
    return render_item_row(item=item, members=members)


def event_message(
    event: ListEvent,
    *,
    items: dict[str, ListItem] | None = None,
    members: list | None = None,
) -> dict[str, Any]:
    """The JSON-serializable message for one event, as sent to the list's group.

    `items` (from `items_for_events`) and `members` (the family's, for the assign
    control) let catch-up render a batch without queries per event; the row is the
    item's current state, which is what the page must converge to.
    """
    if items is None:
        items = items_for_events([event])
    item_id = _item_id(event)
    item = items.get(item_id) if item_id else None
    return {
        "type": "list.event",
        "list_id": str(event.grocery_list_id),
        "event_id": str(event.id),
        "seq": event.seq,
        "event_type": event.type,
        "actor": event.actor_label,
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "payload": event.payload,
        "item_id": item_id,
        "category": item.category if item else None,
        "html": _render_row(item, members) if event.type in ITEM_EVENT_TYPES else None,
        "activity_html": render_activity_entry(event=event),
        "summary": event_sentence(event, item=item),
        # The language the texts above are in (the writer's): a socket whose member reads
        # another one gets them rendered again in theirs (see `event_texts_in`).
        "lang": translation.get_language(),
    }


EVENT_TEXTS = ("html", "activity_html", "summary", "lang")


def event_texts_in(*, event_id: UUID | str, language: str) -> dict[str, Any] | None:
    """The event's texts (row, feed entry, announcement) rendered in `language`.

    For the sockets of members who read another language than the writer's; None
    when the event is gone.
    """
    event = ListEvent.objects.select_related("grocery_list").filter(pk=event_id).first()
    if event is None:
        return None
    with translation.override(language):
        message = event_message(event)
    return {key: message[key] for key in EVENT_TEXTS}


# --- the per-list stream of rendered messages, for catch-up -----------------------------

# As many as a catch-up replays (consumers.CATCH_UP_LIMIT); beyond that the page reloads.
STREAM_LENGTH = 200
# A list nobody writes to for an hour drops its stream; catch-up renders from ListEvent.
STREAM_TTL = 3600

_stream_clients: dict[tuple[int, str], Any] = {}


def stream_key(list_id: UUID | str) -> str:
    return f"{settings.REDIS_KEY_PREFIX}:events:list:{list_id}"


def _stream_redis():
    """A synchronous client per process and URL (redis-py pools are thread-safe)."""
    import redis

    key = (os.getpid(), settings.REDIS_URL)
    client = _stream_clients.get(key)
    if client is None:
        client = _stream_clients.setdefault(
            key,
            redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
            ),
        )
    return client


def stream_store(messages: Iterable[dict[str, Any]]) -> None:
    """Keep rendered messages for catch-ups (best effort: a hole is rendered from ListEvent).

    Scored by seq, so publishers in several processes may store out of order. The same
    seq stored twice (a catch-up rendered it before its publisher got to it) is two
    members with one score; readers keep one.
    """
    if not settings.REDIS_URL:
        return
    by_list: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        by_list.setdefault(message["list_id"], []).append(message)
    if not by_list:
        return
    try:
        pipe = _stream_redis().pipeline(transaction=False)
        _stream_commands(pipe, by_list)
        pipe.execute()
    except Exception:  # Redis down: catch-up falls back to rendering from ListEvent
        logger.warning("Could not keep rendered list events for catch-up", exc_info=True)


def _stream_commands(pipe, by_list: dict[str, list[dict[str, Any]]]) -> None:
    for list_id, batch in by_list.items():
        key = stream_key(list_id)
        pipe.zadd(key, {json.dumps(m, separators=(",", ":")): m["seq"] for m in batch})
        pipe.zremrangebyrank(key, 0, -(STREAM_LENGTH + 1))
        pipe.expire(key, STREAM_TTL)


def store_and_publish(group: str, message: dict[str, Any]) -> None:
    """Keep a list event for catch-ups and send it to the list's pages (raises if neither).

    With the pub/sub layer on one Redis, both go out from this thread in one pipeline:
    the ZADD first, so a page that hears the event and catches up finds it kept. That
    is the PUBLISH `group_send` would make, without handing it to the server's event
    loop (where it waited behind the frames that loop was sending, and the request's
    thread waited for it) and without the layer's one publishing connection per
    process, which serialized every write's publish. Anything else (the in-memory
    layer of `make run`, the list-based layer, several Redis hosts) takes the layer's
    own `group_send`.
    """
    layer = get_channel_layer()
    channel = None
    if settings.REDIS_URL and isinstance(layer, PubSubChannelLayer):
        channel = layer.group_publish_channel(group)
    if channel is None:
        stream_store([message])
        group_send(group, message)
        return
    payload = layer.serialize(message)
    # Served by this process: its own sockets get the event once the writer's answer is
    # out (bench/README.md, "The writer's answer before its own server's fan-out").
    release = hold_local_delivery(payload)
    if not on_response_sent(release):
        release()
    for attempt in (1, 2):
        pipe = _stream_redis().pipeline(transaction=False)
        _stream_commands(pipe, {message["list_id"]: [message]})
        pipe.publish(channel, payload)
        try:
            pipe.execute()
            return
        except redis.ConnectionError:
            # An idle pooled connection the server dropped (a Redis restart): once more
            # on a new one. Kept twice or published twice is harmless (pages drop a seq
            # they have; the stream keeps one member per message).
            if attempt == 2:
                raise


async def stream_read(list_id: UUID | str, *, after: int) -> dict[int, dict[str, Any]]:
    """The kept messages of the list with seq > `after`, by seq; {} when Redis fails."""
    if not settings.REDIS_URL:
        return {}
    from .presence import _redis

    try:
        raw = await _redis().zrangebyscore(stream_key(list_id), f"({after}", "+inf")
    except Exception:
        logger.warning("Could not read kept list events", exc_info=True)
        return {}
    messages: dict[int, dict[str, Any]] = {}
    for member in raw:
        message = json.loads(member)
        messages.setdefault(message["seq"], message)
    return messages


def publish_list_event(
    *, event_id: UUID | str, event: ListEvent | None = None, item: ListItem | None = None
) -> None:
    """Send a committed event to every open page of its list (called on commit).

    The list's cached items need no deleting: they are stamped with the seq they were
    read at, and this event's seq, committed with it, already makes them a miss for
    every page loaded after it (lists/cache.py). That was a Redis round trip per write.
    `event` and `item`, as the write left them in memory (the item with its relations
    the row shows already set), spare reading them back: the hot paths publish without
    a query.
    """
    committed = time.perf_counter()  # called on commit: this is the commit's moment
    if event is None:
        event = ListEvent.objects.select_related("grocery_list").filter(pk=event_id).first()
        if event is None:
            return
    try:
        # Only the event's own item: a row missing from `items` would be removed from pages.
        own = item is not None and str(item.pk) == _item_id(event)
        items = {str(item.pk): item} if own else None
        message = event_message(event, items=items)
    except Exception:  # a broken partial must not fail the write; catch-up re-renders
        logger.exception("Could not render list event %s", event_id)
        return
    # The write's request id, so the consumers' lines about this event carry it too.
    message["request_id"] = logs.current_request_id()
    try:
        store_and_publish(list_group_name(event.grocery_list_id), message)
    except Exception:  # Redis down or slow: pages catch up from ListEvent later
        metrics.channel_layer_errors.labels("group_send").inc()
        logger.warning("Could not publish list event %s", event_id, exc_info=True)
        return
    metrics.list_events_published.labels(event.type).inc()
    metrics.event_propagation.labels("publish").observe(time.perf_counter() - committed)


def publish_membership_revoked(*, family_id: UUID | str, user_id: UUID | str) -> None:
    """Close every socket the user has open on the family's lists (called on commit)."""
    try:
        group_send(
            member_group_name(user_id=user_id, family_id=family_id),
            {"type": "membership.revoked", "family_id": str(family_id)},
        )
    except Exception:  # the consumer also re-checks membership on every reconnect
        logger.warning(
            "Could not revoke sockets of user %s in family %s", user_id, family_id, exc_info=True
        )


def revoke_member_sockets(family_id: UUID | str, user_id: UUID | str) -> None:
    """`families.services.ON_MEMBERSHIP_REVOKED` callback (positional, called on commit)."""
    publish_membership_revoked(family_id=family_id, user_id=user_id)
