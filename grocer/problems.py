"""RFC 9457 problem documents: the one shape of a refused JSON request.

`ProblemError` carries the answer from deep inside input handling (the JSON body reader,
the text guard) up to the view, which returns `error.response()`.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(
    *, status: int, detail: str = "", title: str = "", **extensions: Any
) -> JsonResponse:
    """`{"type": "about:blank", "title", "status", "detail", ...extensions}` as problem+json.

    `title` defaults to the status phrase ("Bad Request"); `detail` is the sentence a
    person (or a client showing it to one) can act on.
    """
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extensions,
    }
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


class ProblemError(Exception):
    """Refuse the request with a problem document; `response()` renders it."""

    def __init__(self, detail: str, *, status: int = 400, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.extensions = extensions

    def response(self, **extensions: Any) -> JsonResponse:
        """The problem document; `extensions` add members (a client's legacy `error` key...)."""
        return problem_response(
            status=self.status, detail=self.detail, **{**self.extensions, **extensions}
        )
