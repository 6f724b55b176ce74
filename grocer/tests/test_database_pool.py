"""Django's psycopg pool under daphne: on by default, off behind PgBouncer."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest
from django.conf import settings
from django.db import connection


def _database_settings(**env: str) -> dict:
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={
            "DJANGO_SETTINGS_MODULE": "grocer.settings.local",
            "GROCER_QUIET": "1",
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/grocer",
            "PATH": "/usr/bin:/bin",
            **env,
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_the_pool_is_on_by_default_and_sized_from_the_environment():
    db = _database_settings()
    assert db["CONN_MAX_AGE"] == 0
    assert db["OPTIONS"]["pool"]["max_size"] == 16
    assert _database_settings(DATABASE_POOL_SIZE="40")["OPTIONS"]["pool"]["max_size"] == 40


@pytest.mark.parametrize(
    "env", [{"DATABASE_POOLER": "pgbouncer"}, {"DATABASE_POOL_SIZE": "0"}, {"CONN_MAX_AGE": "60"}]
)
def test_no_pool_behind_pgbouncer_or_when_turned_off(env):
    assert "pool" not in _database_settings(**env).get("OPTIONS", {})


@pytest.mark.postgres
def test_a_server_reuses_its_connections_between_requests(live_daphne):
    name = connection.settings_dict["NAME"]

    def server_backends() -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            return {row[0] for row in cursor.fetchall()}

    seen = []
    with httpx.Client(base_url=live_daphne.url, timeout=15) as http:
        for _ in range(8):
            response = http.get("/readyz")
            assert response.json()["checks"]["database"] is True
            seen.append(server_backends())
    # Without a pool each request's connection is closed when it ends: nothing stays,
    # and every request starts a new backend.
    assert all(seen), seen
    assert len(set().union(*seen)) <= 4, seen
