"""Helpers the routes share: representations, the page write limit, query parameters."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from grocer import ratelimit
from lists import access as list_access
from lists.models import GroceryList, ListItem

from ..problems import Problem


def list_write_limit(request: HttpRequest) -> None:
    """The list pages' own write limit, per user: an API write counts like a page write."""
    retry_after = ratelimit.hit(
        scope="list-writes", key=f"user:{request.user.pk}", rate=list_access.LIST_WRITE_RATE
    )
    if retry_after is not None:
        raise Problem(
            429,
            f"Too many changes to lists: retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


def item_out(item: ListItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "list_id": item.grocery_list_id,
        "name": item.name,
        "quantity": item.quantity_text,
        "note": item.note,
        "category": item.category,
        "status": item.status,
        "assigned_to": item.assigned_to_id,
        "position": item.position,
        "version": item.version,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def list_out(grocery_list: GroceryList) -> dict[str, Any]:
    return {
        "id": grocery_list.id,
        "family_id": grocery_list.family_id,
        "name": grocery_list.name,
        "description": grocery_list.description,
        "status": grocery_list.status,
        "version": grocery_list.version,
        "last_seq": grocery_list.last_seq,
        "created_at": grocery_list.created_at,
        "updated_at": grocery_list.updated_at,
    }


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """For problem documents, which are serialized without the schemas."""
    return {
        key: value.isoformat()
        if hasattr(value, "isoformat")
        else (
            str(value) if value is not None and not isinstance(value, (int, str, bool)) else value
        )
        for key, value in data.items()
    }
