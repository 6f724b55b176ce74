"""Django's ASGI handler with the middleware chain and the view run in one thread hop,
on threads that outlive the request.

Django's own handler loads the middleware for async: the innermost handler is async, so
the first sync-only middleware adapts it back with `async_to_sync`, the chain above runs
in a worker thread, and the sync view gets another `sync_to_async` below: three hops
between the event loop and a thread per request, plus one per async-capable
`MiddlewareMixin` hook. Every view and almost every middleware here is sync, so this
handler loads the chain for sync and enters it once. Profiled under daphne, a bare
`/healthz` cost ~5.5 ms of CPU per request with the stock handler.

Django also enters a fresh `ThreadSensitiveContext` per request, and asgiref gives each
such context a new one-thread executor: every request started a thread, built new
database connection wrappers in it (connections are per thread) and joined it at the
end. Here each request borrows an idle one-thread executor instead (a new one only when
all are busy), as a WSGI server's thread pool does: the request's sync work still runs on
one thread of its own, which is all thread-sensitive code needs. And that work
(`request_started`, the chain, `close()` with `request_finished`) goes to the thread in one
hop, not four.

What a request must do on the event loop once its response has been handed to the server
goes through `on_response_sent`: a list event is delivered to the sockets of the server
that served its write only then (grocer/channel_layers.py), or the loop would send a
hundred sockets their frames before the writer's own answer.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.urls import set_script_prefix

logger = logging.getLogger(__name__)


class _SentCallbacks:
    """What to call on the event loop once one request's response is sent.

    Closed when the handler is done with the request; a view still running after that
    (its coroutine cancelled, its thread going on) is told so and acts at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []
        self._closed = False

    def add(self, callback: Callable[[], None]) -> bool:
        with self._lock:
            if self._closed:
                return False
            self._callbacks.append(callback)
            return True

    def close(self) -> list[Callable[[], None]]:
        with self._lock:
            self._closed = True
            return self._callbacks


# The request being served by this handler (None outside one).
_response_sent: ContextVar[_SentCallbacks | None] = ContextVar("response_sent", default=None)


def on_response_sent(callback: Callable[[], None]) -> bool:
    """Have `callback` called on the event loop after this request's response.

    From the request's own thread. It is called once the response has been handed to
    the server (or the request failed), in a later turn of the loop than the one that
    queued the response's bytes, so that they are written first; it must not block.
    False, and nothing is kept, when not serving a request through `OneHopASGIHandler`
    (the test client, a Celery task, a management command) or when the handler is done
    with this request already.
    """
    callbacks = _response_sent.get()
    return callbacks is not None and callbacks.add(callback)


def _call_each(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            logger.exception("A response-sent callback failed")


# Idle request threads kept for reuse; more may run at once (a burst gets new ones, and
# the ones over this are ended when their request is done).
IDLE_REQUEST_THREADS = 64


class RequestThreads:
    """One-thread executors lent to requests, one request at a time each."""

    def __init__(self, *, keep_idle: int = IDLE_REQUEST_THREADS) -> None:
        self.keep_idle = keep_idle
        self._idle: deque[ThreadPoolExecutor] = deque()
        self.started = 0  # executors made so far (for tests and curiosity)

    def borrow(self) -> ThreadPoolExecutor:
        try:
            # The most recently used thread: its connection and caches are warm.
            return self._idle.pop()
        except IndexError:
            self.started += 1
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="http-request")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        if len(self._idle) < self.keep_idle:
            self._idle.append(executor)
        else:
            # Without waiting: the thread ends on its own once its queue is empty.
            executor.shutdown(wait=False)


class OneHopASGIHandler(ASGIHandler):
    def __init__(self, *, threads: RequestThreads | None = None) -> None:
        super().__init__()
        # The sync chain, as under WSGI (ASGIHandler.__init__ loaded the async one).
        self.load_middleware(is_async=False)
        self.threads = threads or RequestThreads()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            # Django's own refusal, for anything but HTTP.
            return await super().__call__(scope, receive, send)
        # Only the event loop touches the idle list, so it needs no lock.
        executor = self.threads.borrow()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(executor)

    async def handle(self, scope, receive, send) -> None:
        """Django's `handle`, with the request's sync work in one hop to its thread.

        The stock one hops to the thread four times (`request_started`, the response,
        `response.close()`, `request_finished`) and runs the response in a task beside one
        that listens for a disconnect; a sync view can't be stopped midway anyway, and
        daphne drops what is sent for a request whose client has gone.
        """
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        # The request's thread appends to this very list: sync_to_async runs it in a copy
        # of this context.
        sent_callbacks = _SentCallbacks()
        token = _response_sent.set(sent_callbacks)
        try:
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            await self.send_response(response, send)
            if response.streaming:
                # Its content was read while sending: only now may it be closed.
                await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            _response_sent.reset(token)
            body_file.close()
            if callbacks := sent_callbacks.close():
                # The response's bytes are in the server's buffer, written when the loop
                # next finds the socket writable: in the next turn, after what is already
                # queued. Called in that turn too, whatever they queue runs after it.
                asyncio.get_running_loop().call_soon(_call_each, callbacks)

    def _respond(self, scope, body_file) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                # As Django's handler: the server does the low-level chunking.
                response.block_size = self.chunk_size
        if not response.streaming:
            # The body is all in memory: close now (request_finished, database
            # connections back to the pool) rather than in another hop after sending.
            response.close()
        return response

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # Thread-sensitive: runs on the request's borrowed thread, where the database
        # connection and the rest of the request's sync work live.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
