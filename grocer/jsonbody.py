"""The one reader of JSON request bodies: content type, size, depth and text checked.

Every JSON endpoint reads its body through `read_json` (or, when it must see the raw
bytes first, as the signed webhook does, `read_body` then `parse_json`). Whatever is
wrong raises `ProblemError`; the view answers `error.response()`, a problem document:

    try:
        body = read_json(request)
    except ProblemError as error:
        return error.response()

- not `application/json` (or a `+json` type) -> 415, before the body is touched, so a
  multipart POST never trips Django's "body already read" error;
- larger than `max_bytes` (`GROCER_JSON_MAX_BYTES`) -> 413, judged from Content-Length
  before reading and from the bytes after;
- not UTF-8 / not JSON -> 400;
- nested deeper than `max_depth` (`GROCER_JSON_MAX_DEPTH`) -> 400, checked on the bytes
  before parsing, so `"[" * 100000` never reaches the recursive parser;
- a NUL or lone surrogate in any key or string -> 400 (`grocer.textguard`);
- `expect=dict` (the default) -> anything but an object is a 400.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from grocer.problems import ProblemError
from grocer.textguard import bad_text

DEFAULT_MAX_BYTES = 64 * 1024
DEFAULT_MAX_DEPTH = 32

# Strings (with their escapes) are skipped when counting brackets: "[" inside a string
# does not nest anything.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


def _max_bytes(max_bytes: int | None) -> int:
    return max_bytes or getattr(settings, "GROCER_JSON_MAX_BYTES", DEFAULT_MAX_BYTES)


def _max_depth(max_depth: int | None) -> int:
    return max_depth or getattr(settings, "GROCER_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)


def is_json_type(content_type: str | None) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


def read_body(request: HttpRequest, *, max_bytes: int | None = None) -> bytes:
    """The raw body of a JSON request, after the content type and size checks."""
    limit = _max_bytes(max_bytes)
    if not is_json_type(request.META.get("CONTENT_TYPE")):
        raise ProblemError("Send the body as application/json.", status=415)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ProblemError("The Content-Length header is not a number.") from None
    if declared > limit:
        raise ProblemError(f"The body is larger than {limit} bytes.", status=413)
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ProblemError(f"The body is larger than {limit} bytes.", status=413) from None
    if len(raw) > limit:
        raise ProblemError(f"The body is larger than {limit} bytes.", status=413)
    return raw


def _depth(raw: bytes) -> int:
    deepest = depth = 0
    for bracket in _BRACKETS.findall(_STRING.sub(b"", raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _first_bad_string(value: Any) -> bool:
    """True if a key or string anywhere in the parsed value is bad text (no recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if bad_text(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_json(raw: bytes, *, max_depth: int | None = None, expect: type | None = dict) -> Any:
    """Parse checked bytes: depth, syntax, text and (with `expect`) the top-level type."""
    limit = _max_depth(max_depth)
    if _depth(raw) > limit:
        raise ProblemError(f"The JSON is nested deeper than {limit} levels.")
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProblemError("The body is not valid UTF-8.") from None
    except (ValueError, RecursionError):
        raise ProblemError("The body is not valid JSON.") from None
    if _first_bad_string(value):
        raise ProblemError(
            "The JSON contains a character that cannot be stored (a NUL or a broken UTF-16 half)."
        )
    if expect is not None and not isinstance(value, expect):
        kind = "an object" if expect is dict else f"a {expect.__name__}"
        raise ProblemError(f"The body must be {kind}.")
    return value


def read_json(
    request: HttpRequest,
    *,
    max_bytes: int | None = None,
    max_depth: int | None = None,
    expect: type | None = dict,
) -> Any:
    """The request's JSON body, checked (see the module docstring); raises `ProblemError`."""
    return parse_json(read_body(request, max_bytes=max_bytes), max_depth=max_depth, expect=expect)
