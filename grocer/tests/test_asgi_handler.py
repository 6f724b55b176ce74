"""HTTP under daphne: the middleware chain and the view run in one thread hop."""

from __future__ import annotations

import inspect
from unittest import mock

import pytest
from asgiref.sync import AsyncToSync
from asgiref.testing import ApplicationCommunicator

from grocer.asgi_handler import OneHopASGIHandler
from grocer.testing import http_scope, run_coroutine


def _get(application, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    scope = http_scope(path)

    async def exchange():
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(timeout=10)
        body = b""
        while True:
            message = await communicator.receive_output(timeout=10)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await communicator.wait(timeout=10)
        return start["status"], {k.lower(): v for k, v in start["headers"]}, body

    return run_coroutine(exchange())


def test_the_served_application_uses_the_sync_chain():
    from grocer import asgi

    assert isinstance(asgi.django_asgi_app, OneHopASGIHandler)
    # Loaded for sync: no coroutine at the top of the chain, as under WSGI.
    assert not inspect.iscoroutinefunction(asgi.django_asgi_app._middleware_chain)


@pytest.mark.django_db
def test_a_request_goes_through_every_middleware_without_hopping_back_to_the_loop():
    """The stock ASGIHandler adapts its async inner handler back with async_to_sync under
    the first sync-only middleware; this one never leaves the request's thread."""
    handler = OneHopASGIHandler()
    with mock.patch.object(AsyncToSync, "__call__", autospec=True) as back_to_the_loop:
        status, headers, body = _get(handler, "/healthz")
    assert status == 200
    assert body == b'{"status": "ok"}'
    # The outermost and innermost middleware both ran.
    assert b"x-request-id" in headers
    assert b"x-content-type-options" in headers
    back_to_the_loop.assert_not_called()


@pytest.mark.django_db
def test_an_unknown_path_is_still_the_sites_404():
    status, headers, body = _get(OneHopASGIHandler(), "/no-such-page/")
    assert b"<html" in body
    assert status == 404
    assert b"x-request-id" in headers


@pytest.mark.django_db
def test_requests_reuse_their_threads_instead_of_starting_one_each():
    """asgiref gives each fresh ThreadSensitiveContext a new thread; a request borrows an
    idle one, and all of its sync work (signals, middleware, view, close) runs there."""
    import threading

    from django.core.signals import request_finished, request_started

    handler = OneHopASGIHandler()
    seen: list[tuple[str, int]] = []

    def note(name):
        def receiver(**kwargs):
            seen.append((name, threading.get_ident()))

        return receiver

    started, finished = note("started"), note("finished")
    request_started.connect(started)
    request_finished.connect(finished)
    try:
        for _ in range(5):
            status, _headers, _body = _get(handler, "/healthz")
            assert status == 200
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert handler.threads.started == 1
    assert len({ident for _name, ident in seen}) == 1
    assert [name for name, _ident in seen] == ["started", "finished"] * 5
    assert threading.main_thread().ident not in {ident for _name, ident in seen}


def test_a_burst_gets_new_threads_and_keeps_only_the_idle_limit():
    from grocer.asgi_handler import RequestThreads

    threads = RequestThreads(keep_idle=2)
    lent = [threads.borrow() for _ in range(4)]
    assert threads.started == 4
    assert len({id(executor) for executor in lent}) == 4
    for executor in lent:
        threads.give_back(executor)
    assert threads.borrow() is lent[1]  # the most recently returned of those kept
    assert threads.started == 4
    assert lent[0].submit(int).result(timeout=5) == 0  # kept ones still run work
    for ended in lent[2:]:
        with pytest.raises(RuntimeError, match="after shutdown"):
            ended.submit(int)


@pytest.mark.django_db
def test_a_failing_request_gives_its_thread_back():
    handler = OneHopASGIHandler()
    status, _headers, _body = _get(handler, "/no-such-page/")
    assert status == 404
    status, _headers, _body = _get(handler, "/healthz")
    assert status == 200
    assert handler.threads.started == 1


class _CountingThreads:
    """RequestThreads whose one executor counts the work sent to it."""

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor

        outer = self
        self.submitted = 0

        class Counting(ThreadPoolExecutor):
            def submit(self, *args, **kwargs):
                outer.submitted += 1
                return super().submit(*args, **kwargs)

        self.executor = Counting(max_workers=1)
        self.started = 1

    def borrow(self):
        return self.executor

    def give_back(self, executor):
        assert executor is self.executor


@pytest.mark.django_db
def test_a_request_is_one_hop_to_its_thread_signals_and_close_included():
    threads = _CountingThreads()
    handler = OneHopASGIHandler(threads=threads)
    status, _headers, body = _get(handler, "/healthz")
    assert status == 200
    assert body == b'{"status": "ok"}'
    # Django's handler sends request_started, the response, response.close() and
    # request_finished to the thread in four hops.
    assert threads.submitted == 1


@pytest.mark.django_db
# Django's own note that a sync iterator is read in a thread: the case tested here.
@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous")
def test_a_streaming_response_is_sent_whole_and_closed_only_after_sending():
    from django.http import StreamingHttpResponse

    threads = _CountingThreads()
    handler = OneHopASGIHandler(threads=threads)
    events: list[str] = []

    def parts():
        events.append("first part read")
        yield b"milk, "
        events.append("second part read")
        yield b"eggs"

    def get_response(request):
        response = StreamingHttpResponse(parts(), content_type="text/plain")
        response._resource_closers.append(lambda: events.append("closed"))
        return response

    handler.get_response = get_response
    status, _headers, body = _get(handler, "/streamed/")
    assert status == 200
    assert body == b"milk, eggs"
    assert events == ["first part read", "second part read", "closed"]


def _serve(handler, events: list[str], path: str = "/registered/") -> None:
    """Serve one GET with `handler`, noting in `events` when the answer was sent."""
    scope = http_scope(path)

    async def serve():
        import asyncio

        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(message):
            if message["type"] == "http.response.body":
                events.append("answer sent")
                # As the server's write of those bytes: queued by this turn of the loop.
                asyncio.get_running_loop().call_soon(events.append, "answer written")

        await handler(scope, receive, send)
        for _ in range(3):
            await asyncio.sleep(0)

    run_coroutine(serve())


def test_response_sent_callbacks_run_on_the_loop_after_the_answer_is_written():
    import threading

    from django.http import HttpResponse

    from grocer.asgi_handler import on_response_sent

    handler = OneHopASGIHandler()
    events: list[str] = []
    threads: dict[str, threading.Thread] = {}

    def callback():
        threads["callback"] = threading.current_thread()
        events.append("callback")

    def get_response(request):
        threads["view"] = threading.current_thread()
        assert on_response_sent(callback)
        return HttpResponse("ok")

    handler.get_response = get_response
    _serve(handler, events)
    # After the turn of the loop that queued the answer's write, not from the view.
    assert events == ["answer sent", "answer written", "callback"]
    assert threads["callback"] is not threads["view"]


def test_response_sent_callbacks_run_when_the_view_fails_after_registering():
    from grocer.asgi_handler import on_response_sent

    handler = OneHopASGIHandler()
    called: list[str] = []

    def get_response(request):
        on_response_sent(lambda: called.append("callback"))
        raise RuntimeError("the view broke after committing")

    handler.get_response = get_response
    with pytest.raises(RuntimeError):
        _serve(handler, [])
    assert called == ["callback"]


def test_outside_a_served_request_nothing_is_kept_for_later():
    from grocer.asgi_handler import on_response_sent

    called: list[str] = []
    assert on_response_sent(lambda: called.append("callback")) is False
    assert called == []


def test_a_view_still_running_after_its_request_was_given_up_acts_at_once():
    """Daphne cancels a request whose client left long ago; its sync view goes on in its
    thread. What it registers after the handler is done would never be called: it is
    refused instead, so the caller acts at once (a held list event is released)."""
    import asyncio
    import threading

    from django.http import HttpResponse

    from grocer.asgi_handler import on_response_sent

    handler = OneHopASGIHandler()
    handler_done = threading.Event()
    registered: list[bool] = []

    def get_response(request):
        handler_done.wait(10)
        registered.append(on_response_sent(lambda: None))
        return HttpResponse("late")

    handler.get_response = get_response

    async def give_up():
        scope = http_scope("/slow/")

        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(message):
            pass

        task = asyncio.ensure_future(handler(scope, receive, send))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        handler_done.set()
        for _ in range(100):
            if registered:
                break
            await asyncio.sleep(0.05)

    run_coroutine(give_up())
    assert registered == [False]
