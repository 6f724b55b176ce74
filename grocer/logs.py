"""Structured logs: JSON lines in production, readable lines in development.

Every record, from our code, Django, Celery or a library, goes through the standard
`logging` handlers with structlog's `ProcessorFormatter`, so one format covers them all.
Context bound with `structlog.contextvars` (the request id, set by
`grocer.middleware.RequestObservabilityMiddleware`) is merged into each line of that
request, of the Celery tasks it enqueued (the id travels in a message header, see
`grocer.celery`) and of the socket events its writes caused (the id rides on the event).

Secrets never reach a line: values of secret-looking keys are replaced, and the rendered
message is scrubbed of bearer tokens, configured secrets, and the capability tokens in
vendor, shopper, invitation and password-reset URLs (their path *is* the credential).
"""

from __future__ import annotations

import functools
import re
import uuid
from typing import Any

import structlog
from django.core.signals import setting_changed

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it is short and plain: it ends up in every log line.
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
REDACTED = "[redacted]"

_SECRET_KEYS = re.compile(
    r"(pass(word)?|secret|token|authorization|cookie|signature|api[_-]?key|csrf|session)",
    re.IGNORECASE,
)
# (cheap substring triggers in the lower-cased text, pattern, replacement): a message
# without any trigger skips the regular expressions altogether.
_SECRET_PATTERNS = [
    # Authorization headers and the like, wherever they end up in a message.
    (
        ("bearer", "basic"),
        re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
        r"\1 " + REDACTED,
    ),
    # Capability URLs: the token in the path is the whole credential.
    (("/v/", "/s/", "/invite/"), re.compile(r"(/(?:v|s|invite)/)[^/\s?\"']+"), r"\1" + REDACTED),
    (
        ("/password/reset/",),
        re.compile(r"(/password/reset/[^/\s]+/)[^/\s?\"']+"),
        r"\1" + REDACTED,
    ),
    # Credentials in query strings and URLs.
    (
        ("token=", "key=", "signature="),
        re.compile(r"(?i)([?&](?:access_token|token|key|signature|x-amz-signature)=)[^&\s\"']+"),
        r"\1" + REDACTED,
    ),
    (("://",), re.compile(r"(?i)(\w+://[^:/\s]+:)[^@\s]+@"), r"\1" + REDACTED + "@"),
    # A message that quotes "token": "..." or password=...
    (
        ("password", "secret", "token", "api_key"),
        re.compile(
            r"(?i)([\"']?(?:password|secret|token|api_key)[\"']?\s*[:=]\s*[\"']?)[^\"'\s,}&]+"
        ),
        r"\1" + REDACTED,
    ),
]


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(incoming: str | None) -> str:
    """The caller's X-Request-ID when it is a plain short token (a proxy's), else a new one."""
    if incoming and _REQUEST_ID_OK.match(incoming):
        return incoming
    return new_request_id()


def current_request_id() -> str | None:
    return structlog.contextvars.get_contextvars().get("request_id")


@functools.cache
def _configured_secrets() -> tuple[str, ...]:
    """Secret values from settings, so a message that quotes one verbatim is caught too.

    Cached: read once per process (tests that change settings clear it, see below).
    """
    from django.conf import settings

    names = (
        "SECRET_KEY",
        "WHATSAPP_TOKEN",
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_VERIFY_TOKEN",
        "METRICS_TOKEN",
        "WEBPUSH_VAPID_PRIVATE_KEY",
        "EMAIL_HOST_PASSWORD",
        "AWS_SECRET_ACCESS_KEY",
    )
    return tuple(
        value for name in names if len(value := str(getattr(settings, name, "") or "")) >= 8
    )


def _forget_secrets(**kwargs: Any) -> None:
    _configured_secrets.cache_clear()


setting_changed.connect(_forget_secrets)


def scrub(text: str) -> str:
    lowered = text.lower()
    for triggers, pattern, replacement in _SECRET_PATTERNS:
        if any(trigger in lowered for trigger in triggers):
            text = pattern.sub(replacement, text)
    try:
        secrets = _configured_secrets()
    except Exception:  # settings not ready (an early import error): patterns still apply
        secrets = ()
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_secrets(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: the last step before rendering."""
    for key, value in list(event_dict.items()):
        if key in ("request_id", "logger", "level", "timestamp"):
            continue
        if _SECRET_KEYS.search(key):
            event_dict[key] = REDACTED
        elif isinstance(value, str):
            event_dict[key] = scrub(value)
        elif not isinstance(value, (int, float, bool, type(None))):
            # Objects render through repr (a request's repr holds its path): scrub that.
            event_dict[key] = scrub(str(value))
    return event_dict


def _shared_processors() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]


def logging_config(*, fmt: str, level: str) -> dict[str, Any]:
    """`LOGGING` for settings: `fmt` is "json" (production) or "console" (make run)."""
    if fmt not in ("json", "console"):
        raise ValueError(f"LOG_FORMAT must be json or console, not {fmt!r}")
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "grocer": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": _shared_processors(),
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    _render_message,
                    redact_secrets,
                    renderer,
                ],
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "grocer"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's default config gives "django" a plain-text handler of its own (with
            # DEBUG on): everything goes through the one formatter instead.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.db.backends": {"level": "INFO"},
            # One line per request already comes from the proxy; httpx's per-call INFO
            # lines carry nothing the WhatsApp metrics do not.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
    }


def _render_message(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """`%`-style arguments of stdlib records are already merged; make `event` a string."""
    event = event_dict.get("event")
    if event is not None and not isinstance(event, str):
        event_dict["event"] = str(event)
    return event_dict
