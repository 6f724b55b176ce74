"""Structured logs: JSON lines with the request id, carried into tasks and socket events,
and no secrets or capability tokens in any line."""

from __future__ import annotations

import json
import logging
import time

import httpx
import pytest
import structlog
from websockets.sync.client import connect

from families.tests.factories import MembershipFactory
from grocer import logs
from grocer.testing import ServerProcess
from lists.tests.factories import GroceryListFactory
from lists.tests.realtime import Person, server_env, session_cookie

TIMEOUT = 15
WHATSAPP_TOKEN = "EAAGwhatsapp-token-that-must-never-be-logged-1234"
APP_SECRET = "app-secret-that-must-never-be-logged-5678"
METRICS_TOKEN = "metrics-token-that-must-never-be-logged-9012"


def json_lines(output: str) -> list[dict]:
    lines = []
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


# --- In-process -------------------------------------------------------------------------


def test_incoming_request_id_is_honoured_and_echoed(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-proxy-42")
    assert response["X-Request-ID"] == "edge-proxy-42"


@pytest.mark.parametrize("incoming", [None, "", "has space", "x" * 200, "new\nline"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(client, incoming):
    headers = {} if incoming is None else {"HTTP_X_REQUEST_ID": incoming}
    first = client.get("/healthz", **headers)["X-Request-ID"]
    second = client.get("/healthz", **headers)["X-Request-ID"]
    assert first != second
    assert len(first) == 32 and first.isalnum()


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("GET /v/Zx81kQ_secretVendorToken/ 404", "Zx81kQ_secretVendorToken"),
        ("Not Found: /s/shopperTok3n-abc/items/", "shopperTok3n-abc"),
        ("Not Found: /invite/inv1tationTok/", "inv1tationTok"),
        ("/accounts/password/reset/MQ/c4b-0f2a9d8e7f/", "c4b-0f2a9d8e7f"),
        ("headers: Authorization: Bearer EAAGabc.def-ghi", "EAAGabc.def-ghi"),
        ("https://graph.example/x?access_token=tok_999&a=1", "tok_999"),
        ("postgres://grocer:hunter2pass@db:5432/grocer", "hunter2pass"),
        ('{"token": "abcd1234efgh"}', "abcd1234efgh"),
        ("password=letmein99", "letmein99"),
    ],
)
def test_scrub_removes_credentials_from_messages(line, secret):
    scrubbed = logs.scrub(line)
    assert secret not in scrubbed
    assert logs.REDACTED in scrubbed


def test_configured_secret_values_are_scrubbed(settings):
    settings.WHATSAPP_TOKEN = WHATSAPP_TOKEN
    assert WHATSAPP_TOKEN not in logs.scrub(f"the token is {WHATSAPP_TOKEN}, oops")


def test_secret_looking_keys_are_redacted_in_structured_events():
    event = logs.redact_secrets(
        None, "info", {"event": "login", "password": "p4ss", "csrf_token": "t", "user_id": 7}
    )
    assert event == {
        "event": "login",
        "password": logs.REDACTED,
        "csrf_token": logs.REDACTED,
        "user_id": 7,
    }


def test_production_lines_are_json_with_the_bound_request_id(capsys):
    """The formatter production uses, on a record from plain `logging`."""
    config = logs.logging_config(fmt="json", level="INFO")
    formatter = config["formatters"]["grocer"]
    factory = formatter.pop("()")
    handler = logging.StreamHandler()
    handler.setFormatter(factory(**formatter))
    logger = logging.getLogger("grocer.tests.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with structlog.contextvars.bound_contextvars(request_id="req-1"):
            logger.warning("saved %s", "milk")
    finally:
        logger.removeHandler(handler)
    (line,) = json_lines(capsys.readouterr().err)
    assert line["event"] == "saved milk"
    assert line["request_id"] == "req-1"
    assert line["level"] == "warning"
    assert line["logger"] == "grocer.tests.json"
    assert line["timestamp"].endswith("Z")


# --- Real servers -------------------------------------------------------------------------


@pytest.fixture
def json_server(transactional_db):
    env = {
        **server_env(),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",
        "LOG_REQUESTS": "true",
        "WHATSAPP_TOKEN": WHATSAPP_TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": "1234567890",
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "METRICS_TOKEN": METRICS_TOKEN,
    }
    # As the image runs it: daphne's own access log off (-v 0), Grocer's JSON one on.
    with ServerProcess(env=env, daphne_args=("-v", "0")) as server:
        yield server


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.timeout(300)
def test_server_lines_carry_the_request_id_and_no_secrets(json_server):
    server = json_server
    vendor_token = "vendorCapabilityToken_AbC123"
    shopper_token = "shopperCapabilityToken_XyZ789"
    invite_token = "invitationCapabilityToken_Q1"
    for path, request_id in [
        (f"/v/{vendor_token}/", "req-vendor"),
        (f"/s/{shopper_token}/", "req-shopper"),
        (f"/invite/{invite_token}/", "req-invite"),
    ]:
        httpx.get(f"{server.url}{path}", headers={"X-Request-ID": request_id}, timeout=TIMEOUT)
    httpx.get(
        f"{server.url}/metrics",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}", "X-Request-ID": "req-metrics"},
        timeout=TIMEOUT,
    )
    # A webhook with a bad signature is refused and logged.
    httpx.post(
        f"{server.url}/webhooks/whatsapp/",
        content=b'{"object": "whatsapp_business_account"}',
        headers={"X-Hub-Signature-256": f"sha256={APP_SECRET}", "X-Request-ID": "req-hook"},
        timeout=TIMEOUT,
    )
    time.sleep(0.5)  # let the server flush its last lines
    output = server.output()
    for secret in (
        WHATSAPP_TOKEN,
        APP_SECRET,
        METRICS_TOKEN,
        vendor_token,
        shopper_token,
        invite_token,
    ):
        leaks = [line for line in output.splitlines() if secret in line]
        assert not leaks, leaks
    lines = json_lines(output)
    assert lines, output[-2000:]
    not_found = [line for line in lines if line["event"].startswith("Not Found:")]
    assert {line.get("request_id") for line in not_found} >= {"req-vendor", "req-invite"}
    for line in lines:
        assert {"event", "level", "timestamp", "logger"} <= line.keys()
    access = {line["request_id"]: line for line in lines if line["logger"] == "grocer.access"}
    assert access["req-vendor"]["path"] == "/v/[redacted]/"
    assert access["req-vendor"]["status"] == 404
    assert access["req-metrics"]["route"] == "metrics"
    assert access["req-hook"]["route"] == "vendors:webhook"
    assert 400 <= access["req-hook"]["status"] < 500


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.timeout(300)
def test_socket_events_carry_the_writing_request_id(transactional_db):
    ana = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=ana.family)
    with ServerProcess(env=server_env()) as server:
        browser = Person(ana.user, server)
        with connect(
            f"{server.url.replace('http://', 'ws://')}/ws/lists/{grocery_list.pk}/",
            origin=server.url,
            additional_headers={"Cookie": f"sessionid={session_cookie(ana.user)}"},
            open_timeout=TIMEOUT,
        ) as ws:
            ws.send(json.dumps({"type": "catch_up", "last_seq": 0}))
            while json.loads(ws.recv(timeout=TIMEOUT))["type"] != "caught_up":
                pass
            form = browser.form(f"/lists/{grocery_list.pk}/")
            form["text"] = "bread"
            response = browser.http.post(
                f"/lists/{grocery_list.pk}/items/",
                data=form,
                headers={"X-Request-ID": "write-from-ana-1"},
            )
            assert response.status_code == 302
            while (event := json.loads(ws.recv(timeout=TIMEOUT)))["type"] != "event":
                pass
        browser.close()
    assert event["request_id"] == "write-from-ana-1"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
@pytest.mark.timeout(300)
@pytest.mark.django_db(transaction=True)
def test_tasks_log_with_the_request_id_that_enqueued_them():
    from grocer.tests.worker import Worker, send_task, worker_env

    env = worker_env(LOG_FORMAT="json")
    with Worker(env) as worker:
        worker.wait_ready()
        # What a view does: its request id is bound while it enqueues.
        with structlog.contextvars.bound_contextvars(request_id="enqueuing-request-7"):
            send_task("vendors.tasks.requeue_stuck_deliveries")
        deadline = time.monotonic() + 30
        while not any("succeeded" in line["event"] for line in json_lines(worker.output())):
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.2)
        lines = json_lines(worker.output())
    (done,) = [line for line in lines if "succeeded" in line["event"]]
    assert done["request_id"] == "enqueuing-request-7"
    assert done["task"] == "vendors.tasks.requeue_stuck_deliveries"
