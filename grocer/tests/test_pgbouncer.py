"""The app through PgBouncer in transaction mode, as deploy/kubernetes runs it.

Transaction pooling hands every transaction a possibly different server connection, so
nothing may rely on session state: no server-side cursors, no prepared statements, no
session-level advisory locks or SETs. Pages, writes, sockets and a Celery worker all go
through a real pgbouncer here, enough times each that a prepared statement (psycopg
prepares a query after 5 executions) or a cursor left on another backend would fail.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from websockets.sync.client import connect

from families.tests.factories import MembershipFactory
from grocer.testing import ServerProcess
from grocer.tests.pgbouncer import PgBouncer
from grocer.tests.worker import Worker, send_task, worker_env
from lists.models import ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory
from lists.tests.realtime import Person, server_env, session_cookie
from photos.models import Photo
from photos.tests.factories import ItemPhotoFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    # Real daphne and Celery processes through a pooler: slow to boot on a busy machine.
    pytest.mark.timeout(300),
]

TIMEOUT = 20
GROCERIES = [
    "apples", "bread", "carrots", "dates", "eggs", "flour",
    "garlic", "honey", "icing", "jam", "kale", "lemons",
]  # fmt: skip


@pytest.fixture
def bouncer(transactional_db):
    if not shutil.which("pgbouncer"):
        message = "pgbouncer is not installed (apt-get install pgbouncer)"
        if settings.REQUIRE_SERVICES:
            pytest.fail(f"GROCER_REQUIRE_SERVICES=1 but {message}")
        pytest.skip(message)
    db = settings.DATABASES["default"]
    with PgBouncer(host=db["HOST"] or "127.0.0.1", port=int(db["PORT"] or 5432)) as running:
        yield running


def _next(ws, kind: str) -> dict:
    while True:
        message = json.loads(ws.recv(timeout=TIMEOUT))
        if message["type"] == kind:
            return message


def test_pages_writes_and_sockets_work_through_pgbouncer(bouncer):
    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    grocery_list = GroceryListFactory(family=ana.family)
    env = {
        **server_env(),
        "DATABASE_URL": bouncer.url(connection.settings_dict["NAME"]),
        "DATABASE_POOLER": "pgbouncer",
    }
    with ServerProcess(env=env) as server:
        ws_url = server.url.replace("http://", "ws://")
        with connect(
            f"{ws_url}/ws/lists/{grocery_list.pk}/",
            origin=server.url,
            additional_headers={"Cookie": f"sessionid={session_cookie(ben.user)}"},
            open_timeout=TIMEOUT,
        ) as ben_socket:
            ben_socket.send(json.dumps({"type": "catch_up", "last_seq": 0}))
            assert _next(ben_socket, "caught_up")["seq"] == 0
            ana_browser = Person(ana.user, server)
            try:
                # Twelve adds: the same statements run well past psycopg's prepare threshold.
                for name in GROCERIES:
                    form = ana_browser.form(f"/lists/{grocery_list.pk}/")
                    form["text"] = name
                    response = ana_browser.post(f"/lists/{grocery_list.pk}/items/", form)
                    assert response.status_code == 302, response.text[:500]
                    event = _next(ben_socket, "event")
                    assert event["summary"] == f"Ana added {name}"
                item = ListItem.objects.get(grocery_list=grocery_list, name="dates")
                token = ana_browser.form(f"/lists/{grocery_list.pk}/")["csrfmiddlewaretoken"]
                response = ana_browser.post(
                    f"/lists/{grocery_list.pk}/items/{item.pk}/status/",
                    {"csrfmiddlewaretoken": token, "status": "purchased"},
                )
                assert response.status_code == 302, response.text[:500]
                assert _next(ben_socket, "event")["seq"] == 13
                page = ana_browser.http.get(f"/lists/{grocery_list.pk}/")
                assert page.status_code == 200
                assert all(name in page.text for name in GROCERIES)
            finally:
                ana_browser.close()
        assert "ERROR" not in server.output()
    item.refresh_from_db()
    assert item.status == "purchased"
    assert ListItem.objects.filter(grocery_list=grocery_list).count() == 12


def test_a_celery_worker_works_through_pgbouncer(bouncer):
    """The beat's photo purge (row locks with SKIP LOCKED, deletes) run by a real worker."""
    long_ago = timezone.now() - timedelta(days=settings.GROCER_PHOTO_RETENTION_DAYS + 5)
    kept = ItemPhotoFactory()
    purged = [ItemPhotoFactory(item=ListItemFactory(deleted_at=long_ago)) for _ in range(3)]
    env = worker_env(
        DATABASE_URL=bouncer.url(connection.settings_dict["NAME"]),
        DATABASE_POOLER="pgbouncer",
    )
    with Worker(env) as worker:
        for _ in range(6):  # past psycopg's prepare threshold here too
            send_task("photos.tasks.purge_deleted_photos")
        # A worker takes a few seconds to boot on a busy machine.
        deadline = time.monotonic() + 60
        while Photo.objects.filter(pk__in=[p.pk for p in purged]).exists():
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.2)
        # Wait for all six runs: a failure in a later run (a stale prepared statement)
        # would show up in the log.
        while worker.output().count("succeeded") < 6:
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.2)
        assert "Traceback" not in worker.output()
    assert Photo.objects.filter(pk=kept.pk).exists()
