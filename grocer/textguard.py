"""The one guard for text coming in: NUL characters and lone surrogates are refused.

PostgreSQL cannot store a NUL in a text column (psycopg raises `DataError`, a 500 if
nobody catches it), and a lone UTF-16 surrogate (`"\\ud800"` in JSON) cannot be encoded
to UTF-8 at all (`UnicodeEncodeError`). Neither is ever part of a real grocery item,
name or token, so they are refused at the door, before any view, form or query sees them:

- `TextGuardMiddleware` checks the URL path (and so every token in it: a 404, as no such
  address exists), every query parameter and every form field (names and values) of
  every request (a 400);
- `grocer.jsonbody` checks every string (keys and values) of every JSON body;
- `bad_text()` / `refuse_bad_text()` are there for anything else that reads raw input
  (socket frames, headers used as data).

A refused request gets a 400: a problem document (application/problem+json) when the
client speaks JSON, a short page otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.template.response import TemplateResponse

from grocer.problems import ProblemError, problem_response

_BAD = re.compile("[\x00\ud800-\udfff]")
MESSAGE = "The text contains a character that cannot be stored (a NUL or a broken UTF-16 half)."


def bad_text(value: str) -> bool:
    """True when `value` holds a NUL or a lone surrogate."""
    return _BAD.search(value) is not None


def refuse_bad_text(value: str, *, where: str = "") -> None:
    """Raise a 400 `ProblemError` naming `where` when `value` is bad text."""
    if bad_text(value):
        raise ProblemError(f"{MESSAGE[:-1]} in {where}." if where else MESSAGE, field=where)


def validate_text(value: str) -> None:
    """A form-field validator with the same rule, for forms fed from elsewhere than a request."""
    if isinstance(value, str) and bad_text(value):
        raise ValidationError(MESSAGE, code="bad_text")


def _first_bad(pairs: Iterable[tuple[str, str]], kind: str) -> str | None:
    for name, value in pairs:
        if bad_text(name):
            return f"a {kind} name"
        if isinstance(value, str) and bad_text(value):
            return f"the {kind} {name!r}"
    return None


def _pairs(query: QueryDict) -> Iterable[tuple[str, str]]:
    for key, values in query.lists():
        for value in values:
            yield key, value


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def request_problem(request: HttpRequest) -> str | None:
    """Where the request carries bad text (a phrase for the message), or None."""
    where = _first_bad(_pairs(request.GET), "query parameter")
    if where:
        return where
    if request.method == "POST" and request.content_type in FORM_TYPES:
        # Reading POST here parses the body exactly as the view would (and caches it);
        # JSON and other bodies are left alone for their own reader.
        return _first_bad(_pairs(request.POST), "field")
    return None


def wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return (
        "json" in accept.split(",", 1)[0]
        or "json" in (request.content_type or "")
        or request.path_info.startswith("/api/")
    )


def bad_text_response(request: HttpRequest, where: str) -> HttpResponse:
    detail = f"{MESSAGE[:-1]} in {where}."
    if wants_json(request):
        return problem_response(status=400, detail=detail, error=detail)
    return TemplateResponse(request, "bad_input.html", {"detail": detail}, status=400)


class TextGuardMiddleware:
    """404 for bad text in the path, 400 for bad text in the query or form fields.

    Runs in `process_view`, after CsrfViewMiddleware's own check, so a forged form is
    still a 403 and only a resolved URL is examined (an unknown one is a plain 404).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        if bad_text(request.path_info):
            # No address with such a character exists: a forged link or token is a 404.
            raise Http404("No such page.")
        where = request_problem(request)
        if where is None:
            return None
        response = bad_text_response(request, where)
        if isinstance(response, TemplateResponse):
            response.render()
        return response
