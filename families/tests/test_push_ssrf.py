"""Push subscriptions cannot make the worker call private addresses (SSRF).

The attack: a member registered `http://127.0.0.1:8509/...` as their push endpoint, and
the worker POSTed there when another member pressed "Going shopping". Endpoints are now
only browser push services on public addresses over https, checked when subscribing,
again when sending, and on the connection itself (DNS rebinding); redirects are not
followed.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from families import push, pushguard
from families.models import PushSubscription
from families.tests import test_notifications as notification_tests
from families.tests.test_notifications import Browser, b64, public_bytes
from grocer.testing import manage
from lists import services as list_services

pytestmark = pytest.mark.django_db

# The notification tests' fixtures: a family of three with a list, and VAPID keys.
family = notification_tests.family
vapid = notification_tests.vapid

PUBLIC = "142.250.74.10"  # what the push service's name resolves to in these tests


class Recorder:
    """A local HTTP server that records every request line and answers `status`
    (with `location` for redirects)."""

    def __init__(self, status: int = 201, location: str = "") -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                recorder.requests.append(f"{self.command} {self.path}")
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                self._answer()

            def do_GET(self):
                self._answer()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _keys() -> dict:
    key = ec.generate_private_key(ec.SECP256R1())
    return {"p256dh": b64(public_bytes(key)), "auth": b64(os.urandom(16))}


@pytest.fixture
def public_dns(monkeypatch):
    """The check's DNS answers: push service names are public, anything else as given."""
    answers = {"fcm.googleapis.com": [PUBLIC], "updates.push.services.mozilla.com": [PUBLIC]}

    original = pushguard.resolve

    def resolve(host, port):
        return answers[host] if host in answers else original(host, port)

    monkeypatch.setattr(pushguard, "resolve", resolve)
    return answers


# --- at subscription time ----------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8509/push/steal",  # the attack from the report
        "https://127.0.0.1/push",
        "https://[::1]/push",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://10.0.0.7/push",
        "https://evil.example/push",  # not a push service
        "https://fcm.googleapis.com.evil.example/push",
        "http://fcm.googleapis.com/fcm/send/abc",  # not https
        "https://user:secret@fcm.googleapis.com/fcm/send/abc",
        "https://localhost/push",
    ],
)
def test_private_or_unknown_endpoints_are_refused(client, family, public_dns, endpoint):
    _ana, ben, _cara, _list = family
    client.force_login(ben.user)
    url = reverse("families:push_subscription", kwargs={"family_id": ben.family_id})
    body = json.dumps({"endpoint": endpoint, "keys": _keys()})
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["endpoint"]
    assert not PushSubscription.objects.exists()


def test_a_push_service_name_that_resolves_privately_is_refused(client, family, public_dns):
    _ana, ben, _cara, _list = family
    public_dns["fcm.googleapis.com"] = [PUBLIC, "10.1.2.3"]
    client.force_login(ben.user)
    url = reverse("families:push_subscription", kwargs={"family_id": ben.family_id})
    body = {"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": _keys()}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "public address" in response.json()["errors"]["endpoint"][0]
    public_dns["fcm.googleapis.com"] = [PUBLIC]
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.json() == {"subscribed": True}


# --- at send time ---------------------------------------------------------------------------


def test_a_stored_private_endpoint_is_never_called(
    family, vapid, django_capture_on_commit_callbacks
):
    """The report's scenario: Ben's endpoint is a local service; Ana goes shopping."""
    ana, ben, _cara, grocery_list = family
    with Recorder() as target:
        # Stored as it was before subscriptions were checked.
        Browser(f"{target.url}/push/steal").subscribe(ben.user)
        with django_capture_on_commit_callbacks(execute=True):
            list_services.shopping_start(grocery_list=grocery_list, actor=ana.user, store="")
        assert target.requests == []
    assert not PushSubscription.objects.exists()  # forgotten, not retried


def test_dns_rebinding_is_caught_on_the_connection(
    family, vapid, public_dns, monkeypatch, django_capture_on_commit_callbacks
):
    """The check resolves the push service to a public address; the connection's own
    lookup then gets 127.0.0.1. The connected peer is checked, so nothing is sent."""
    ana, ben, _cara, grocery_list = family
    real_getaddrinfo = socket.getaddrinfo
    with Recorder() as target:

        def rebinding(host, port, *args, **kwargs):
            if host == "fcm.googleapis.com":
                return real_getaddrinfo("127.0.0.1", target.port, *args, **kwargs)
            return real_getaddrinfo(host, port, *args, **kwargs)

        Browser("https://fcm.googleapis.com/fcm/send/ben").subscribe(ben.user)
        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        with django_capture_on_commit_callbacks(execute=True):
            list_services.shopping_start(grocery_list=grocery_list, actor=ana.user, store="")
        assert target.requests == []
    assert not PushSubscription.objects.exists()


def test_redirects_are_not_followed(family, vapid, settings):
    """Even a trusted relay cannot bounce the worker elsewhere with a 307."""
    _ana, ben, _cara, _list = family
    settings.WEBPUSH_ALLOWED_HOSTS = [*settings.WEBPUSH_ALLOWED_HOSTS, "127.0.0.1"]
    settings.WEBPUSH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with Recorder() as elsewhere, Recorder(307, f"{elsewhere.url}/steal") as relay:
        subscription = Browser(f"{relay.url}/push/ben").subscribe(ben.user)
        sent = push.push_send(subscription_id=subscription.pk, data="{}")
        assert relay.requests == ["POST /push/ben"]
        assert elsewhere.requests == []
    assert sent is False


def test_the_push_session_refuses_private_peers_and_redirects():
    session = pushguard.push_session()
    assert session.trust_env is False  # no HTTPS_PROXY detour: the peer is the service
    with Recorder(302, "http://127.0.0.1:1/") as local:
        with pytest.raises(pushguard.EndpointRefusedError):
            session.post(f"{local.url}/x", data=b"{}", timeout=5)
        assert local.requests == []


def test_the_allow_list_can_be_extended_from_the_environment():
    out = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(','.join(settings.WEBPUSH_ALLOWED_HOSTS))",
        env={"WEBPUSH_EXTRA_HOSTS": "push.example.org,*.relay.example.net"},
    )
    hosts = out.strip().splitlines()[-1].split(",")
    assert "fcm.googleapis.com" in hosts
    assert hosts[-2:] == ["push.example.org", "*.relay.example.net"]
