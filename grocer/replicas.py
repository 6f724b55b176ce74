"""Read replicas: page reads from a streaming replica that has caught up, the rest on the primary.

`DATABASE_REPLICA_URLS` names the replicas (database aliases `replica0`, `replica1`, ...).
A read goes to a replica only when all of these hold:
- it happens while a safe request (GET/HEAD) is being answered, outside any transaction
  and after no write in that request: `ReplicaReadsMiddleware` opens that scope, and
  anything that writes or locks (`select_for_update`, `get_or_create`, saves) goes through
  Django's `db_for_write`, which is always the primary;
- the replica answers and lags the primary by at most `DATABASE_REPLICA_MAX_LAG_BYTES`
  of WAL (checked at most every `DATABASE_REPLICA_CHECK_SECONDS` per process);
- read-your-writes: the replica has replayed the WAL position the primary had when this
  browser's last write request ended (kept in a small cookie, so it works when Redis is
  down and costs no storage).
Otherwise the read goes to the primary: a stopped or lagging replica changes nothing for
users but load.
"""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

LSN_COOKIE = "grocer_lsn"
SAFE_METHODS = frozenset({"GET", "HEAD"})


def lsn_to_int(lsn: str) -> int:
    """PostgreSQL's `X/Y` WAL position as a comparable integer."""
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass
class _Scope:
    """What the current request allows: replica reads, at least at this WAL position."""

    min_lsn: int = 0
    wrote: bool = False


@dataclass
class _ReplicaState:
    replay_lsn: int = 0
    healthy: bool = False
    checked_at: float = float("-inf")
    lock: threading.Lock = field(default_factory=threading.Lock)


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "grocer_replica_scope", default=None
)
_states: dict[str, _ReplicaState] = {}
_states_lock = threading.Lock()


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def _state(alias: str) -> _ReplicaState:
    with _states_lock:
        return _states.setdefault(alias, _ReplicaState())


def _check(alias: str, state: _ReplicaState) -> None:
    """Refresh one replica's replay position and health (caller holds `state.lock`)."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
            in_recovery, replay = cursor.fetchone()
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            primary = lsn_to_int(cursor.fetchone()[0])
    except DatabaseError:
        logger.warning("Replica %s unavailable; reading from the primary", alias, exc_info=True)
        connections[alias].close()
        state.healthy = False
        state.checked_at = time.monotonic()
        return
    state.replay_lsn = lsn_to_int(replay) if replay else 0
    lag = primary - state.replay_lsn
    state.healthy = bool(in_recovery) and lag <= settings.DATABASE_REPLICA_MAX_LAG_BYTES
    if not state.healthy:
        logger.warning("Replica %s lags the primary by %d bytes of WAL", alias, lag)
    state.checked_at = time.monotonic()


def _replica_for(min_lsn: int) -> str | None:
    """A healthy replica that has replayed `min_lsn`, or None for the primary."""
    aliases = replica_aliases()
    random.shuffle(aliases)
    for alias in aliases:
        state = _state(alias)
        with state.lock:
            if time.monotonic() - state.checked_at >= settings.DATABASE_REPLICA_CHECK_SECONDS:
                _check(alias, state)
            if state.healthy and state.replay_lsn >= min_lsn:
                return alias
    if min_lsn:
        # The replay position may have moved since the last check: look again, once.
        for alias in aliases:
            state = _state(alias)
            with state.lock:
                _check(alias, state)
                if state.healthy and state.replay_lsn >= min_lsn:
                    return alias
    return None


class ReplicaRouter:
    """Writes, locks, transactions and migrations on the primary; scoped reads on a replica."""

    def db_for_read(self, model, **hints) -> str | None:
        scope = _scope.get()
        if scope is None or scope.wrote or connections["default"].in_atomic_block:
            return None
        instance = hints.get("instance")
        if instance is not None and instance._state.db == "default":
            return None  # related rows of a primary-read object come from the primary
        return _replica_for(scope.min_lsn)

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # replicas hold the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == "default"


class ReplicaReadsMiddleware:
    """Opens the replica-read scope for safe requests; records the WAL position after writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_aliases():
            return self.get_response(request)
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            self._remember_write_position(response)
            return response
        try:
            min_lsn = lsn_to_int(request.COOKIES.get(LSN_COOKIE, "0/0"))
        except ValueError:
            min_lsn = 0
        scope = _Scope(min_lsn=min_lsn)

        def note_writes(execute, sql, params, many, context):
            if not sql.lstrip()[:6].upper().startswith("SELECT"):
                scope.wrote = True
            return execute(sql, params, many, context)

        token = _scope.set(scope)
        try:
            with connections["default"].execute_wrapper(note_writes):
                return self.get_response(request)
        finally:
            _scope.reset(token)

    @staticmethod
    def _remember_write_position(response: HttpResponse) -> None:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_lsn()::text")
                position = cursor.fetchone()[0]
        except DatabaseError:
            return  # the primary is down: the request already failed or wrote nothing
        response.set_cookie(
            LSN_COOKIE,
            position,
            max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
