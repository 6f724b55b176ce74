"""RFC 9457 problem documents: the one shape of every error under /api/v1.

`{"type", "title", "status", "detail"}` plus `errors` (one entry per bad field) where
input was refused. Views raise `Problem` (or Http404 / ValidationError, translated by
the handlers in `api.api`); the middleware turns what Django answers outside a view
(unknown path, wrong method, CSRF) into the same shape.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from grocer.problems import PROBLEM_CONTENT_TYPE
from grocer.problems import problem_response as base_problem_response

CONTENT_TYPE = PROBLEM_CONTENT_TYPE
TYPE_BASE = "/api/v1/problems/"
# A stable `type` per kind of problem; clients switch on it, not on `title` or `detail`.
TYPES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    410: "gone",
    412: "precondition-failed",
    413: "too-large",
    415: "unsupported-media-type",
    422: "validation",
    428: "precondition-required",
    429: "rate-limited",
    500: "server-error",
    503: "unavailable",
}


class Problem(Exception):  # noqa: N818 - it is the problem document, not an error of ours
    """Raise to answer with a problem document; `extra` adds members (e.g. `current`)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type: str | None = None,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type
        self.title = title
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    status: int,
    detail: str,
    *,
    type: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    """The project's problem document (`grocer.problems`) with this API's `type` URIs."""
    if errors is not None:
        extra["errors"] = errors
    response = base_problem_response(
        status=status,
        detail=detail,
        title=title or "",
        type=TYPE_BASE + (type or TYPES.get(status, "error")),
        **extra,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def from_exception(problem: Problem) -> HttpResponse:
    return problem_response(
        problem.status,
        problem.detail,
        type=problem.type,
        title=problem.title,
        errors=problem.errors,
        headers=problem.headers,
        **problem.extra,
    )


def field_errors(messages: dict[str, list[str]] | list[str]) -> list[dict[str, str]]:
    """A Django ValidationError's messages as `[{"field", "message"}]`."""
    if isinstance(messages, dict):
        return [
            {"field": "" if field == "__all__" else field, "message": message}
            for field, field_messages in messages.items()
            for message in field_messages
        ]
    return [{"field": "", "message": message} for message in messages]
