from channels.auth import AuthMiddleware, get_user
from channels.routing import URLRouter
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/lists/<uuid:list_id>/", consumers.ListConsumer.as_asgi(), name="list-socket"),
]


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
    return CookieMiddleware(SessionMiddleware(SocketAuthMiddleware(inner)))


def websocket_application():
    """The list sockets' stack (session, user, routes), wrapped by grocer.asgi's guards."""
    return SocketAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
