"""A family's lists: read, create, rename, archive, delete, restore."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from lists import services as list_services
from lists.models import GroceryList

from .. import access, etags
from ..pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from ..schemas import ListCreate, ListOut, ListPatch, ListsPage
from .common import jsonable, list_out, list_write_limit

router = Router(tags=["lists"])


class ListFilter(Schema):
    status: Literal["active", "archived"] = "active"
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def _tag(grocery_list: GroceryList) -> str:
    return etags.etag("list", grocery_list.pk, grocery_list.version)


def _answer(response: HttpResponse, grocery_list: GroceryList) -> dict:
    response["ETag"] = _tag(grocery_list)
    return list_out(grocery_list)


@router.get("/families/{uuid:family_id}/lists", response=ListsPage, summary="The family's lists")
def lists(request: HttpRequest, family_id: UUID, filters: Query[ListFilter]):
    membership = access.family_membership(user=request.user, family_id=family_id)
    queryset = GroceryList.objects.filter(family=membership.family, status=filters.status)
    page = paginate(
        request,
        queryset,
        keys=[("created_at", datetime), ("id", UUID)],
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"results": [list_out(row) for row in page.rows], "next": page.next}


@router.post("/families/{uuid:family_id}/lists", response={201: ListOut}, summary="Create a list")
def list_create(request: HttpRequest, family_id: UUID, payload: ListCreate, response: HttpResponse):
    membership = access.family_membership(user=request.user, family_id=family_id)
    list_write_limit(request)
    grocery_list = list_services.list_create(
        family=membership.family,
        actor=request.user,
        name=payload.name,
        description=payload.description,
    )
    grocery_list.refresh_from_db()
    response["Location"] = f"/api/v1/lists/{grocery_list.pk}"
    return Status(201, _answer(response, grocery_list))


@router.get("/lists/{uuid:list_id}", response={200: ListOut, 304: None}, summary="One list")
def list_detail(request: HttpRequest, list_id: UUID, response: HttpResponse):
    grocery_list = access.list_for(user=request.user, list_id=list_id)
    return etags.not_modified(request, _tag(grocery_list)) or _answer(response, grocery_list)


@router.patch("/lists/{uuid:list_id}", response=ListOut, summary="Rename or describe a list")
def list_patch(request: HttpRequest, list_id: UUID, payload: ListPatch, response: HttpResponse):
    grocery_list = access.list_for(user=request.user, list_id=list_id)
    list_write_limit(request)
    with transaction.atomic():
        locked = GroceryList.objects.select_for_update().get(pk=grocery_list.pk)
        etags.require_match(request, _tag(locked), jsonable(list_out(locked)))
        list_services.list_update(
            grocery_list=grocery_list,
            actor=request.user,
            name=payload.name if payload.name is not None else locked.name,
            description=(
                payload.description if payload.description is not None else locked.description
            ),
        )
    grocery_list.refresh_from_db()
    return _answer(response, grocery_list)


@router.delete("/lists/{uuid:list_id}", response={204: None}, summary="Delete a list (undoable)")
def list_delete(request: HttpRequest, list_id: UUID):
    grocery_list = access.list_for(user=request.user, list_id=list_id)
    list_write_limit(request)
    list_services.list_delete(grocery_list=grocery_list, actor=request.user)
    return Status(204, None)


@router.post("/lists/{uuid:list_id}/archive", response=ListOut, summary="Archive a list")
def list_archive(request: HttpRequest, list_id: UUID, response: HttpResponse):
    grocery_list = access.list_for(user=request.user, list_id=list_id)
    list_write_limit(request)
    list_services.list_archive(grocery_list=grocery_list, actor=request.user)
    grocery_list.refresh_from_db()
    return _answer(response, grocery_list)


@router.post(
    "/lists/{uuid:list_id}/restore",
    response=ListOut,
    summary="Bring back a deleted or archived list",
)
def list_restore(request: HttpRequest, list_id: UUID, response: HttpResponse):
    grocery_list = access.list_for(user=request.user, list_id=list_id, include_deleted=True)
    list_write_limit(request)
    list_services.list_restore(grocery_list=grocery_list, actor=request.user)
    grocery_list.refresh_from_db()
    return _answer(response, grocery_list)
