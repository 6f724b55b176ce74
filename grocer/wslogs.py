"""autobahn (daphne's WebSocket protocol) without colouring debug lines nobody logs.

autobahn computes the arguments of its debug lines before the logger drops them: for
every frame sent, `sendData` names itself and the peer through `hltype`/`hlval`, which
colour the text with click's ANSI styles when click is installed (it is: celery needs
it). That was a few times the cost of the frame's own write: about 15 us of every
frame a list socket sends, a live event to each of a list's sockets included.
Uncoloured, the same debug lines (if anyone turns them on) read the same.

Called from grocer/asgi.py, so it applies in every daphne process serving Grocer.
"""

from __future__ import annotations


def install() -> None:
    try:
        import autobahn.util
    except ImportError:  # another ASGI server
        return
    # Read by autobahn.util.hl() at each call; only the colouring depends on it.
    autobahn.util._HAS_CLICK = False
