"""ninja's body parser, through the project's one JSON body reader (`grocer.jsonbody`).

Size, depth, syntax and text (NUL, lone surrogates) are checked there; a refusal
becomes a problem document like every other error (see `api.api`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

from grocer import jsonbody
from grocer.problems import ProblemError

from .problems import Problem


class ApiParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        try:
            # The content type and size were checked by `api.middleware` already.
            return jsonbody.parse_json(request.body, expect=None)
        except ProblemError as error:
            raise Problem(error.status, error.detail) from None
