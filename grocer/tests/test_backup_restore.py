"""deploy/backup.sh and deploy/restore.sh round-trip a live database the app then serves."""

import http.cookiejar
import os
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from families.tests.factories import PASSWORD, MembershipFactory
from grocer.env import BASE_DIR
from grocer.testing import ServerProcess
from lists.tests.factories import ListItemFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def empty_database():
    name = f"grocer_restore_{uuid.uuid4().hex[:8]}"
    admin = _url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _log_in_and_get(server_url: str, email: str, path: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{server_url}/accounts/login/", timeout=10).read()
    csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    ).encode()
    request = urllib.request.Request(
        f"{server_url}/accounts/login/", data=form, headers={"Referer": server_url}
    )
    opener.open(request, timeout=10).read()
    return opener.open(f"{server_url}{path}", timeout=10).read().decode()


def test_backup_then_restore_into_a_fresh_database(tmp_path, empty_database):
    membership = MembershipFactory(family__name="Restored Family")
    ListItemFactory(grocery_list__family=membership.family, grocery_list__name="Sunday list")
    source = _url(connection.settings_dict["NAME"])
    dump = tmp_path / "grocer.dump"
    env = {**os.environ, "DATABASE_URL": source}
    subprocess.run(["bash", "deploy/backup.sh", str(dump)], cwd=BASE_DIR, env=env, check=True)
    assert dump.stat().st_size > 0

    target = _url(empty_database)
    restore_env = {
        **os.environ,
        "DATABASE_URL": target,
        "PYTHON": sys.executable,
        "DJANGO_SETTINGS_MODULE": "grocer.settings.local",
        "GROCER_QUIET": "1",
    }
    subprocess.run(
        ["bash", "deploy/restore.sh", str(dump)],
        cwd=BASE_DIR,
        env=restore_env,
        check=True,
        capture_output=True,
    )

    server_env = {"DATABASE_URL": target, "REDIS_URL": "", "GROCER_ACCEPT_TEST_HASHES": "true"}
    with ServerProcess(env=server_env) as server:
        home = _log_in_and_get(server.url, membership.user.email, "/")
    assert "Restored Family" in home
    assert "Sunday list" in home
