"""One channel per list and process: a list's group messages reach its sockets in one pass.

Each list socket used to be a member of its list's group itself. The channel layer then
queued every event once per socket, and each socket's task woke up to take it from its
queue, decode its copy and dispatch it: about a third of what a delivery cost daphne at
200 sockets (bench/README.md, "One channel per list and process"). Now the sockets of a
list in one process share one member of the group, their `ListFanout`: its task receives
each message once and hands it to every socket's `Inbox`, where it is handled at once,
inline, when nothing else of that socket is running or waiting.

A socket still has a channel of its own, for what is meant for it alone (a revoked
membership, the layer's outage signals). The fan-out exists while a socket of its list is
open in the process; the last socket to leave takes it out of the group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

# What a fan-out's failure tells its sockets (its channel broke: Redis went away).
FANOUT_LOST = "list.fanout_lost"


class _Raise:
    """A failure of an inline handler, raised again by the socket's own loop."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class Inbox:
    """A socket's messages, handled one at a time, in the order they came.

    Its own sources (the client, its channel) each have a task that waits on them. A
    fan-out hands messages in from its task: handled inline when nothing of this socket is
    running or waiting (no task wakes up), queued behind what is otherwise, so a
    catch-up's replay still goes out before the live events that came meanwhile.
    """

    def __init__(self, dispatch: Callable[[dict], Awaitable[None]]) -> None:
        self._dispatch = dispatch
        self._lock = asyncio.Lock()
        # Messages taken from a source or handed in and not handled yet. While it is not
        # zero, a handed message must queue: an asyncio.Lock is briefly free between one
        # holder and the next waiter, so the lock alone cannot tell.
        self._owed = 0
        self._queued: asyncio.Queue[Any] = asyncio.Queue()

    async def _handle(self, message: dict) -> None:
        try:
            async with self._lock:
                await self._dispatch(message)
        finally:
            self._owed -= 1

    async def hand(self, message: dict) -> None:
        """From a fan-out's task: handle `message` now if the socket is idle, else queue it.

        A handler's error ends the socket's loop (as a source's handler's would), not the
        fan-out's.
        """
        self._owed += 1
        if self._owed > 1:
            self._queued.put_nowait(message)
            return
        try:
            await self._handle(message)
        except Exception as error:
            self._owed += 1
            self._queued.put_nowait(_Raise(error))

    async def serve(self, sources: list[Callable[[], Awaitable[dict]]]) -> None:
        """Handle each message of every source and of `hand`, until one fails.

        What channels' `await_many_dispatch` does, at a third of its cost per message. That
        one waits on `asyncio.wait` for all sources and starts a new task for every message
        received. Here each source has one long-lived task.
        """

        async def pump(source: Callable[[], Awaitable[Any]]) -> None:
            while True:
                message = await source()
                self._owed += 1
                await self._handle(message)

        async def pump_queued() -> None:
            while True:
                message = await self._queued.get()  # counted in _owed when handed
                if isinstance(message, _Raise):
                    raise message.error
                await self._handle(message)

        tasks = [asyncio.ensure_future(pump(source)) for source in sources]
        tasks.append(asyncio.ensure_future(pump_queued()))
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # StopConsumer, or the error that ended it
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task


# The fan-out of each (event loop, group): one per list and process in production; tests
# run each on a loop of its own.
_fanouts: dict[tuple[asyncio.AbstractEventLoop, str], ListFanout] = {}


def fanout_for(channel_layer, group: str) -> ListFanout:
    """The running fan-out of `group` on this loop, started if there is none."""
    key = (asyncio.get_running_loop(), group)
    fanout = _fanouts.get(key)
    if fanout is None or fanout.closed:
        fanout = _fanouts[key] = ListFanout(channel_layer, group, key=key)
    return fanout


class ListFanout:
    """The member of `group` for all this process's sockets of one list."""

    # Only what the list's group carries is handed on. The layer's own signals (a
    # recovery after a Redis restart) reach every socket on its own channel as well.
    HANDED = frozenset({"list.event", "presence.changed"})

    def __init__(self, channel_layer, group: str, *, key) -> None:
        self.channel_layer = channel_layer
        self.group = group
        self.key = key
        self.channel: str | None = None
        self.closed = False
        self.inboxes: dict[Inbox, None] = {}  # an ordered set
        self._joined = asyncio.get_running_loop().create_future()
        self._task = asyncio.ensure_future(self._run())

    async def join(self, inbox: Inbox) -> None:
        """Hand `inbox` every message of the group from now on; raises if joining failed."""
        self.inboxes[inbox] = None
        try:
            # Shielded: one socket's cancelled connect must not cancel the others' wait.
            await asyncio.shield(self._joined)
        except BaseException:
            self.leave_nowait(inbox)  # the only one: nothing is left subscribed for no one
            raise

    async def refresh(self) -> None:
        """Join the group again (idempotent): Redis may have restarted empty."""
        if self.channel is not None and not self.closed:
            await self.channel_layer.group_add(self.group, self.channel)

    def leave_nowait(self, inbox: Inbox) -> asyncio.Future | None:
        """Stop handing to `inbox`; the last one out stops the fan-out (returned to await)."""
        self.inboxes.pop(inbox, None)
        if self.inboxes or self.closed:
            return None
        self._close()
        if asyncio.current_task() is self._task:
            return None  # a handler of its own: the loop ends after this message
        self._task.cancel()
        return self._task

    async def leave(self, inbox: Inbox) -> None:
        stopping = self.leave_nowait(inbox)
        if stopping is not None:
            await asyncio.wait([stopping])  # out of the group, without raising its cancel

    def _close(self) -> None:
        self.closed = True
        if _fanouts.get(self.key) is self:
            del _fanouts[self.key]

    async def _run(self) -> None:
        layer = self.channel_layer
        try:
            self.channel = await layer.new_channel()
            await layer.group_add(self.group, self.channel)
            self._joined.set_result(None)
            while not self.closed:
                message = await layer.receive(self.channel)
                if message.get("type") not in self.HANDED:
                    continue
                for inbox in list(self.inboxes):
                    await inbox.hand(message)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._close()
            if not self._joined.done():
                self._joined.set_exception(error)
                return
            # Its sockets would miss every event without knowing: they close with a code
            # the page retries on, and catch up once connected again.
            logger.warning("A list's fan-out lost its channel: %s", self.group, exc_info=True)
            for inbox in list(self.inboxes):
                await inbox.hand({"type": FANOUT_LOST})
        finally:
            self._close()
            if not self._joined.done():
                self._joined.cancel()
            if self.channel is not None:
                try:
                    await layer.group_discard(self.group, self.channel)
                except Exception:  # Redis down: group memberships expire or are pruned
                    logger.info("A list's fan-out could not leave its group", exc_info=True)
