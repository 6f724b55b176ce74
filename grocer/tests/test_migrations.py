"""Migrations apply, reverse and re-apply on a fresh PostgreSQL database."""

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings

pytestmark = pytest.mark.postgres


def _admin_dsn() -> str:
    db = settings.DATABASES["default"]
    return f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"


@pytest.fixture
def fresh_database():
    name = f"grocer_migrations_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = settings.DATABASES["default"]
    yield f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}", name
    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(database_url: str, *args: str) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "grocer.settings.local",
        "DATABASE_URL": database_url,
        "GROCER_QUIET": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_migrations_forward_backward_forward(fresh_database):
    url, name = fresh_database
    _manage(url, "migrate", "--noinput")
    with psycopg.connect(_admin_dsn().replace("dbname=postgres", f"dbname={name}")) as conn:
        triggers = {
            row[0]
            for row in conn.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%_touch_updated_at'"
            )
        }
    assert "lists_listitem_touch_updated_at" in triggers
    assert "vendors_vendorshare_touch_updated_at" in triggers
    for app in ("orders", "vendors", "lists"):
        _manage(url, "migrate", app, "zero", "--noinput")
    _manage(url, "migrate", "--noinput")
    assert "[X] 0002_updated_at_trigger" in _manage(url, "showmigrations", "lists")
