"""The list page's socket: authorize once at connect, then only forward.

Protocol (JSON text frames):

client -> server
  {"type": "catch_up", "last_seq": N}   on every (re)connect: replay events after N
  {"type": "heartbeat"}                 every ~20 s: keeps the tab in the presence set

server -> client
  {"type": "event", "seq", "event_type", "actor", "item_id", "category", "html",
   "activity_html", "summary", "payload"}        one ListEvent, live or replayed
  {"type": "caught_up", "seq": N}                the replay is complete up to N
  {"type": "reload"}                             the gap is too large: reload the page
  {"type": "presence", "viewers": [{"id", "name", "you"}]}

Close codes: 4401 not logged in, 4404 no such list for this user (another family's
list included), 4403 membership revoked while connected, 4503 live updates are
unavailable (Redis down): the page retries with backoff.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time

import structlog
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from redis.exceptions import RedisError

from families.models import Membership
from grocer import metrics

from . import presence
from .events import event_message, items_for_events, list_group_name, member_group_name
from .models import GroceryList, ListEvent
from .selectors import family_members

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_REVOKED = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_UNAVAILABLE = 4503
# Replaying more than this costs more than reloading the page.
CATCH_UP_LIMIT = 200
MEMBERSHIP_RECHECK = 10  # seconds; live.js sends a heartbeat every 20


def _list_family_id(list_id) -> str | None:
    family_id = (
        GroceryList.objects.filter(pk=list_id, family__deleted_at__isnull=True)
        .values_list("family_id", flat=True)
        .first()
    )
    return str(family_id) if family_id else None


def _is_member(*, user, family_id: str) -> bool:
    return Membership.objects.filter(user=user, family_id=family_id).exists()


def _catch_up_messages(*, list_id: str, last_seq: int) -> list[dict] | None:
    """Messages for the events after `last_seq`, oldest first; None if the page must reload."""
    row = GroceryList.all_objects.filter(pk=list_id).values_list("last_seq", "family_id").first()
    if row is None:
        return None
    current, family_id = row
    if last_seq > current:
        # The page is ahead of the database (restored backup, deleted list): start over.
        return None
    if current - last_seq > CATCH_UP_LIMIT:
        return None
    events = list(
        ListEvent.objects.filter(grocery_list_id=list_id, seq__gt=last_seq).order_by("seq")[
            : CATCH_UP_LIMIT + 1
        ]
    )
    if len(events) > CATCH_UP_LIMIT:
        return None
    if not events:
        return []
    items = items_for_events(events)
    members = family_members(family_id=family_id)
    return [event_message(event, items=items, members=members) for event in events]


def client_event(message: dict) -> dict:
    """What the page gets for a channel-layer list event: the message minus routing keys."""
    return {
        "type": "event",
        **{key: value for key, value in message.items() if key not in ("type", "list_id")},
    }


class ListConsumer(AsyncJsonWebsocketConsumer):
    # Set by connect(); disconnect() may run without it (a socket dropped mid-handshake).
    joined: list[str] = []
    tab: presence.Tab | None = None
    last_membership_check = 0.0
    counted = False  # in grocer_websockets_open

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except (RedisError, OSError):
            # The channel layer lost Redis under an open socket. Close it with a code the
            # page understands, instead of an internal error: it retries with backoff and
            # catches up once Redis is back.
            metrics.channel_layer_errors.labels("consumer").inc()
            logger.warning("Channel layer failed; closing a list socket", exc_info=True)
            with contextlib.suppress(Exception):
                await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE})

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
        self.list_id = str(self.scope["url_route"]["kwargs"]["list_id"])
        self.family_id = family_id = await database_sync_to_async(_list_family_id)(self.list_id)
        if family_id is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        try:
            # Join the revocation group before checking membership, so a removal that
            # commits between the check and the join cannot be missed.
            await self._join(member_group_name(user_id=user.pk, family_id=family_id))
            if not await database_sync_to_async(_is_member)(user=user, family_id=family_id):
                await self.close(code=CLOSE_NOT_FOUND)
                return
            await self._join(list_group_name(self.list_id))
            self.tab = presence.Tab(
                list_id=self.list_id,
                user_id=str(user.pk),
                name=user.name,
                channel_name=self.channel_name,
            )
            await self._broadcast_presence(await presence.touch(self.tab))
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

    async def disconnect(self, code: int) -> None:
        if self.counted:
            self.counted = False
            metrics.websockets_open.dec()
            metrics.websocket_disconnects.labels(str(code)).inc()
        await self._leave()

    async def _leave(self) -> None:
        """Stop receiving the list's events and drop out of its presence set."""
        joined, self.joined = list(self.joined), []
        tab, self.tab = self.tab, None
        try:
            for group in joined:
                await self.channel_layer.group_discard(group, self.channel_name)
            if tab is not None:
                await self._broadcast_presence(await presence.leave(tab))
        except Exception:  # group memberships and presence entries expire on their own
            metrics.channel_layer_errors.labels("leave").inc()
            logger.warning("Could not clean up a list socket", exc_info=True)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        # Anything but a JSON text frame is ignored rather than allowed to crash the socket.
        if text_data is None:
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs) -> None:
        if self.tab is None or not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "catch_up":
            await self._catch_up(content.get("last_seq"))
        elif kind == "heartbeat":
            # Revocation is pushed at once; this re-check covers a push lost to an outage.
            # At most one query per socket per MEMBERSHIP_RECHECK seconds, however chatty.
            now = time.monotonic()
            if now - self.last_membership_check >= MEMBERSHIP_RECHECK:
                self.last_membership_check = now
                if not await database_sync_to_async(_is_member)(
                    user=self.user, family_id=self.family_id
                ):
                    await self._leave()
                    await self.close(code=CLOSE_REVOKED)
                    return
            try:
                viewers = await presence.touch(self.tab)
            except Exception:
                logger.warning("Presence heartbeat failed", exc_info=True)
                return
            if viewers != self.last_viewers:
                # Someone's tab expired (or joined through a message we missed).
                await self._broadcast_presence(viewers)

    async def _catch_up(self, last_seq) -> None:
        if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
            await self.send_json({"type": "error", "detail": "last_seq must be an integer >= 0"})
            return
        # Live events that arrive meanwhile wait in this channel and are forwarded after
        # the replay; the page drops any seq it has already rendered.
        messages = await database_sync_to_async(_catch_up_messages)(
            list_id=self.list_id, last_seq=last_seq
        )
        if messages is None:
            await self.send_json({"type": "reload"})
            return
        for message in messages:
            await self.send_json(client_event(message))
        await self.send_json(
            {"type": "caught_up", "seq": messages[-1]["seq"] if messages else last_seq}
        )

    async def _broadcast_presence(self, viewers: list[dict]) -> None:
        await self.channel_layer.group_send(
            list_group_name(self.list_id), {"type": "presence.changed", "viewers": viewers}
        )

    # --- channel-layer handlers -------------------------------------------------------

    async def list_event(self, message: dict) -> None:
        received = time.perf_counter()
        # Lines logged while forwarding carry the id of the request that made the change.
        with structlog.contextvars.bound_contextvars(request_id=message.get("request_id")):
            await self.send_json(client_event(message))
        metrics.event_propagation.labels("deliver").observe(time.perf_counter() - received)

    async def presence_changed(self, message: dict) -> None:
        self.last_viewers = message["viewers"]
        you = str(self.user.pk)
        viewers = [{**viewer, "you": viewer["id"] == you} for viewer in message["viewers"]]
        await self.send_json({"type": "presence", "viewers": viewers})

    async def membership_revoked(self, message: dict) -> None:
        await self._leave()
        await self.close(code=CLOSE_REVOKED)
