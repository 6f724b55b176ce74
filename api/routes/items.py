"""Items: the add box's parsing and merge rules, edits with If-Match, status, assignee."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from uuid import UUID

from django.db import transaction
from django.db.models import CharField, Func
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, TypeAdapter
from pydantic_core import to_json

from families.models import User
from lists import item_services
from lists.forms import NAME_MAX, QUANTITY_MAX
from lists.models import ListItem
from lists.quantity import parse_item_text

from .. import access, etags
from ..pagination import DEFAULT_LIMIT, paginate
from ..problems import Problem
from ..schemas import (
    AssignIn,
    ItemAddFields,
    ItemAddOut,
    ItemAddText,
    ItemOut,
    ItemPatch,
    ItemsPage,
    StatusIn,
)
from .common import item_out, jsonable, list_write_limit

router = Router(tags=["items"])


# A whole shopping list fits in one answer: lists of a thousand items are the big end.
ITEMS_MAX_LIMIT = 1000


class PageParams(Schema):
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=ITEMS_MAX_LIMIT)


# The columns of ItemOut, in its order, and the names it publishes them under.
ITEM_COLUMNS = (
    ("id", "id"),
    ("grocery_list_id", "list_id"),
    ("name", "name"),
    ("quantity_text", "quantity"),
    ("note", "note"),
    ("category", "category"),
    ("status", "status"),
    ("assigned_to_id", "assigned_to"),
    ("position", "position"),
    ("version", "version"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
)


class Rfc3339(Func):
    """A timestamp as the text pydantic writes for it ("2026-11-29T18:16:43.123456Z", no
    fraction when it is zero), formatted by PostgreSQL: loading 2,000 timestamps through
    Django's timezone-aware loader was a third of a 1,000-item answer. Elsewhere (SQLite)
    the stored text, which `_item_row` writes the same way."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        utc = f"({column} AT TIME ZONE 'UTC')"
        sql = (
            f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
            f"date_trunc('second', {column}) = {column} THEN '' ELSE to_char({utc}, '.US') END"
            " || 'Z'"
        )
        return sql, params * 4


_ITEM_FIELDS = tuple(
    Rfc3339(column) if column in ("created_at", "updated_at") else column
    for column, _ in ITEM_COLUMNS
)
_ITEM_KEYS = tuple(key for _, key in ITEM_COLUMNS)
_TIMESTAMP_KEYS = ("created_at", "updated_at")
_DATETIME = TypeAdapter(datetime)


def _item_row(values: tuple) -> dict:
    row = dict(zip(_ITEM_KEYS, values, strict=True))
    for key in _TIMESTAMP_KEYS:
        value = row[key]
        if isinstance(value, str) and value.endswith("Z"):
            continue  # PostgreSQL formatted it (Rfc3339)
        # SQLite: a naive UTC datetime (or its stored text), written as pydantic writes the
        # one-item answer.
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        row[key] = _DATETIME.dump_python(value.replace(tzinfo=UTC), mode="json")
    return row


def _tag(item: ListItem) -> str:
    return etags.etag("item", item.pk, item.version)


def _answer(response: HttpResponse, item: ListItem) -> dict:
    response["ETag"] = _tag(item)
    return item_out(item)


@router.get(
    "/lists/{uuid:list_id}/items",
    response={200: ItemsPage, 304: None},
    summary="The list's items",
)
def items(request: HttpRequest, list_id: UUID, params: Query[PageParams]):
    # One page of items as plain rows straight to JSON: a 1,000-item list must be served
    # in 30 ms, and validating 1,000 ItemOut models was most of that. The rows match
    # ItemOut by construction (test_versions holds each to the one-item answer). The ETag
    # is the list's seq, which every item change bumps (the version the list cache
    # trusts): free to compute, and an unchanged list is a 304 without the items query.
    grocery_list = access.list_for(user=request.user, list_id=list_id)
    tag = _page_tag(request, grocery_list.pk, grocery_list.last_seq)
    unchanged = etags.not_modified(request, tag)
    if unchanged is not None:
        return unchanged
    rows = ListItem.objects.filter(grocery_list=grocery_list).values_list(*_ITEM_FIELDS)
    page = paginate(
        request,
        rows,
        keys=[("position", int), ("id", UUID)],
        cursor=params.cursor,
        limit=params.limit,
        as_row=_item_row,
    )
    response = HttpResponse(
        to_json({"results": page.rows, "next": page.next}), content_type="application/json"
    )
    response["ETag"] = tag
    return response


def _page_tag(request: HttpRequest, list_id: UUID, seq: int) -> str:
    """The list's seq, and which page of it (cursor and limit) this is."""
    page = hashlib.blake2s(request.GET.urlencode().encode(), digest_size=6).hexdigest()
    return f'"items-{list_id}-s{seq}-{page}"'


@router.post(
    "/lists/{uuid:list_id}/items",
    response={201: ItemAddOut, 200: ItemAddOut},
    summary="Add an item (or find it already needed)",
)
def item_add(
    request: HttpRequest,
    list_id: UUID,
    payload: ItemAddText | ItemAddFields,
    response: HttpResponse,
):
    grocery_list = access.list_for(user=request.user, list_id=list_id)
    list_write_limit(request)
    note, category = "", None
    if isinstance(payload, ItemAddText):
        parsed = parse_item_text(payload.text)
        name, quantity = parsed.name, parsed.quantity
        if len(name) > NAME_MAX or len(quantity) > QUANTITY_MAX:
            raise Problem(
                422,
                f"Names can be at most {NAME_MAX} characters, quantities {QUANTITY_MAX}.",
                errors=[{"field": "text", "message": "Too long."}],
            )
    else:
        name, quantity = payload.name, payload.quantity
        note, category = payload.note, payload.category
    result = item_services.item_add(
        grocery_list=grocery_list,
        actor=request.user,
        name=name,
        quantity_text=quantity,
        note=note,
        category=category,
    )
    item = result.item
    if result.created:
        item.refresh_from_db()
        response["Location"] = f"/api/v1/items/{item.pk}"
        return Status(201, {"outcome": "created", "item": _answer(response, item)})
    outcome = "merged" if result.merged else "existing"
    return Status(200, {"outcome": outcome, "item": _answer(response, item)})


@router.get("/items/{uuid:item_id}", response={200: ItemOut, 304: None}, summary="One item")
def item_detail(request: HttpRequest, item_id: UUID, response: HttpResponse):
    item = access.item_for(user=request.user, item_id=item_id)
    return etags.not_modified(request, _tag(item)) or _answer(response, item)


FIELD_NAMES = {"name": "name", "quantity": "quantity_text", "note": "note", "category": "category"}


@router.patch("/items/{uuid:item_id}", response=ItemOut, summary="Edit an item (If-Match)")
def item_patch(request: HttpRequest, item_id: UUID, payload: ItemPatch, response: HttpResponse):
    item = access.item_for(user=request.user, item_id=item_id)
    list_write_limit(request)
    changes = {
        FIELD_NAMES[field]: value
        for field, value in payload.model_dump(exclude_unset=True).items()
        if value is not None
    }
    with transaction.atomic():
        # Held until commit: the version checked is the version the change applies to.
        locked = ListItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
        etags.require_match(request, _tag(locked), jsonable(item_out(locked)))
        updated = item_services.item_update(
            item_id=item.pk,
            grocery_list=item.grocery_list,
            actor=request.user,
            changes=changes,
            base={name: getattr(locked, name) for name in item_services.EDITABLE_ITEM_FIELDS},
        )
    updated.refresh_from_db()
    return _answer(response, updated)


@router.delete("/items/{uuid:item_id}", response={204: None}, summary="Delete an item (undoable)")
def item_delete(request: HttpRequest, item_id: UUID):
    item = access.item_for(user=request.user, item_id=item_id)
    list_write_limit(request)
    item_services.item_delete(item_id=item.pk, grocery_list=item.grocery_list, actor=request.user)
    return Status(204, None)


@router.post("/items/{uuid:item_id}/restore", response=ItemOut, summary="Undo a delete")
def item_restore(request: HttpRequest, item_id: UUID, response: HttpResponse):
    item = access.item_for(user=request.user, item_id=item_id, include_deleted=True)
    list_write_limit(request)
    item_services.item_restore(
        item_ids=[item.pk], grocery_list=item.grocery_list, actor=request.user
    )
    item.refresh_from_db()
    return _answer(response, item)


@router.post("/items/{uuid:item_id}/status", response=ItemOut, summary="Needed, in cart, bought")
def item_status(request: HttpRequest, item_id: UUID, payload: StatusIn, response: HttpResponse):
    item = access.item_for(user=request.user, item_id=item_id)
    list_write_limit(request)
    item = item_services.item_set_status(
        item_id=item.pk, grocery_list=item.grocery_list, actor=request.user, status=payload.status
    )
    item.refresh_from_db()
    return _answer(response, item)


@router.post("/items/{uuid:item_id}/assign", response=ItemOut, summary="Assign to a member")
def item_assign(request: HttpRequest, item_id: UUID, payload: AssignIn, response: HttpResponse):
    item = access.item_for(user=request.user, item_id=item_id)
    list_write_limit(request)
    assignee = None
    if payload.user_id is not None:
        assignee = User.objects.filter(pk=payload.user_id).first()
        if assignee is None:
            raise Problem(
                422,
                "Only members of this family can be assigned.",
                errors=[{"field": "user_id", "message": "Not a member of this family."}],
            )
    item = item_services.item_assign(
        item_id=item.pk, grocery_list=item.grocery_list, actor=request.user, assignee=assignee
    )
    item.refresh_from_db()
    return _answer(response, item)
