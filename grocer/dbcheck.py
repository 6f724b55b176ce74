"""A free liveness check for idle PostgreSQL connections.

A connection the server closed while it sat idle (a restart, a failover, an idle timeout)
has something to read: the server's "terminating connection" notice, or end of file. A
healthy idle connection has nothing. One non-blocking select() tells them apart without a
round trip, so a connection a list socket's pool thread keeps (lists/consumers.py) is
dropped before a socket uses it, instead of failing that socket (4503) once after every
restart. (Django's psycopg pool checks what it hands out itself: CONN_HEALTH_CHECKS.)
"""

from __future__ import annotations

import select
from typing import Any


def closed_while_idle(connection: Any) -> bool:
    """True when a psycopg connection, idle and outside a transaction, is no longer usable."""
    if connection.closed or connection.broken:
        return True
    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)
