"""Who may upload, see or remove which photo. Checked once per request, passed down.

Another family's item (or a stranger's avatar) is a 404: ids from URLs are always
looked up together with the requesting user's memberships.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404
from django.utils.translation import gettext

from families.access import membership_or_404
from families.models import User
from lists.models import ListItem
from vendors.models import Vendor

from .models import Photo


@dataclass(frozen=True)
class PhotoTarget:
    """What a photo belongs to, resolved for one user."""

    kind: str
    owner: Model
    family_id: UUID | None
    label: str

    @property
    def owner_id(self) -> UUID:
        return self.owner.pk

    @property
    def owner_field(self) -> str:
        return {"item": "item", "logo": "vendor", "avatar": "user"}[self.kind]

    @property
    def key_prefix(self) -> str:
        if self.kind == Photo.Kind.ITEM:
            return f"families/{self.family_id}/items/{self.owner_id}"
        if self.kind == Photo.Kind.LOGO:
            return f"vendors/{self.owner_id}/logo"
        return f"users/{self.owner_id}/avatar"

    @property
    def is_public(self) -> bool:
        return self.kind == Photo.Kind.LOGO

    @property
    def alt(self) -> str:
        return {
            "item": gettext("Photo of %(name)s"),
            "logo": gettext("Logo of %(name)s"),
            "avatar": gettext("Picture of %(name)s"),
        }[self.kind] % {"name": self.label}


def _member_item(*, user: User, item_id: UUID) -> ListItem:
    item = (
        ListItem.objects.for_member(user).select_related("grocery_list").filter(pk=item_id).first()
    )
    if item is None:
        raise Http404("No such item.")
    return item


def photo_target_for_change(*, kind: str, owner_id: UUID, user: User) -> PhotoTarget:
    """The target `user` may upload to or remove the photo of; else 404 (or 403)."""
    if not user.is_authenticated:
        raise Http404
    if kind == Photo.Kind.ITEM:
        item = _member_item(user=user, item_id=owner_id)
        return PhotoTarget(
            kind=kind, owner=item, family_id=item.grocery_list.family_id, label=item.name
        )
    if kind == Photo.Kind.LOGO:
        vendor = Vendor.objects.filter(pk=owner_id).first()
        if vendor is None:
            raise Http404("No such vendor.")
        if vendor.family_id is None:
            if not user.is_staff:
                raise PermissionDenied("Only staff can change a shared vendor's logo.")
        else:
            membership = membership_or_404(user=user, family_id=vendor.family_id)
            if not membership.is_admin:
                raise PermissionDenied("Only family admins can change a vendor's logo.")
        return PhotoTarget(kind=kind, owner=vendor, family_id=vendor.family_id, label=vendor.name)
    if kind == Photo.Kind.AVATAR:
        if owner_id != user.pk:
            raise Http404("No such user.")
        return PhotoTarget(kind=kind, owner=user, family_id=None, label=user.name)
    raise Http404


def photo_for_viewer(*, kind: str, owner_id: UUID, user: User) -> Photo:
    """The photo `user` may see; else 404. Vendor logos are public."""
    photos = Photo.objects.filter(kind=kind)
    if kind == Photo.Kind.ITEM:
        if not user.is_authenticated:
            raise Http404
        photos = photos.filter(item__in=ListItem.objects.for_member(user).filter(pk=owner_id))
    elif kind == Photo.Kind.LOGO:
        photos = photos.filter(vendor_id=owner_id, vendor__deleted_at__isnull=True)
    elif kind == Photo.Kind.AVATAR:
        if not user.is_authenticated:
            raise Http404
        if owner_id != user.pk:
            # Another user's avatar only for someone sharing a live family with them.
            photos = photos.filter(
                user__memberships__family__deleted_at__isnull=True,
                user__memberships__family__memberships__user=user,
            )
        photos = photos.filter(user_id=owner_id)
    else:
        raise Http404
    photo = photos.first()
    if photo is None:
        raise Http404("No such photo.")
    return photo
