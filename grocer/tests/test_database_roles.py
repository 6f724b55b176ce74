"""Least privilege: migrations run as the owner role, the app runs as a data-only role.

deploy/postgres/roles.sql is applied to a fresh database on the shared server with
unique role names; `manage.py migrate` then runs with DATABASE_MIGRATE_URL (owner) and
DATABASE_URL (app), as the Kubernetes Job and compose do.
"""

from __future__ import annotations

import subprocess
import uuid

import psycopg
import pytest
from django.conf import settings

from grocer.env import BASE_DIR
from grocer.testing import manage

pytestmark = pytest.mark.postgres


def _server() -> tuple[str, int]:
    db = settings.DATABASES["default"]
    return db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)


@pytest.fixture
def split_roles():
    host, port = _server()
    suffix = uuid.uuid4().hex[:8]
    names = {"owner": f"grocer_owner_{suffix}", "app": f"grocer_app_{suffix}"}
    names["db"] = f"grocer_roles_{suffix}"
    admin = psycopg.connect(
        host=host, port=port, user="postgres", dbname="postgres", autocommit=True
    )
    try:
        subprocess.run(
            [
                "psql",
                f"postgresql://postgres@{host}:{port}/postgres",
                "-q",
                "-v",
                f"owner={names['owner']}",
                "-v",
                f"app={names['app']}",
                "-v",
                f"db={names['db']}",
                "-v",
                "owner_password=owner-secret",
                "-v",
                "app_password=app-secret",
                "-f",
                str(BASE_DIR / "deploy" / "postgres" / "roles.sql"),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        names["owner_url"] = f"postgres://{names['owner']}@{host}:{port}/{names['db']}"
        names["app_url"] = f"postgres://{names['app']}@{host}:{port}/{names['db']}"
        yield names
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{names["db"]}" WITH (FORCE)')
        for role in (names["app"], names["owner"]):
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        admin.close()


def test_migrations_run_as_owner_and_the_app_role_has_data_privileges_only(split_roles):
    env = {"DATABASE_URL": split_roles["app_url"], "DATABASE_MIGRATE_URL": split_roles["owner_url"]}
    manage("migrate", "--noinput", env=env)

    with psycopg.connect(split_roles["owner_url"]) as owner:
        owners = {
            row[0]
            for row in owner.execute(
                "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        }
        function_owners = {
            row[0]
            for row in owner.execute(
                "SELECT pg_get_userbyid(p.proowner) FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
            ).fetchall()
        }
    assert owners == {split_roles["owner"]}
    # The updated_at triggers' functions come from a migration: the owner owns them.
    assert function_owners == {split_roles["owner"]}

    # The app role reads and writes through the services (the demo seed writes families,
    # lists, items, events, vendors and orders).
    manage("seed_demo", env={"DATABASE_URL": split_roles["app_url"]})

    with psycopg.connect(split_roles["app_url"], autocommit=True) as app:
        is_super, creates_db, creates_role = app.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert (is_super, creates_db, creates_role) == (False, False, False)
        items = app.execute("SELECT count(*) FROM lists_listitem").fetchone()[0]
        assert items > 0
        app.execute("UPDATE lists_listitem SET note = note")
        for statement in (
            "DROP TABLE lists_listitem",
            "ALTER TABLE lists_listitem ADD COLUMN sneaky integer",
            "TRUNCATE lists_listitem",
            "CREATE TABLE sneaky (id integer)",
            "CREATE FUNCTION sneaky() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
            "CREATE INDEX sneaky ON lists_listitem (note)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        assert app.execute("SELECT count(*) FROM lists_listitem").fetchone()[0] == items
