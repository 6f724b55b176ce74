"""Write transactions that lose a deadlock or a serialization check are run again.

PostgreSQL breaks a deadlock by failing one of the transactions (SQLSTATE 40P01), and a
SERIALIZABLE / REPEATABLE READ transaction can fail a serialization check (40001). Both
mean "nothing was written, try again", not "the database is unavailable": the service
retries its whole transaction a few times, and if it still loses, the person is told
that someone changed the same thing at the same moment (409), never a 503.

Every list write takes the list's row lock first (`lists.services`), so writers of one
list queue up instead of deadlocking; the retry is what remains for orders of locks
outside that rule.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
ATTEMPTS = 3
BACKOFF = 0.02  # seconds before the second attempt, doubled after; with jitter

P = ParamSpec("P")
R = TypeVar("R")


class ConcurrentWriteError(Exception):
    """The write lost to a simultaneous one ATTEMPTS times in a row; nothing was written."""

    message = gettext_lazy("Someone changed this at the same moment. Please try again.")

    def __init__(self) -> None:
        super().__init__(self.message)


def is_retryable(error: BaseException) -> bool:
    """True for a deadlock or serialization failure (the transaction was rolled back)."""
    if isinstance(error, ConcurrentWriteError):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES


def retry_on_conflict(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` (which opens its own transaction) again when it loses a deadlock.

    Only the outermost transaction can be retried: inside a caller's atomic block the
    error goes up to that caller, whose own `retry_on_conflict` (if any) runs it again.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return func(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as error:
                if not is_retryable(error):
                    raise
                logger.warning(
                    "%s lost to a concurrent write (attempt %d of %d): %s",
                    func.__qualname__,
                    attempt,
                    ATTEMPTS,
                    error,
                )
                if attempt == ATTEMPTS:
                    raise ConcurrentWriteError() from error
                time.sleep(BACKOFF * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))  # noqa: S311
        raise AssertionError("unreachable")

    return wrapper
