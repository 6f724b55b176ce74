"""A fake WhatsApp Cloud API (Graph API) served over real HTTP for the tests.

It checks requests the way the real API does (path and version, bearer token, JSON
shape, E.164 digits, body length, single-line template parameters) and answers with
the real API's success and error shapes. Tests script what comes next (success, an
error code, 429, 500, a delay) and read `requests` to count what reached "WhatsApp".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from grocer.testing import free_port


class _Server(ThreadingHTTPServer):
    # The real API takes bursts of connections; socketserver's listen backlog of 5 reset
    # them when a drain's batch of sends connected at once (bench/README.md).
    request_queue_size = 128
    daemon_threads = True


@dataclass
class Reply:
    """One scripted answer. `delay` seconds pass before it is written."""

    status: int = 200
    error_code: int | None = None
    message: str = ""
    delay: float = 0.0
    raw: str | None = None


def ok(*, delay: float = 0.0) -> Reply:
    return Reply(delay=delay)


def error(code: int, *, status: int = 400, message: str = "error", delay: float = 0.0) -> Reply:
    return Reply(status=status, error_code=code, message=message, delay=delay)


def http_status(status: int, *, delay: float = 0.0, raw: str = "") -> Reply:
    """An answer without a Graph error body, like a proxy's 502 or a bare 429."""
    return Reply(status=status, raw=raw or f"status {status}", delay=delay)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any
    reply_status: int = 0
    message_id: str = ""


@dataclass
class FakeGraph:
    token: str = "fake-token"
    phone_number_id: str = "105550001"
    version: str = "v21.0"
    template_name: str = "grocer_list_shared"
    # Unscripted requests: this much latency, and this share of them answered 500.
    latency: float = 0.0
    failure_rate: float = 0.0
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._script: list[Reply] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.received = threading.Condition(self._lock)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- scripting -------------------------------------------------------------------
    def script(self, *replies: Reply) -> None:
        """Queue answers for the next requests; once used up, requests succeed."""
        with self._lock:
            self._script.extend(replies)

    def wait_for_requests(self, count: int, *, timeout: float) -> bool:
        """Block until `count` requests have arrived (bounded by `timeout`)."""
        with self.received:
            return self.received.wait_for(lambda: len(self.requests) >= count, timeout=timeout)

    @property
    def sent(self) -> list[Recorded]:
        """Requests the API accepted (it answered 200 with a message id)."""
        return [r for r in self.requests if r.message_id]

    # --- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> FakeGraph:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._write(self, 400, _error_body(100, "Unsupported get request."))

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping.set()  # cut scripted delays short
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    # --- the API ---------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        recorded = Recorded(path=handler.path, headers=dict(handler.headers.items()), body=body)
        with self.received:
            self.requests.append(recorded)
            reply = self._script.pop(0) if self._script else None
            self.received.notify_all()
        if reply is None and self.failure_rate and random.random() < self.failure_rate:
            reply = http_status(500)
        if reply is None and self.latency:
            reply = ok(delay=self.latency)
        elif reply is not None and self.latency and not reply.delay:
            reply.delay = self.latency

        status, payload = self._validate(handler, body)
        if status == 200 and reply is not None:
            if reply.raw is not None:
                status, payload = reply.status, reply.raw
            elif reply.error_code is not None or reply.status != 200:
                status = reply.status
                payload = _error_body(reply.error_code or 131000, reply.message or "error")
        if reply is not None and reply.delay:
            self._stopping.wait(reply.delay)
        if status == 200:
            recorded.message_id = f"wamid.{uuid.uuid4().hex}"
            payload = {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": recorded.message_id}],
            }
        recorded.reply_status = status
        self._write(handler, status, payload)

    def _validate(self, handler: BaseHTTPRequestHandler, body: Any) -> tuple[int, Any]:
        match = re.fullmatch(r"/(v\d+\.\d+)/([^/]+)/messages", handler.path)
        if not match:
            return 400, _error_body(100, "Unknown path components")
        if match.group(1) != self.version:
            return 400, _error_body(2635, f"Unknown API version {match.group(1)}")
        if match.group(2) != self.phone_number_id:
            return 400, _error_body(100, "Object with ID does not exist")
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, _error_body(190, "Invalid OAuth access token.", kind="OAuthException")
        if "application/json" not in (handler.headers.get("Content-Type") or ""):
            return 400, _error_body(100, "Content-Type must be application/json")
        problem = _body_problem(body, template_name=self.template_name)
        if problem:
            return 400, _error_body(100, f"(#100) Invalid parameter: {problem}")
        return 200, None

    @staticmethod
    def _write(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the client gave up (a timeout, a killed worker): that is the point


def _error_body(code: int, message: str, *, kind: str = "OAuthException") -> dict:
    return {
        "error": {
            "message": message,
            "type": kind,
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": message},
            "fbtrace_id": uuid.uuid4().hex[:16],
        }
    }


def _body_problem(body: Any, *, template_name: str) -> str:
    """What the real API would reject in a message body, or ""."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    if body.get("recipient_type", "individual") != "individual":
        return "recipient_type"
    if not re.fullmatch(r"\+?[1-9]\d{6,14}", str(body.get("to", ""))):
        return "to must be a phone number in E.164"
    opaque = body.get("biz_opaque_callback_data")
    if opaque is not None and (not isinstance(opaque, str) or len(opaque.encode()) > 512):
        return "biz_opaque_callback_data"
    kind = body.get("type")
    if kind == "text":
        text = body.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("body"), str):
            return "text.body is required"
        if not text["body"].strip() or len(text["body"]) > 4096:
            return "text.body must be 1 to 4096 characters"
        return ""
    if kind == "template":
        template = body.get("template")
        if not isinstance(template, dict) or template.get("name") != template_name:
            return "template name does not exist in the translation"
        if not isinstance(template.get("language"), dict) or not template["language"].get("code"):
            return "template.language.code is required"
        for component in template.get("components") or []:
            for parameter in component.get("parameters") or []:
                if parameter.get("type") != "text" or not isinstance(parameter.get("text"), str):
                    return "template parameters must be text"
                value = parameter["text"]
                if not value or re.search(r"[\n\t]| {5,}", value):
                    return "template parameter has new-line/tab or more than 4 spaces"
        return ""
    return "type must be text or template"


# --- webhook fixtures ----------------------------------------------------------------------


def status_webhook(
    wamid: str,
    status: str,
    *,
    callback_data: str | None = None,
    errors: list[dict] | None = None,
    phone_number_id: str = "105550001",
) -> dict:
    item: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": "1764000000",
        "recipient_id": "34600111222",
    }
    if callback_data is not None:
        item["biz_opaque_callback_data"] = callback_data
    if errors:
        item["errors"] = errors
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA_ID",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": phone_number_id},
                            "statuses": [item],
                        },
                    }
                ],
            }
        ],
    }


def signed(payload: dict, secret: str) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    return body, "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
