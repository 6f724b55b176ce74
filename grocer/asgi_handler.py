"""Django's ASGI handler with the middleware chain and the view run in one thread hop.

Django's own handler loads the middleware for async: the innermost handler is async, so
the first sync-only middleware adapts it back with `async_to_sync`, the chain above runs
in a worker thread, and the sync view gets another `sync_to_async` below: three hops
between the event loop and a thread per request, plus one per async-capable
`MiddlewareMixin` hook. Every view and almost every middleware here is sync, so this
handler loads the chain for sync and enters it once. Profiled under daphne, a bare
`/healthz` cost ~5.5 ms of CPU per request with the stock handler.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class OneHopASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        # The sync chain, as under WSGI (ASGIHandler.__init__ loaded the async one).
        self.load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # Thread-sensitive: the request's ThreadSensitiveContext gives it its own thread,
        # where the database connection and the rest of the request's sync work live.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
