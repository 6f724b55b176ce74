"""daphne's requests leave their bodies to Django: Twisted no longer parses form posts too.

Twisted's `Request` parses a POST's URL-encoded or multipart body into `request.args`
before daphne gets the request. daphne never reads them: it hands the raw body to the
application, and Django parses it. For every htmx write that was a Content-Type parsed
with the `email` package and the body with `parse_qs`: about 40 µs of CPU on the event
loop that serves every socket of the process (bench/README.md, "Bodies parsed once"). For
a photo sent without JavaScript it was the whole multipart body parsed and held a second
time. Twisted's own switch,
`parsePOSTFormSubmission`, turns it off.

Called from grocer/asgi.py, so it applies in every daphne process serving Grocer.
"""

from __future__ import annotations

import functools


def install() -> bool:
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # another ASGI server
        return False
    if getattr(WebRequest.__init__, "leaves_bodies_to_django", False):
        return True
    init = WebRequest.__init__

    @functools.wraps(init)
    def init_leaving_bodies(self, *args, **kwargs) -> None:
        kwargs.setdefault("parsePOSTFormSubmission", False)
        init(self, *args, **kwargs)

    init_leaving_bodies.leaves_bodies_to_django = True
    WebRequest.__init__ = init_leaving_bodies
    return True
