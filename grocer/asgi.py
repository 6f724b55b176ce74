"""ASGI entry point: HTTP through Django, WebSockets through Channels (served by daphne)."""

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grocer.settings.local")

from grocer import rawbodies, serverlimits, wsdirect, wslogs

# daphne: an over-long request line or header is answered (414/431), not dropped.
serverlimits.install()
# Twisted: a POST's body is parsed by Django only, not by Twisted first as well.
rawbodies.install()
# autobahn: no ANSI colouring of the debug lines it builds for every frame sent.
wslogs.install()
# Twisted: a WebSocket frame goes to the socket at once when nothing is buffered before it.
wsdirect.install()

# Django must be set up before anything imports models (the consumers do).
django.setup(set_prefix=False)  # what get_asgi_application() does, with our handler below

from grocer.asgi_handler import OneHopASGIHandler

django_asgi_app = OneHopASGIHandler()

from channels.routing import ProtocolTypeRouter
from django.conf import settings
from django.utils.module_loading import import_string

from grocer.clientip import TrustedProxiesMiddleware
from grocer.middleware import SocketDatabaseGuard
from grocer.wsorigin import SameOriginValidator

# Named in settings like ROOT_URLCONF: the project package sits below the apps it serves.
websocket_app = import_string(settings.WEBSOCKET_APPLICATION)()

# The real client address (TRUSTED_PROXIES) for HTTP and WebSocket alike.
application = TrustedProxiesMiddleware(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            # Outermost: a database outage anywhere below (session, user, consumer) is a
            # 4503 close the page retries, never a 500 handshake. Then the Origin: scheme,
            # host and port must be the site's own.
            "websocket": SocketDatabaseGuard(SameOriginValidator(websocket_app)),
        }
    )
)

# Everything loaded so far (Django, the apps, the URL and template machinery: ~150,000
# objects) lives as long as the process. Left in the collected generations, each full
# collection walked all of it: 0.5-1 s with the event loop stopped, every socket of the
# process waiting (bench/README.md, "Fan-out at 200 listeners"). Frozen, a full
# collection walks only what was made since.
gc.freeze()
