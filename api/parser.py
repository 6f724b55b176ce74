"""The JSON body reader for /api/v1: bounded size and depth, text the database can store.

ninja hands the body to `parse_body`; anything raised here becomes a 400 problem
document whose detail says what was wrong (see `api.api`).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.parser import Parser

from .problems import Problem

MAX_DEPTH = 20


def _bad(detail: str, status: int = 400) -> Problem:
    return Problem(status, detail)


def text_problem(value: str) -> str | None:
    """Why PostgreSQL could not store this text (a NUL, a lone surrogate), or None."""
    if "\x00" in value:
        return "Text must not contain NUL characters."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Text must be valid Unicode (no lone surrogates)."
    return None


def _check(value: Any) -> None:
    """Depth and text checks, iteratively: a hostile document must not exhaust the stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, (dict, list)):
            if depth > MAX_DEPTH:
                raise _bad(f"The JSON body is nested more than {MAX_DEPTH} levels deep.")
            children = current.items() if isinstance(current, dict) else enumerate(current)
            for key, child in children:
                if isinstance(key, str) and (problem := text_problem(key)):
                    raise _bad(problem, 422)
                stack.append((child, depth + 1))
        elif isinstance(current, str) and (problem := text_problem(current)):
            raise _bad(problem, 422)


class ApiParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        body = request.body
        if len(body) > settings.API_MAX_BODY_BYTES:
            raise _bad(f"The body is larger than {settings.API_MAX_BODY_BYTES} bytes.", 413)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _bad("The body is not valid UTF-8.") from None
        try:
            data = json.loads(text)
        except RecursionError:
            raise _bad(f"The JSON body is nested more than {MAX_DEPTH} levels deep.") from None
        except ValueError as error:
            raise _bad(f"The body is not valid JSON: {error}.") from None
        _check(data)
        return data
