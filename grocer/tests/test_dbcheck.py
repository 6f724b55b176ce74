"""Idle PostgreSQL connections the server closed are noticed without a round trip."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.conf import settings

from grocer.dbcheck import closed_while_idle

pytestmark = pytest.mark.postgres


def _dsn() -> str:
    db = settings.DATABASES["default"]
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"host={host} port={port} user={db['USER']} dbname=postgres"


def _terminated(connection) -> None:
    """Have the server end this connection's backend, as a restart does."""
    pid = connection.info.backend_pid
    with psycopg.connect(_dsn(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 10
    while not closed_while_idle(connection) and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_healthy_idle_connection_is_kept():
    with psycopg.connect(_dsn(), autocommit=True) as connection:
        connection.execute("SELECT 1")
        assert not closed_while_idle(connection)
        assert connection.execute("SELECT 2").fetchone() == (2,)


def test_a_connection_the_server_ended_is_noticed_before_use():
    connection = psycopg.connect(_dsn(), autocommit=True)
    try:
        _terminated(connection)
        assert closed_while_idle(connection)
        # What a request would have met without the check.
        with pytest.raises(psycopg.OperationalError):
            connection.execute("SELECT 1")
    finally:
        connection.close()
    assert closed_while_idle(connection)  # closed is not usable either
