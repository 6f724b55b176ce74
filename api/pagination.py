"""Keyset (cursor) pagination: stable under inserts, one query per page.

The cursor is the sort key of the last row served, so rows added meanwhile never shift
a page (as OFFSET would): each row is served once, new ones at their place in order.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict

from .problems import Problem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next: str | None


def _encode(values: list[Any]) -> str:
    raw = json.dumps([str(value) if not isinstance(value, int) else value for value in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, kinds: list[type]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError
        decoded = []
        for kind, value in zip(kinds, values, strict=True):
            if kind is int:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ValueError
                decoded.append(value)
            elif kind is str:
                if not isinstance(value, str):
                    raise ValueError
                decoded.append(value)
            elif kind is datetime:
                decoded.append(datetime.fromisoformat(value))
            else:
                decoded.append(UUID(value))
        return decoded
    except (ValueError, TypeError, AttributeError):
        raise Problem(
            422,
            "The cursor is not one this API gave out.",
            errors=[{"field": "cursor", "message": "Use the `next` link of the previous page."}],
        ) from None


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    keys: list[tuple[str, type]],
    cursor: str | None,
    limit: int,
    descending: bool = False,
    as_row: Callable[[Any], dict[str, Any]] | None = None,
) -> Page:
    """`keys` are unique together (the last one is the primary key). `as_row` turns each
    database row into the dict served (for `values_list` rows, which are cheapest)."""
    names = [name for name, _ in keys]
    if cursor:
        values = _decode(cursor, [kind for _, kind in keys])
        op = "lt" if descending else "gt"
        after = Q()
        for index, name in enumerate(names):
            equal = {names[i]: values[i] for i in range(index)}
            after |= Q(**equal, **{f"{name}__{op}": values[index]})
        queryset = queryset.filter(after)
    ordering = [f"-{name}" if descending else name for name in names]
    rows = list(queryset.order_by(*ordering)[: limit + 1])
    if as_row is not None:
        rows = [as_row(row) for row in rows]
    next_url = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        query: QueryDict = request.GET.copy()
        values = [last[name] if isinstance(last, dict) else getattr(last, name) for name in names]
        query["cursor"] = _encode(values)
        query["limit"] = str(limit)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return Page(rows=rows, next=next_url)
