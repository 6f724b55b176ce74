from __future__ import annotations

from uuid import UUID

from .models import Photo


def photo_for_owner(*, kind: str, owner_id: UUID) -> Photo | None:
    """The current photo of an owner the caller has already been authorized for."""
    field = {"item": "item_id", "logo": "vendor_id", "avatar": "user_id"}[kind]
    return Photo.objects.filter(kind=kind, **{field: owner_id}).first()
