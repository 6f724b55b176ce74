"""Read replicas on a real streaming replica (`pg_basebackup -R` of a private primary).

The replica's replay is paused to tell who answered: a page that does not show a row
committed on the primary was read from the replica.
"""

from __future__ import annotations

import re
import time

import httpx
import psycopg
import pytest

from grocer.replicas import lsn_to_int
from grocer.testing import PrivatePostgres, ServerProcess, manage

# Each test starts private servers (and a replica from a base backup): minutes on a busy
# machine, not the suite's default bound.
pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]

DEMO_PASSWORD = "grocer-demo"  # families/management/commands/seed_demo.py


class StreamingReplica(PrivatePostgres):
    """A hot standby of `primary`, streaming its WAL."""

    def __init__(self, primary: PrivatePostgres) -> None:
        super().__init__()
        self.primary = primary

    def __enter__(self) -> StreamingReplica:
        import shutil

        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(
            str(self.bin / "pg_basebackup"),
            "-h", "127.0.0.1",
            "-p", str(self.primary.port),
            "-U", "postgres",
            "-D", str(self.data),
            "-R",
            "-X", "stream",
        )  # fmt: skip
        self.start()
        return self


def _sql(url: str, statement: str):
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(statement).fetchone()


def _wait_caught_up(primary: PrivatePostgres, replica: StreamingReplica) -> None:
    target = lsn_to_int(_sql(primary.url, "SELECT pg_current_wal_lsn()::text")[0])
    deadline = time.monotonic() + 20
    while lsn_to_int(_sql(replica.url, "SELECT pg_last_wal_replay_lsn()::text")[0]) < target:
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def _log_in(server: ServerProcess, email: str) -> httpx.Client:
    browser = httpx.Client(base_url=server.url, timeout=20)
    page = browser.get("/accounts/login/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(
        "/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": email, "password": DEMO_PASSWORD},
    )
    assert response.status_code == 302, response.text[:500]
    return browser


def _add(browser: httpx.Client, list_path: str, text: str) -> None:
    page = browser.get(list_path).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(f"{list_path}items/", data={"csrfmiddlewaretoken": token, "text": text})
    assert response.status_code == 302, response.text[:500]


def test_pages_read_from_the_replica_with_read_your_writes_and_survive_its_loss():
    with PrivatePostgres() as primary:
        manage("migrate", "--noinput", env={"DATABASE_URL": primary.url, "REDIS_URL": ""})
        manage("seed_demo", env={"DATABASE_URL": primary.url, "REDIS_URL": ""})
        list_id = _sql(primary.url, "SELECT id FROM lists_grocerylist ORDER BY name LIMIT 1")[0]
        list_path = f"/lists/{list_id}/"
        with StreamingReplica(primary) as replica:
            env = {
                "DATABASE_URL": primary.url,
                "DATABASE_REPLICA_URLS": replica.url,
                "DATABASE_REPLICA_CHECK_SECONDS": "0",
                "REDIS_URL": "",
            }
            with ServerProcess(env=env) as server:
                ana = _log_in(server, "ana@demo.grocer")
                ben = _log_in(server, "ben@demo.grocer")
                _wait_caught_up(primary, replica)
                assert ana.get(list_path).status_code == 200

                _sql(replica.url, "SELECT pg_wal_replay_pause()")
                _add(ben, list_path, "replica check")
                # Ben reads his own write at once: the replica has not replayed it, so
                # his read goes to the primary.
                assert "replica check" in ben.get(list_path).text
                # Ana has written nothing since: the (paused) replica answers her.
                ana_page = ana.get(list_path)
                assert ana_page.status_code == 200
                assert "replica check" not in ana_page.text

                _sql(replica.url, "SELECT pg_wal_replay_resume()")
                _wait_caught_up(primary, replica)
                assert "replica check" in ana.get(list_path).text

                replica.stop()
                # A stopped replica: pages and writes go on against the primary.
                _add(ana, list_path, "after the replica stopped")
                assert "after the replica stopped" in ben.get(list_path).text
                assert ana.get(f"/f/{_family_id(primary)}/").status_code == 200
                ana.close()
                ben.close()


def _family_id(primary: PrivatePostgres) -> str:
    return str(_sql(primary.url, "SELECT id FROM families_family LIMIT 1")[0])


def test_lsn_positions_compare_as_numbers():
    assert lsn_to_int("0/16B3748") < lsn_to_int("0/16B3750") < lsn_to_int("1/0")
    assert lsn_to_int("A/0") == 10 << 32


def test_transactions_and_requests_that_wrote_stay_on_the_primary(transactional_db, settings):
    from django.db import transaction

    from grocer.replicas import ReplicaRouter, _Scope, _scope

    settings.DATABASE_REPLICAS = ["replica0"]  # never reached: every case stays on the primary
    router = ReplicaRouter()
    assert router.db_for_read(None) is None  # no scope: not a safe request
    token = _scope.set(_Scope())
    try:
        with transaction.atomic():
            assert router.db_for_read(None) is None
        _scope.get().wrote = True
        assert router.db_for_read(None) is None
        assert router.db_for_write(None) == "default"
        assert not router.allow_migrate("replica0", "lists")
    finally:
        _scope.reset(token)
