"""The list page's socket: authorize once at connect, then only forward.

Protocol (JSON text frames):

client -> server
  {"type": "catch_up", "last_seq": N}   on every (re)connect: replay events after N
  {"type": "heartbeat"}                 every GROCER_LIVE_HEARTBEAT_SECONDS (20): keeps
                                        the tab in the presence set and the socket in
                                        the list's groups (Redis may have restarted empty)

server -> client
  {"type": "event", "seq", "event_type", "actor", "item_id", "category", "html",
   "activity_html", "summary", "payload"}        one ListEvent, live or replayed
  {"type": "caught_up", "seq": N}                the replay is complete up to N
  {"type": "reload"}                             the gap is too large: reload the page
  {"type": "presence", "viewers": [{"id", "name", "you"}]}   when the viewers change
  {"type": "heartbeat", "seq": N}                the answer: the list's last seq, so a page
                                                 that missed events (silently) catches up

Close codes: 4401 not logged in, 4404 no such list for this user (another family's
list included), 4403 membership revoked while connected, 4503 live updates are
unavailable (Redis down): the page retries with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

import structlog
from asgiref.sync import SyncToAsync
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections
from django.http import Http404
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from redis.exceptions import RedisError

from grocer import metrics
from grocer.dbcheck import closed_while_idle
from grocer.i18n import supported_language
from grocer.jsonbody import parse_json
from grocer.problems import ProblemError

from . import presence
from .access import access_list
from .events import (
    event_message,
    event_texts_in,
    items_for_events,
    list_group_name,
    member_group_name,
    stream_read,
    stream_store,
)
from .fanout import Inbox, ListFanout, fanout_for
from .models import GroceryList, ListEvent
from .selectors import family_members

try:  # what daphne (autobahn) raises when a socket's client is already gone
    from autobahn.exception import Disconnected as _ClientGone
except ImportError:  # another ASGI server
    _ClientGone = RuntimeError

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_REVOKED = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_UNAVAILABLE = 4503
# Replaying more than this costs more than reloading the page.
CATCH_UP_LIMIT = 200
# Seconds after a presence frame during which further changes are folded into one.
PRESENCE_WINDOW = 0.25

# --- database work off the event loop ---------------------------------------------------
#
# Channels' `database_sync_to_async` is thread-sensitive by default: every socket of a
# process then queues its queries on ONE thread, and closes the connection after every
# call (CONN_MAX_AGE is 0 under daphne), so each query also pays a new PostgreSQL
# connection. Under reconnect churn that thread was the bottleneck. Socket work runs
# instead on a small pool of its own whose threads keep their connection for a while:
# the number of connections stays bounded (SOCKET_DB_THREADS per process).
SOCKET_DB_THREADS = 4
SOCKET_CONN_MAX_AGE = 60.0  # seconds a pool thread keeps its connection
_socket_db_pool = ThreadPoolExecutor(
    max_workers=SOCKET_DB_THREADS, thread_name_prefix="list-socket-db"
)


def _recycle_connections() -> None:
    """Drop broken or old connections of this pool thread; keep the rest for the next call."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and getattr(conn, "socket_pool_conn", None) is not (
            conn.connection
        ):
            # Django set close_at from CONN_MAX_AGE (0: "now") when it connected.
            conn.close_at = time.monotonic() + SOCKET_CONN_MAX_AGE
            conn.socket_pool_conn = conn.connection
        if (
            conn.connection is not None
            and conn.vendor == "postgresql"
            and not conn.in_atomic_block
            and closed_while_idle(conn.connection)
        ):
            # The server closed it while it was kept (a restart): drop it now rather than
            # fail the socket that would use it next.
            conn.close()
        conn.close_if_unusable_or_obsolete()


_socket_db_used = False


def close_socket_connections() -> None:
    """Close the connections the socket pool's threads keep (tests: before dropping the DB)."""
    global _socket_db_used
    if not _socket_db_used:
        return
    # Every pool thread runs exactly one of these: each waits for all the others.
    barrier = threading.Barrier(SOCKET_DB_THREADS)

    def close() -> None:
        connections.close_all()
        barrier.wait(timeout=10)

    for future in [_socket_db_pool.submit(close) for _ in range(SOCKET_DB_THREADS)]:
        future.result()
    _socket_db_used = False


class _SocketDatabaseSyncToAsync(SyncToAsync):
    def thread_handler(self, loop, *args, **kwargs):
        global _socket_db_used
        _socket_db_used = True
        _recycle_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            _recycle_connections()


def socket_db(func):
    """`database_sync_to_async` for the list socket: the socket pool, connections kept."""
    return _SocketDatabaseSyncToAsync(func, thread_sensitive=False, executor=_socket_db_pool)


def membership_recheck() -> float:
    """Seconds between membership checks on heartbeats: every heartbeat, at most."""
    return presence.heartbeat_interval() / 2


def _family_id_if_member(*, user, list_id: str) -> str | None:
    """The list's family id if `user` may see the list (`lists.access`), else None."""
    try:
        grocery_list, _ = access_list(user=user, list_id=list_id)
    except Http404:
        return None
    return str(grocery_list.family_id)


def _member_list_seq(*, user, list_id: str) -> int | None:
    """The list's last seq if `user` may see the list (`lists.access`), else None."""
    try:
        grocery_list, _ = access_list(user=user, list_id=list_id)
    except Http404:
        return None
    return grocery_list.last_seq


def _heartbeat_state(*, user, list_id: str) -> tuple[bool, int]:
    """(still a member of the list's family, the list's last seq) in one query.

    A list deleted meanwhile is not a revocation: its page hears of that as an event.
    """
    seq = (
        GroceryList.all_objects.for_member(user)
        .filter(pk=list_id)
        .values_list("last_seq", flat=True)
        .first()
    )
    return (seq is not None, seq or 0)


def _list_seq(list_id: str) -> int | None:
    return GroceryList.all_objects.filter(pk=list_id).values_list("last_seq", flat=True).first()


def _render_events(*, list_id: str, seqs: list[int]) -> list[dict]:
    """Messages for these seqs of the list, rendered from ListEvent, and kept for the next one.

    The rows are the items' current state, which is what the page must converge to.
    """
    events = list(
        ListEvent.objects.select_related("grocery_list")
        .filter(grocery_list_id=list_id, seq__gte=min(seqs), seq__lte=max(seqs))
        .order_by("seq")
    )
    wanted = set(seqs)
    events = [event for event in events if event.seq in wanted]
    if not events:
        return []
    items = items_for_events(events)
    members = family_members(family_id=events[0].grocery_list.family_id)
    messages = [event_message(event, items=items, members=members) for event in events]
    stream_store(messages)
    return messages


# Events rendered again in another language than the writer's, shared by the sockets of
# one process (a family reading two languages re-renders each event once per process).
_TRANSLATED_LIMIT = 512
_translated: OrderedDict[tuple[str, str], dict | None] = OrderedDict()


def socket_language(scope: dict, user) -> str:
    """The language a socket's page is in: the member's setting, else the browser's."""
    chosen = supported_language(getattr(user, "language", ""))
    if chosen:
        return chosen
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    for code, _quality in parse_accept_lang_header(accept):
        with contextlib.suppress(LookupError):
            return translation.get_supported_language_variant(code)
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


# The list's seq read once per list when the channel layer's subscriptions came back
# (`channel_layer_resumed`), keyed by that recovery's id and the list.
_RESUMED_SEQS_LIMIT = 512
_resumed_seqs: OrderedDict[tuple[str | None, str], asyncio.Future] = OrderedDict()


def client_event(message: dict) -> dict:
    """What the page gets for a channel-layer list event: the message minus routing keys."""
    return {
        "type": "event",
        **{key: value for key, value in message.items() if key not in ("type", "list_id")},
    }


# --- frames encoded once per process ----------------------------------------------------
#
# A daphne process gets a group message once and hands it to every local socket: encoding
# the frame per socket was most of a delivery's CPU (bench/README.md, "Fan-out: encode
# once"). Frames are kept per (event, language) and per presence change, shared by the
# sockets of the process (they all run on its one event loop).
_FRAMES_LIMIT = 256
_event_frames: OrderedDict[tuple[str, str], str] = OrderedDict()
_presence_frames: OrderedDict[str, tuple[list[str], dict[str, int]]] = OrderedDict()


def _kept(cache: OrderedDict, key, make):
    """`cache[key]`, made by `make()` the first time; the oldest entries go past the limit."""
    try:
        value = cache[key]
    except KeyError:
        value = cache[key] = make()
        while len(cache) > _FRAMES_LIMIT:
            cache.popitem(last=False)
    return value


def event_frame(message: dict, language: str) -> str:
    """The text frame of a live event for pages in `language` (after `_in_page_language`).

    Keyed by the event's id: a live event is published once. Catch-up's messages may be
    rendered again from the item's current state, so they are never taken from here.
    """
    event_id = message.get("event_id")
    if not event_id:
        return json.dumps(client_event(message))
    return _kept(_event_frames, (event_id, language), lambda: json.dumps(client_event(message)))


def presence_frame(message: dict, you: str) -> str:
    """The presence frame for the viewer `you`: the same for every socket but "you".

    Each viewer's entry is encoded once per presence change (`id`); a socket only joins
    them, with its own viewer's entry encoded again with "you": true.
    """
    viewers = message["viewers"]
    change = message.get("id")

    def parts() -> tuple[list[str], dict[str, int]]:
        entries = [json.dumps({**viewer, "you": False}) for viewer in viewers]
        return entries, {viewer["id"]: n for n, viewer in enumerate(viewers)}

    entries, index = _kept(_presence_frames, change, parts) if change else parts()
    if (n := index.get(you)) is not None:
        entries = entries.copy()
        entries[n] = json.dumps({**viewers[n], "you": True})
    return '{"type": "presence", "viewers": [' + ", ".join(entries) + "]}"


# The propagation histogram's "deliver" series, looked up once (a lock per lookup).
_delivered = metrics.event_propagation.labels("deliver")


class ListConsumer(AsyncJsonWebsocketConsumer):
    # Set by connect(); disconnect() may run without it (a socket dropped mid-handshake).
    joined: list[str] = []
    tab: presence.Tab | None = None
    last_membership_check = 0.0
    counted = False  # in grocer_websockets_open
    # The list's seq read by connect() after joining its group, for the first catch-up.
    connect_seq: int | None = None
    # Set once a send found the client gone: nothing more is sent to it.
    gone = False
    language = ""  # the page's, set by connect()
    # presence_changed(): the task that sends the changes folded during a window, if any.
    _presence_window: asyncio.Future | None = None
    _presence_pending: dict | None = None
    # The list's fan-out this socket gets the list's events from, once connected.
    fanout: ListFanout | None = None

    async def __call__(self, scope, receive, send) -> None:
        async def send_unless_gone(message) -> None:
            """Send to the client, unless it is gone: then leave groups and presence quietly.

            A group message (presence, an event) can reach this consumer after the client
            closed but before daphne delivered the disconnect; daphne then raises "Attempt
            to send on a closed protocol", which would crash the consumer. Leaving the
            groups stops further deliveries; the disconnect that follows finds nothing to do.
            """
            if self.gone:
                return
            try:
                await send(message)
            except _ClientGone:
                self.gone = True
                logger.info("A list socket's client is gone; leaving its groups")
                await self._leave()

        try:
            await self._consume(scope, receive, send_unless_gone)
        except (RedisError, OSError):
            # The channel layer lost Redis under an open socket. Close it with a code the
            # page understands, instead of an internal error: it retries with backoff and
            # catches up once Redis is back.
            metrics.channel_layer_errors.labels("consumer").inc()
            logger.warning("Channel layer failed; closing a list socket", exc_info=True)
            with contextlib.suppress(Exception):
                await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE})
        finally:
            # However this consumer ended, its list's fan-out stops handing it events.
            if self.fanout is not None:
                self.fanout.leave_nowait(self.inbox)
                self.fanout = None

    async def _consume(self, scope, receive, send) -> None:
        """channels' `AsyncConsumer.__call__`, with an `Inbox` for its dispatch loop."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            sources.append(self.channel_receive)
        self.base_send = send
        self.inbox = Inbox(self.dispatch)
        with contextlib.suppress(StopConsumer):
            await self.inbox.serve(sources)

    async def dispatch(self, message) -> None:
        """channels' dispatch without its `aclose_old_connections()` before every handler.

        That call is a hop to the one thread-sensitive sync thread of the process, for
        every message of every socket: a list event to 200 sockets queued 200 hops
        through that thread (bench/README.md, "A 5-second-late event"). This consumer
        holds no connection there: its queries run in `socket_db`'s pool, which recycles
        its own connections, and channels' `database_sync_to_async` (the session and user
        at connect) closes old connections around each call already.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.joined = []
        self.tab = None
        self.last_viewers: list[dict] | None = None
        # Accept first, so that a refusal reaches the page as a close code it can act on.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.language = socket_language(self.scope, user)
        self.list_id = str(self.scope["url_route"]["kwargs"]["list_id"])
        self.family_id = family_id = await socket_db(_family_id_if_member)(
            user=user, list_id=self.list_id
        )
        if family_id is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        try:
            # Join the revocation group before checking membership again, so a removal
            # that commits between the check and the join cannot be missed. The list's
            # fan-out too (it is in the list's group once `join` returns): every event
            # after the seq this check reads then comes live, and
            # the page's first catch-up replays up to that seq without asking for it
            # again (`_missed_messages`). A refused socket is closed before it forwards
            # anything: its handlers run one at a time, this one first.
            await self._join(member_group_name(user_id=user.pk, family_id=family_id))
            self.fanout = fanout_for(self.channel_layer, list_group_name(self.list_id))
            await self.fanout.join(self.inbox)
            seq = await socket_db(_member_list_seq)(user=user, list_id=self.list_id)
            if seq is None:
                await self._leave()
                await self.close(code=CLOSE_NOT_FOUND)
                return
            self.connect_seq = seq
            self.tab = presence.Tab(
                list_id=self.list_id,
                user_id=str(user.pk),
                name=user.name,
                channel_name=self.channel_name,
            )
            change = await presence.join(self.tab)
            if change.changed:
                await self._broadcast_presence(change.viewers)
            else:  # a second tab of someone already viewing: only this page needs to know
                await self.presence_changed({"viewers": change.viewers})
            self.counted = True
            metrics.websockets_open.inc()
            metrics.websocket_connects.inc()
        except Exception:  # Redis down: the page shows "paused" and retries
            metrics.channel_layer_errors.labels("connect").inc()
            logger.warning("Live updates unavailable for list %s", self.list_id, exc_info=True)
            await self.close(code=CLOSE_UNAVAILABLE)

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined.append(group)

    async def websocket_disconnect(self, message) -> None:
        """channels' websocket_disconnect without its `aclose_old_connections()`.

        That is a hop to the process's one thread-sensitive sync thread for every socket
        that closes (about 13 a second under reconnect churn), to close connections that
        thread holds for someone else: this consumer's queries run in `socket_db`'s pool,
        which recycles its own. (Its groups are `self.joined`, left by `disconnect`;
        channels' `groups` attribute stays empty.)
        """
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, code: int) -> None:
        if self._presence_window is not None:
            self._presence_window.cancel()
        if self.counted:
            self.counted = False
            metrics.websockets_open.dec()
            metrics.websocket_disconnects.labels(str(code)).inc()
        await self._leave()

    async def _leave(self) -> None:
        """Stop receiving the list's events and drop out of its presence set."""
        joined, self.joined = list(self.joined), []
        tab, self.tab = self.tab, None
        fanout, self.fanout = self.fanout, None
        try:
            if fanout is not None:
                await fanout.leave(self.inbox)
            for group in joined:
                await self.channel_layer.group_discard(group, self.channel_name)
            if tab is not None:
                change = await presence.leave(tab)
                if change.changed:
                    await self._broadcast_presence(change.viewers)
        except Exception:  # group memberships and presence entries expire on their own
            metrics.channel_layer_errors.labels("leave").inc()
            logger.warning("Could not clean up a list socket", exc_info=True)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        # Anything but a JSON text frame is ignored rather than allowed to crash the socket.
        if text_data is None:
            return
        try:
            # The one JSON reader: a deeply nested or NUL-carrying frame is dropped too.
            content = parse_json(text_data.encode("utf-8", "surrogatepass"), expect=dict)
        except ProblemError:
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs) -> None:
        if self.tab is None or not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "catch_up":
            await self._catch_up(content.get("last_seq"))
        elif kind == "heartbeat":
            await self._heartbeat()

    async def _heartbeat(self) -> None:
        # Revocation is pushed at once; this re-check covers a push lost to an outage.
        # At most one query per socket per membership_recheck(), however chatty.
        seq = None
        now = time.monotonic()
        if now - self.last_membership_check >= membership_recheck():
            self.last_membership_check = now
            member, seq = await socket_db(_heartbeat_state)(user=self.user, list_id=self.list_id)
            if not member:
                await self._leave()
                await self.close(code=CLOSE_REVOKED)
                return
        viewers = None
        try:
            # Redis may have restarted empty since connect(): its group memberships are
            # gone, and nothing would tell this socket. Adding to a group is idempotent.
            for group in self.joined:
                await self.channel_layer.group_add(group, self.channel_name)
            if self.fanout is not None:
                await self.fanout.refresh()
            viewers = await presence.touch(self.tab)
        except Exception:
            logger.warning("Heartbeat could not refresh groups or presence", exc_info=True)
        # The list's last seq lets the page see that it missed something and catch up.
        await self.send_json({"type": "heartbeat", "seq": seq})
        if viewers is not None and viewers != self.last_viewers:
            # Someone's tab expired (or joined through a message we missed).
            await self._broadcast_presence(viewers)

    async def _catch_up(self, last_seq) -> None:
        if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
            await self.send_json({"type": "error", "detail": "last_seq must be an integer >= 0"})
            return
        # Live events that arrive meanwhile wait in this channel and are forwarded after
        # the replay; the page drops any seq it has already rendered.
        messages = await self._missed_messages(last_seq)
        if messages is None:
            await self.send_json({"type": "reload"})
            return
        for message in messages:
            await self.send_json(client_event(await self._in_page_language(message)))
        await self.send_json(
            {"type": "caught_up", "seq": messages[-1]["seq"] if messages else last_seq}
        )

    async def _missed_messages(self, last_seq: int) -> list[dict] | None:
        """The events after `last_seq`: kept renders from Redis, the rest rendered here.

        Costs one query for the list's seq when the stream has them all: no rendering,
        however many sockets catch up at once.
        """
        # The first catch-up after connect replays up to the seq read then, after the
        # socket had joined the list's group: what came later arrives live. A page ahead
        # of that seq (it saw a later one in an answer of its own) reads it afresh.
        current, self.connect_seq = self.connect_seq, None
        if current is None or last_seq > current:
            current = await socket_db(_list_seq)(self.list_id)
        if current is None or last_seq > current or current - last_seq > CATCH_UP_LIMIT:
            # Ahead of the database (restored backup, deleted list), or too far behind.
            return None
        if current == last_seq:
            return []
        kept = await stream_read(self.list_id, after=last_seq)
        wanted = range(last_seq + 1, current + 1)
        missing = [seq for seq in wanted if seq not in kept]
        if missing:
            for message in await socket_db(_render_events)(list_id=self.list_id, seqs=missing):
                kept[message["seq"]] = message
        return [kept[seq] for seq in wanted if seq in kept]

    async def _broadcast_presence(self, viewers: list[dict]) -> None:
        await self.channel_layer.group_send(
            list_group_name(self.list_id),
            # `id` lets each process encode the frame once for all its sockets.
            {"type": "presence.changed", "viewers": viewers, "id": uuid.uuid4().hex},
        )

    # --- channel-layer handlers -------------------------------------------------------

    async def _in_page_language(self, message: dict) -> dict:
        """The message with its texts in this page's language (the writer's may differ)."""
        if not self.language or message.get("lang") in (None, self.language):
            return message
        if not message.get("event_id"):
            return message
        key = (message["event_id"], self.language)
        if key in _translated:
            _translated.move_to_end(key)
        else:
            _translated[key] = await socket_db(event_texts_in)(
                event_id=message["event_id"], language=self.language
            )
            while len(_translated) > _TRANSLATED_LIMIT:
                _translated.popitem(last=False)
        texts = _translated[key]
        return {**message, **texts} if texts else message

    async def list_event(self, message: dict) -> None:
        received = time.perf_counter()
        message = await self._in_page_language(message)
        # Lines logged while forwarding carry the id of the request that made the change.
        # Set and reset by token: `bound_contextvars` copies the whole context to save
        # and restore one key, per socket and event (a tenth of a delivery's CPU).
        tokens = structlog.contextvars.bind_contextvars(request_id=message.get("request_id"))
        try:
            await self.send(text_data=event_frame(message, self.language))
        finally:
            structlog.contextvars.reset_contextvars(**tokens)
        _delivered.observe(time.perf_counter() - received)

    async def presence_changed(self, message: dict) -> None:
        """Send the viewers at once, then at most one frame per PRESENCE_WINDOW.

        Each frame is the whole set of viewers, so only the latest matters. When N
        members open a list at once every join is a change: N frames of N viewers to each
        of N sockets. At 200 that backlog took daphne ~20 s to send and the list's events
        queued behind it (bench/README.md, "A 5-second-late event"). Changes that come
        within the window of the last frame are folded into one frame at its end.
        """
        self.last_viewers = message["viewers"]
        if self._presence_window is not None:
            self._presence_pending = message
            return
        await self._send_presence(message)
        self._presence_window = asyncio.ensure_future(self._presence_trailing())

    async def _presence_trailing(self) -> None:
        try:
            while True:
                await asyncio.sleep(PRESENCE_WINDOW)
                message, self._presence_pending = self._presence_pending, None
                if message is None:
                    return
                await self._send_presence(message)
        except asyncio.CancelledError:
            raise
        except Exception:  # the next change or heartbeat sends the viewers again
            logger.warning("Could not send a list socket's presence", exc_info=True)
        finally:
            self._presence_window = None

    async def _send_presence(self, message: dict) -> None:
        await self.send(text_data=presence_frame(message, str(self.user.pk)))

    async def list_fanout_lost(self, message: dict) -> None:
        """The list's fan-out broke (`lists.fanout`): the page reconnects and catches up.

        Only the close, here in the fan-out's turn: leaving presence may wait on a Redis
        that is down, and would hold up the other sockets. The disconnect that follows
        leaves, in this socket's own turn.
        """
        await self.close(code=CLOSE_UNAVAILABLE)

    async def membership_revoked(self, message: dict) -> None:
        await self._leave()
        await self.close(code=CLOSE_REVOKED)

    async def channel_layer_resumed(self, message: dict) -> None:
        """The layer's subscription to Redis broke and was re-made (grocer.channel_layers).

        Whatever was published meanwhile never reached this socket: the list's seq, sent
        as a heartbeat answer, lets the page see that it is behind and catch up. Every
        socket of the process hears of it at once: one query per list, not per socket.
        """
        if self.tab is None:
            return
        key = (message.get("resumption"), self.list_id)
        if (query := _resumed_seqs.get(key)) is None:
            query = _resumed_seqs[key] = asyncio.ensure_future(socket_db(_list_seq)(self.list_id))
            while len(_resumed_seqs) > _RESUMED_SEQS_LIMIT:
                _resumed_seqs.popitem(last=False)
        seq = await asyncio.shield(query)
        if seq is not None:
            await self.send_json({"type": "heartbeat", "seq": seq})
