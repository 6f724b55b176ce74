"""Who am I, my families and their members."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Router

from families import selectors as family_selectors

from .. import access
from ..models import ApiToken
from ..schemas import FamiliesPage, FamilyOut, MembersPage, MeOut

router = Router(tags=["account"])


def _family(membership) -> dict:
    return {"id": membership.family_id, "name": membership.family.name, "role": membership.role}


@router.get("/me", response=MeOut, summary="The user the request acts as")
def me(request: HttpRequest):
    user = request.user
    token = request.auth if isinstance(request.auth, ApiToken) else None
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "families": [_family(m) for m in family_selectors.memberships_for_user(user=user)],
        "token": (
            {
                "id": token.pk,
                "name": token.name,
                "scope": token.scope,
                "expires_at": token.expires_at,
            }
            if token
            else None
        ),
    }


@router.get("/families", response=FamiliesPage, summary="The families the user belongs to")
def families(request: HttpRequest):
    memberships = family_selectors.memberships_for_user(user=request.user)
    return {"results": [_family(m) for m in memberships]}


@router.get("/families/{uuid:family_id}", response=FamilyOut, summary="One family")
def family(request: HttpRequest, family_id: UUID):
    return _family(access.family_membership(user=request.user, family_id=family_id))


@router.get(
    "/families/{uuid:family_id}/members", response=MembersPage, summary="The family's members"
)
def members(request: HttpRequest, family_id: UUID):
    membership = access.family_membership(user=request.user, family_id=family_id)
    return {
        "results": [
            {"user_id": m.user_id, "name": m.user.name, "role": m.role}
            for m in family_selectors.family_members(family=membership.family)
        ]
    }
