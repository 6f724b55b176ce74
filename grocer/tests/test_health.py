import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.urls import reverse

from grocer.testing import ServerProcess, free_port

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_and_redis(client, settings):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"] is True
    if settings.REDIS_URL:
        assert checks["redis"] is True


def test_readyz_reports_a_dead_redis_as_503(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] is False


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.django_db(transaction=False)
def test_readyz_reports_a_dead_database_as_503():
    """A real server process whose PostgreSQL is unreachable (nothing listens on the port)."""
    dead_db = f"postgres://postgres@127.0.0.1:{free_port()}/grocer"
    with ServerProcess(env={"DATABASE_URL": dead_db, "REDIS_URL": ""}) as server:
        assert _get(f"{server.url}/healthz") == (200, {"status": "ok"})
        status, body = _get(f"{server.url}/readyz")
    assert status == 503
    assert body["checks"]["database"] is False


def test_the_embedded_default_boots_and_serves(tmp_path):
    """No DATABASE_URL or REDIS_URL: SQLite, in-memory layer, eager Celery."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": ""}
    manage = [sys.executable, "manage.py"]
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "grocer.settings.local", **env}
    subprocess.run([*manage, "migrate", "--noinput"], env=full_env, check=True, capture_output=True)
    seeded = subprocess.run([*manage, "seed_demo"], env=full_env, check=True, capture_output=True)
    assert b"Demo family ready" in seeded.stdout
    with ServerProcess(env=env) as server:
        assert _get(f"{server.url}/healthz") == (200, {"status": "ok"})
        status, body = _get(f"{server.url}/readyz")
        with urllib.request.urlopen(f"{server.url}/accounts/login/", timeout=5) as response:
            login_page = response.read().decode()
    assert status == 200
    assert body["checks"] == {"database": True}
    assert "Log in" in login_page
