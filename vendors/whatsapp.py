"""A thin client for the WhatsApp Cloud API (Graph API), configured from settings.

Only what Grocer needs: send one message, classify errors by `error.code` (never by
text or HTTP status alone), verify webhook signatures, and build click-to-chat links
for installations without the API. Every call goes through a circuit breaker whose state
lives in Redis, so all workers stop calling a failing API together.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pybreaker
from django.conf import settings
from django.utils.translation import gettext_noop

from grocer import metrics

# Transient: retried with backoff. Rate limits among them are not an outage, so they do
# not count towards opening the circuit breaker.
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131056})
RETRYABLE_CODES = frozenset({1, 2, 131000, 131016}) | RATE_LIMIT_CODES
# Free-form text outside the 24-hour window: send the template instead.
OUTSIDE_WINDOW_CODE = 131047

TEMPLATE_PARAM_MAX = 200
TEXT_BODY_MAX = 4096


def _permanent_reason(code: int | None) -> str:
    """What the family reads on the list page when a send fails for good.

    Stored in English; marked so the page shows it in the reader's language
    (vendors/_share_statuses.html translates the stored text).
    """
    if code == 131026:
        return gettext_noop("The vendor's number is not on WhatsApp or cannot receive messages.")
    if code == 190:
        return gettext_noop("Our WhatsApp token has expired — an admin must renew it.")
    if code in (0, 3, 10) or (code is not None and 200 <= code <= 299):
        return gettext_noop(
            "Our WhatsApp account is not allowed to send this — an admin must check it."
        )
    if code in (100, 131008, 131009):
        return gettext_noop(
            "WhatsApp rejected the message as invalid — an admin must check the settings."
        )
    if code is not None and 132000 <= code <= 132016:
        return gettext_noop("WhatsApp rejected our message template — an admin must check it.")
    if code == OUTSIDE_WINDOW_CODE:
        return gettext_noop(
            "The vendor has not written to us in the last 24 hours and no approved "
            "template is configured: use the WhatsApp link instead."
        )
    if code == 131048:
        return gettext_noop("WhatsApp has limited our number for spam reports; try again later.")
    if code in (368, 131031):
        return gettext_noop("Our WhatsApp business account is restricted — an admin must check it.")
    if code == 131030:
        return gettext_noop("The vendor's number is not on our test number's allowed list.")
    return f"WhatsApp refused the message (error {code})."


class WhatsAppError(Exception):
    """A failed send. `retryable` decides between backing off and giving up."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        retryable: bool,
        trips_breaker: bool = True,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status
        self.retryable = retryable
        # Permanent errors (a bad number) say nothing about the API's health.
        self.trips_breaker = trips_breaker and retryable

    @property
    def reason(self) -> str:
        if self.retryable:
            return gettext_noop("WhatsApp is not answering right now; we keep trying.")
        return _permanent_reason(self.code)


class CircuitOpen(Exception):  # noqa: N818 - reads as a state, like pybreaker's own
    """The breaker is open: nothing was sent. `retry_in` seconds until it half-opens."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"WhatsApp circuit open for another {retry_in:.0f}s")
        self.retry_in = retry_in


@dataclass(frozen=True)
class SendResult:
    message_id: str
    wa_id: str


def is_configured() -> bool:
    return bool(settings.WHATSAPP_TOKEN and settings.WHATSAPP_PHONE_NUMBER_ID)


def to_digits(number: str) -> str:
    """E.164 as the API and wa.me want it: digits only, no "+"."""
    return re.sub(r"\D", "", number)


def from_digits(digits: str) -> str:
    """A webhook's digits back to our stored E.164 form."""
    return "+" + to_digits(digits)


def template_param(text: str) -> str:
    """Template parameters must be one short line: no newlines, tabs or runs of spaces."""
    single = re.sub(r"\s+", " ", text).strip()
    if len(single) > TEMPLATE_PARAM_MAX:
        single = single[: TEMPLATE_PARAM_MAX - 1].rstrip() + "…"
    return single or "-"


def text_payload(*, to: str, body: str, callback_data: str = "") -> dict[str, Any]:
    if len(body) > TEXT_BODY_MAX:
        body = body[: TEXT_BODY_MAX - 1] + "…"
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to_digits(to),
        "type": "text",
        "text": {"preview_url": False, "body": body},
    }
    if callback_data:
        payload["biz_opaque_callback_data"] = callback_data
    return payload


def template_language(language: str) -> str:
    """Meta's language code of the approved template for a vendor's language."""
    return settings.WHATSAPP_TEMPLATE_LANGUAGES.get(language, settings.WHATSAPP_TEMPLATE_LANGUAGE)


def template_payload(
    *, to: str, params: list[str], callback_data: str = "", language: str = ""
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to_digits(to),
        "type": "template",
        "template": {
            "name": settings.WHATSAPP_TEMPLATE_NAME,
            "language": {"code": template_language(language)},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": template_param(p)} for p in params],
                }
            ],
        },
    }
    if callback_data:
        payload["biz_opaque_callback_data"] = callback_data
    return payload


def _messages_url() -> str:
    base = settings.WHATSAPP_API_BASE.rstrip("/")
    return f"{base}/{settings.WHATSAPP_API_VERSION}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"


def _error_from_response(response: httpx.Response) -> WhatsAppError:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code = error.get("code")
    code = code if isinstance(code, int) else None
    message = f"HTTP {response.status_code}: {error.get('message') or response.text[:200]}"
    status = response.status_code
    if code is not None and code in RETRYABLE_CODES:
        return WhatsAppError(
            message,
            code=code,
            http_status=status,
            retryable=True,
            trips_breaker=code not in RATE_LIMIT_CODES,
        )
    if code is not None and code in _known_permanent(code):
        return WhatsAppError(message, code=code, http_status=status, retryable=False)
    if status == 429:
        return WhatsAppError(
            message, code=code, http_status=status, retryable=True, trips_breaker=False
        )
    if status >= 500:
        return WhatsAppError(message, code=code, http_status=status, retryable=True)
    # Any other 4xx (an unknown code, or no Graph error body at all) will not improve.
    return WhatsAppError(message, code=code, http_status=status, retryable=False)


def _known_permanent(code: int | None) -> set[int]:
    """Codes the reference lists as never worth retrying, whatever the HTTP status."""
    if code is None:
        return set()
    listed = {0, 3, 10, 100, 190, 368, 131008, 131009, 131026, 131030, 131031, 131047, 131048}
    if 200 <= code <= 299 or 132000 <= code <= 132016:
        listed.add(code)
    return listed


_http_clients: dict[int, httpx.Client] = {}
# httpx keeps 20 idle connections by default: a threads worker with more threads than that
# would close and reopen (TCP and TLS) a connection for most messages.
_HTTP_LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=200)
_http_lock = threading.Lock()


def _http_client() -> httpx.Client:
    """This process's client, whose pool keeps connections (and one TLS context) alive.

    A new client per message cost ~25 ms of CPU building its SSL context alone (bench).
    httpx clients are thread-safe; a forked worker child builds its own.
    """
    pid = os.getpid()
    client = _http_clients.get(pid)
    if client is None:
        with _http_lock:
            # Checked again under the lock: a threads worker's first tasks all arrive here
            # at once, and each would build (and throw away) a client of its own.
            client = _http_clients.get(pid)
            if client is None:
                client = _http_clients[pid] = httpx.Client(limits=_HTTP_LIMITS)
    return client


def _post(payload: dict[str, Any]) -> SendResult:
    timeout = httpx.Timeout(
        connect=settings.WHATSAPP_CONNECT_TIMEOUT,
        read=settings.WHATSAPP_READ_TIMEOUT,
        write=settings.WHATSAPP_READ_TIMEOUT,
        pool=settings.WHATSAPP_CONNECT_TIMEOUT,
    )
    headers = {"Authorization": f"Bearer {settings.WHATSAPP_TOKEN}"}
    try:
        response = _http_client().post(
            _messages_url(), json=payload, headers=headers, timeout=timeout
        )
    except httpx.TimeoutException as exc:
        raise WhatsAppError(f"timeout: {type(exc).__name__}", retryable=True) from exc
    except httpx.TransportError as exc:
        raise WhatsAppError(f"connection failed: {exc}", retryable=True) from exc
    if response.status_code != 200:
        raise _error_from_response(response)
    try:
        data = response.json()
        return SendResult(
            message_id=data["messages"][0]["id"],
            wa_id=(data.get("contacts") or [{}])[0].get("wa_id", ""),
        )
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        # A 200 we cannot read: the message probably went out. Not retryable, or we
        # would send it twice.
        raise WhatsAppError(
            f"unreadable success response: {response.text[:200]}", retryable=False
        ) from exc


class _ConcurrentBreaker(pybreaker.CircuitBreaker):
    """pybreaker's breaker with calls outside its lock and a half-open state of our own.

    pybreaker holds its lock for the whole call, so every send of a process waited for the
    one before it: a threads worker delivered 5 messages/s (bench). The state lives in
    Redis, whose counters are atomic, so closed-state calls need no shared lock.

    Half-open (the cool-down over), pybreaker lets one trial call through per process and
    counts any call that does not trip the breaker (a 429, a bad number) as a success that
    closes it. Here the trial is a lease shared through the state storage: one call across
    every worker, and only a successful send closes the breaker; a transient failure opens
    it for another cool-down, anything else leaves it half-open for the next trial.
    """

    def __init__(self, *args, trial_lease: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.trial_lease = trial_lease
        self._local_trial = threading.Lock()

    def cooling_down(self) -> bool:
        opened_at = self._state_storage.opened_at
        if self.current_state != pybreaker.STATE_OPEN or opened_at is None:
            return False
        return datetime.now(UTC) < opened_at + timedelta(seconds=self.reset_timeout)

    def call(self, func, *args, **kwargs):
        if self.current_state == pybreaker.STATE_CLOSED:
            return self._call_closed(func, *args, **kwargs)
        if self.cooling_down():
            raise pybreaker.CircuitBreakerError("circuit open")
        token = self._take_trial()
        if token is None:
            raise pybreaker.CircuitBreakerError("a trial call is in flight")
        try:
            self.half_open()
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                if self.is_system_error(exc):
                    self.open()  # the API is still failing: another cool-down
                raise
            self.close()
            return result
        finally:
            self._give_back_trial(token)

    def _call_closed(self, func, *args, **kwargs):
        """pybreaker's closed-state call without reading the shared state a second time
        (pybreaker read it twice per call: a Redis round trip per send for nothing).

        Every success still writes the failure count back to 0: calls overlap, and a
        success that skipped the write because the count was 0 when it started would
        leave failures of calls that ended meanwhile counted, opening the breaker on
        failures that were never consecutive (the bench's 10%-failing run did).
        """
        closed = self._state
        if closed.name != pybreaker.STATE_CLOSED:
            closed = self.state  # another process moved it: pybreaker's own catch-up
        return closed.call(func, *args, **kwargs)

    def trial_in_flight(self) -> bool:
        client = self._redis()
        if client is None:
            return self._local_trial.locked()
        return bool(client.exists(self._trial_key()))

    # The lease: SET NX with an expiry in Redis (a worker killed mid-trial frees it after
    # trial_lease seconds), a plain lock in memory.
    def _redis(self):
        return getattr(self._state_storage, "_redis", None)

    def _trial_key(self) -> str:
        return self._state_storage._namespace("trial")

    def _take_trial(self) -> str | None:
        client = self._redis()
        if client is None:
            return "local" if self._local_trial.acquire(blocking=False) else None
        token = uuid.uuid4().hex
        taken = client.set(self._trial_key(), token, nx=True, px=int(self.trial_lease * 1000))
        return token if taken else None

    def _give_back_trial(self, token: str) -> None:
        client = self._redis()
        if client is None:
            self._local_trial.release()
            return
        # Only our own lease: after an expiry another worker may hold a new one.
        client.eval(_RELEASE_IF_OWNER, 1, self._trial_key(), token)


_RELEASE_IF_OWNER = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


_breakers: dict[tuple, pybreaker.CircuitBreaker] = {}


def breaker() -> pybreaker.CircuitBreaker:
    """The process's breaker; its state is shared through Redis when Redis is configured."""
    key = (
        settings.REDIS_URL,
        settings.REDIS_KEY_PREFIX,
        settings.WHATSAPP_BREAKER_FAIL_MAX,
        settings.WHATSAPP_BREAKER_RESET_SECONDS,
    )
    if key not in _breakers:
        storage: pybreaker.CircuitBreakerStorage
        if settings.REDIS_URL:
            import redis

            client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
            )
            storage = pybreaker.CircuitRedisStorage(
                pybreaker.STATE_CLOSED, client, namespace=f"{settings.REDIS_KEY_PREFIX}:whatsapp"
            )
        else:
            storage = pybreaker.CircuitMemoryStorage(pybreaker.STATE_CLOSED)
        _breakers[key] = _ConcurrentBreaker(
            fail_max=settings.WHATSAPP_BREAKER_FAIL_MAX,
            reset_timeout=settings.WHATSAPP_BREAKER_RESET_SECONDS,
            exclude=[lambda exc: not getattr(exc, "trips_breaker", True)],
            state_storage=storage,
            name="whatsapp",
            # Let the error that tripped it through: it decides retry vs. failure.
            throw_new_error_on_trip=False,
            # Longer than a send can take, so a live trial is never doubled.
            trial_lease=settings.WHATSAPP_CONNECT_TIMEOUT + settings.WHATSAPP_READ_TIMEOUT + 5,
        )
    return _breakers[key]


# How long a send waits while another worker's trial call decides the breaker.
TRIAL_WAIT_SECONDS = 5.0


def breaker_retry_in() -> float:
    """Seconds until an open breaker lets a trial call through (0 when closed).

    Half-open with a trial in flight elsewhere: a short wait for its outcome."""
    cb = breaker()
    state = cb.current_state
    if state == pybreaker.STATE_CLOSED:
        return 0.0
    if state == pybreaker.STATE_HALF_OPEN or not cb.cooling_down():
        return TRIAL_WAIT_SECONDS if cb.trial_in_flight() else 0.0
    opened_at = cb._state_storage.opened_at  # the storage is the shared truth
    if opened_at is None:
        return 0.0
    reopen = opened_at + timedelta(seconds=cb.reset_timeout)
    return max(0.0, (reopen - datetime.now(UTC)).total_seconds())


def send(payload: dict[str, Any]) -> SendResult:
    """POST one message through the breaker. Raises WhatsAppError or CircuitOpen."""
    try:
        result = breaker().call(_post, payload)
    except pybreaker.CircuitBreakerError:
        metrics.whatsapp_sends.labels("breaker_open", "").inc()
        raise CircuitOpen(max(1.0, breaker_retry_in())) from None
    except WhatsAppError as exc:
        outcome = "retryable" if exc.retryable else "permanent"
        metrics.whatsapp_sends.labels(outcome, "" if exc.code is None else str(exc.code)).inc()
        raise
    metrics.whatsapp_sends.labels("sent", "").inc()
    return result


def signature_valid(body: bytes, header: str | None) -> bool:
    """`X-Hub-Signature-256: sha256=<hex>` over the raw body, compared in constant time."""
    secret = settings.WHATSAPP_APP_SECRET
    if not secret or not header or not header.startswith("sha256="):
        return False
    given = header.removeprefix("sha256=")
    # compare_digest raises TypeError on non-ASCII str; a forged header is just wrong.
    if not given.isascii():
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.encode())


def click_to_chat_url(*, number: str, text: str) -> str:
    return f"https://wa.me/{to_digits(number)}?text={quote(text, safe='')}"
