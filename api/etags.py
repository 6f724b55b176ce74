"""Versions as entity tags: `ETag` on answers, `If-None-Match` (304), `If-Match` (428/412)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from .problems import Problem


def etag(kind: str, pk: Any, version: int) -> str:
    return f'"{kind}-{pk}-v{version}"'


def _tags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


def not_modified(request: HttpRequest, tag: str) -> HttpResponse | None:
    """A 304 when the client already has this version."""
    header = request.headers.get("If-None-Match")
    if header is None:
        return None
    tags = _tags(header)
    if "*" in tags or tag in tags:
        response = HttpResponse(status=304)
        response["ETag"] = tag
        return response
    return None


def require_match(request: HttpRequest, tag: str, current: dict[str, Any]) -> None:
    """Refuse a change not based on the current version: 428 without If-Match, 412 if stale.

    The 412 carries the current representation, so the client can merge and retry.
    """
    header = request.headers.get("If-Match")
    if header is None:
        raise Problem(
            428,
            "Send If-Match with the ETag you last saw, so a change made meanwhile is not lost.",
        )
    tags = _tags(header)
    if "*" not in tags and tag not in tags:
        raise Problem(
            412,
            "It changed since you read it: here is the current version.",
            current=current,
            headers={"ETag": tag},
        )
