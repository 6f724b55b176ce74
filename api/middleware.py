"""Everything under /api/ that is decided around the view rather than in it.

- a body that is not JSON is a 415, an oversized one a 413, before any parsing;
- `Idempotency-Key` on POST (see `api.idempotency`);
- rate-limit headers on every answer;
- whatever Django answers itself (unknown path 404, wrong method 405, a crash's 500)
  becomes a problem document like the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from grocer import jsonbody
from grocer.problems import ProblemError

from . import idempotency, limits
from .problems import CONTENT_TYPE, problem_response

PREFIX = "/api/"
BODY_METHODS = ("POST", "PUT", "PATCH")
DETAILS = {
    404: "There is nothing at this address.",
    405: "This address does not answer to {method}.",
    500: "Something went wrong on our side; it was logged.",
}


class ApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        response = self._early(request)
        if response is None:
            key = request.headers.get(idempotency.HEADER)
            if request.method == "POST" and key is not None:
                response = idempotency.handle(request, key, self.get_response)
            else:
                response = self.get_response(request)
        response = self._as_problem(request, response)
        limits.add_headers(request, response)
        return response

    @staticmethod
    def _early(request: HttpRequest) -> HttpResponse | None:
        """Content type and size, by the project's JSON body reader, before any view."""
        if request.method not in BODY_METHODS or request.META.get("CONTENT_LENGTH") in (
            None,
            "",
            "0",
        ):
            return None
        try:
            jsonbody.read_body(request)
        except ProblemError as error:
            return problem_response(error.status, error.detail)
        return None

    @staticmethod
    def _as_problem(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        status = response.status_code
        if status < 400 or response.get("Content-Type", "").startswith(CONTENT_TYPE):
            return response
        if response.get("Content-Type", "").startswith("application/json") and getattr(
            response, "content", None
        ):
            try:
                detail = json.loads(response.content).get("detail")
            except (ValueError, AttributeError):
                detail = None
        else:
            detail = None
        template = DETAILS.get(status, "The request could not be answered.")
        problem = problem_response(
            status, str(detail) if detail else template.format(method=request.method)
        )
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if response.has_header(header):
                problem[header] = response[header]
        return problem
