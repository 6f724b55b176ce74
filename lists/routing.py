from channels.auth import AuthMiddleware, get_user
from channels.routing import URLRouter
from channels.sessions import CookieMiddleware, InstanceSessionWrapper, SessionMiddleware
from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/lists/<uuid:list_id>/", consumers.ListConsumer.as_asgi(), name="list-socket"),
]


class SocketSessionMiddleware(SessionMiddleware):
    """Channels' SessionMiddleware without its wrapper around every frame the socket sends.

    That wrapper saves a modified session on `http.response.start` only, which a socket
    never sends; it still read the session's `modified` and `is_empty()` through a lazy
    object for every frame, a live event to each of a list's sockets included.
    """

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await super().__call__(scope, receive, send)
        wrapper = InstanceSessionWrapper(scope, send)
        await wrapper.resolve_session()
        return await self.inner(wrapper.scope, receive, send)


class SocketAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware, loading the user on the list sockets' own thread pool.

    Channels loads it with the thread-sensitive `database_sync_to_async`: on one thread
    per process, queued behind every other socket's database work, with a new
    connection per call. Under reconnect churn that queue outgrew daphne's 5 s handshake
    timeout and every handshake was dropped (bench/README.md, "churn").
    """

    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await consumers.socket_db(get_user.func)(scope)


def SocketAuthMiddlewareStack(inner):  # noqa: N802 - named like Channels' AuthMiddlewareStack
    return CookieMiddleware(SocketSessionMiddleware(SocketAuthMiddleware(inner)))


def websocket_application():
    """The list sockets' stack (session, user, routes), wrapped by grocer.asgi's guards."""
    return SocketAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
