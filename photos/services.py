"""Every write to photos: upload slots, recording checked uploads, thumbnails, purging.

The browser uploads straight to storage; nothing it sends is trusted. A slot is a
signed token naming the one key the server chose for that user and owner; completing
it re-checks the stored object (present, at most the size limit, really an image) and
deletes it when it fails, so a rejected upload leaves nothing behind.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from families.models import User
from grocer.outbox.services import outbox_enqueue
from lists.models import ListItem
from vendors.models import Vendor

from . import images
from .access import PhotoTarget
from .models import Photo
from .storage import PhotoStore, photo_store

logger = logging.getLogger(__name__)

SLOT_SALT = "photos.upload-slot"
# The browser has this long to start its upload...
UPLOAD_EXPIRY_SECONDS = 300
# ...and this long to finish it and ask us to record it.
SLOT_MAX_AGE_SECONDS = 900


class UploadRejectedError(Exception):
    """A clear, user-facing reason an upload was not kept."""


def max_bytes() -> int:
    return settings.GROCER_PHOTO_MAX_BYTES


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


@dataclass(frozen=True)
class UploadSlot:
    key: str
    token: str
    content_type: str
    # Where the browser posts the file and the form fields to send with it.
    url: str
    fields: dict[str, Any]
    direct_to_storage: bool


def _new_key(target: PhotoTarget, content_type: str) -> str:
    return f"{target.key_prefix}/{uuid.uuid4().hex}.{images.CONTENT_TYPES[content_type]}"


def _thumbnail_key(key: str) -> str:
    return key.rsplit(".", 1)[0] + f".thumb{images.THUMBNAIL_SIZE}.webp"


def _check_declared(content_type: str, size: int | None) -> None:
    if content_type not in images.CONTENT_TYPES:
        raise UploadRejectedError(gettext("Choose a JPEG, PNG, WebP or GIF photo."))
    if size is not None and size > max_bytes():
        raise UploadRejectedError(
            gettext("That photo is too big: the limit is %(limit)s.") % {"limit": _mb(max_bytes())}
        )
    if size is not None and size < 1:
        raise UploadRejectedError(gettext("That file is empty."))


def upload_slot_issue(
    *, target: PhotoTarget, actor: User, content_type: str, size: int | None = None
) -> UploadSlot:
    """A one-photo upload slot for `actor`, who has been authorized for `target`."""
    _check_declared(content_type, size)
    key = _new_key(target, content_type)
    token = signing.dumps(
        {
            "kind": target.kind,
            "owner": str(target.owner_id),
            "user": str(actor.pk),
            "key": key,
            "ct": content_type,
        },
        salt=SLOT_SALT,
        compress=True,
    )
    store = photo_store()
    if store.direct_to_storage:
        post = store.presigned_post(
            key=key,
            content_type=content_type,
            max_bytes=max_bytes(),
            expires=UPLOAD_EXPIRY_SECONDS,
        )
        url, fields = post["url"], post["fields"]
    else:
        url, fields = reverse("photos:direct"), {"token": token}
    return UploadSlot(
        key=key,
        token=token,
        content_type=content_type,
        url=url,
        fields=fields,
        direct_to_storage=store.direct_to_storage,
    )


@dataclass(frozen=True)
class SlotClaim:
    kind: str
    owner_id: str
    user_id: str
    key: str
    content_type: str


def upload_slot_read(*, token: str) -> SlotClaim:
    """The slot a token names, if we issued it recently; else UploadRejectedError."""
    try:
        data = signing.loads(token, salt=SLOT_SALT, max_age=SLOT_MAX_AGE_SECONDS)
    except signing.SignatureExpired as exc:
        raise UploadRejectedError(gettext("This upload took too long. Please try again.")) from exc
    except signing.BadSignature as exc:
        raise UploadRejectedError(gettext("This upload is not valid. Please try again.")) from exc
    return SlotClaim(
        kind=data["kind"],
        owner_id=data["owner"],
        user_id=data["user"],
        key=data["key"],
        content_type=data["ct"],
    )


def upload_slot_claim(*, token: str, target: PhotoTarget, actor: User) -> SlotClaim:
    """The slot, checked to be for this target and this user (tokens are not transferable)."""
    claim = upload_slot_read(token=token)
    if (
        claim.kind != target.kind
        or claim.owner_id != str(target.owner_id)
        or claim.user_id != str(actor.pk)
        or not claim.key.startswith(target.key_prefix + "/")
    ):
        raise UploadRejectedError(gettext("This upload is not valid. Please try again."))
    return claim


def upload_store_local(*, claim: SlotClaim, data: bytes) -> None:
    """Local storage's stand-in for the browser's direct S3 POST (same limits)."""
    _check_declared(claim.content_type, len(data))
    photo_store().put(claim.key, data, content_type=claim.content_type)


def _reject(store: PhotoStore, key: str, message: str, reason: str) -> UploadRejectedError:
    logger.info("photo upload rejected: %s (%s)", key, reason)
    store.delete(key)
    return UploadRejectedError(message)


def _lock_owner(target: PhotoTarget) -> None:
    """Serialize photo changes per owner (caller is inside transaction.atomic)."""
    model = {"item": ListItem, "logo": Vendor, "avatar": User}[target.kind]
    if target.kind == "item":
        # The item's list row first, as every list write (lists.services): recording the
        # photo's event locks it anyway, and taking it last could deadlock.
        from lists.services import lock_list_row

        lock_list_row(list_id=target.owner.grocery_list_id)
    manager = getattr(model, "all_objects", model.objects)
    manager.select_for_update().filter(pk=target.owner_id).exists()


def photo_record(*, target: PhotoTarget, claim: SlotClaim, actor: User) -> Photo:
    """Keep the uploaded object as `target`'s photo, after checking it; else delete it.

    Idempotent: completing the same slot twice returns the photo recorded the first time.
    """
    existing = Photo.objects.filter(key=claim.key).first()
    if existing is not None:
        return existing
    store = photo_store()
    info = store.stat(claim.key)
    if info is None:
        raise UploadRejectedError(gettext("We did not receive the photo. Please try again."))
    limit = max_bytes()
    if info.size > limit:
        raise _reject(
            store,
            claim.key,
            gettext("That photo is too big: the limit is %(limit)s.") % {"limit": _mb(limit)},
            f"{info.size} bytes",
        )
    if info.size < 1:
        raise _reject(store, claim.key, gettext("That file is empty."), "empty")
    if info.content_type is not None and info.content_type not in images.CONTENT_TYPES:
        raise _reject(
            store,
            claim.key,
            gettext("Only JPEG, PNG, WebP or GIF photos can be used."),
            f"stored as {info.content_type}",
        )
    data = store.read(claim.key, limit=limit)
    if data is None:
        raise UploadRejectedError(gettext("We did not receive the photo. Please try again."))
    if len(data) > limit:
        raise _reject(
            store,
            claim.key,
            gettext("That photo is too big: the limit is %(limit)s.") % {"limit": _mb(limit)},
            "read",
        )
    try:
        image = images.inspect_image(data)
    except images.NotAnImageError as exc:
        raise _reject(
            store,
            claim.key,
            gettext("That file is not a photo we can use. Choose a JPEG, PNG, WebP or GIF image."),
            str(exc),
        ) from exc
    return _photo_replace(target=target, key=claim.key, image=image, size=len(data), actor=actor)


def _photo_replace(
    *, target: PhotoTarget, key: str, image: images.ImageInfo, size: int, actor: User
) -> Photo:
    with transaction.atomic():
        _lock_owner(target)
        previous = Photo.objects.filter(**{f"{target.owner_field}_id": target.owner_id}).first()
        if previous is not None:
            previous.delete()
            transaction.on_commit(
                partial(_delete_objects, keys=[previous.key, previous.thumbnail_key])
            )
        photo = Photo(
            kind=target.kind,
            family_id=target.family_id,
            key=key,
            content_type=image.content_type,
            size=size,
            width=image.width,
            height=image.height,
            uploaded_by=actor,
            **{target.owner_field: target.owner},
        )
        photo.full_clean(exclude=[target.owner_field, "family", "uploaded_by"])
        photo.save()
        _record_item_event(target=target, actor=actor, type="item.photo_changed")
        # Outbox: a broker outage neither fails the upload nor loses the thumbnail.
        outbox_enqueue(task="photos.tasks.make_thumbnail", args=[str(photo.pk)])
    return photo


def photo_upload_from_server(
    *, target: PhotoTarget, actor: User, data: bytes, content_type: str
) -> Photo:
    """The no-JavaScript path: the form posts the file to us and we store it."""
    _check_declared(content_type, len(data))
    key = _new_key(target, content_type)
    photo_store().put(key, data, content_type=content_type)
    claim = SlotClaim(
        kind=target.kind,
        owner_id=str(target.owner_id),
        user_id=str(actor.pk),
        key=key,
        content_type=content_type,
    )
    return photo_record(target=target, claim=claim, actor=actor)


def photo_remove(*, target: PhotoTarget, actor: User) -> bool:
    """Remove the photo (row now, objects once that commits). False if there was none."""
    with transaction.atomic():
        _lock_owner(target)
        photo = Photo.objects.filter(**{f"{target.owner_field}_id": target.owner_id}).first()
        if photo is None:
            return False
        photo.delete()
        transaction.on_commit(partial(_delete_objects, keys=[photo.key, photo.thumbnail_key]))
        _record_item_event(target=target, actor=actor, type="item.photo_removed")
    return True


def _record_item_event(*, target: PhotoTarget, actor: User, type: str) -> None:
    """Item photo changes go into the list's event log, so open pages re-render the row."""
    if target.kind != Photo.Kind.ITEM:
        return
    from lists.services import list_event_record

    list_event_record(
        grocery_list=target.owner.grocery_list,
        type=type,
        actor=actor,
        # The name too: the feed says "added a photo of oat milk" without loading the item.
        payload={"item_id": str(target.owner_id), "name": target.label},
    )


def _delete_objects(*, keys: list[str]) -> None:
    store = photo_store()
    for key in keys:
        if not key:
            continue
        try:
            store.delete(key)
        except Exception:
            # The row is gone already; an orphaned object costs storage, not privacy
            # (its key is unguessable and never handed out again).
            logger.exception("could not delete photo object %s", key)


def photo_thumbnail_make(*, photo_id: uuid.UUID | str) -> Photo | None:
    """Make and store the photo's thumbnail. Idempotent; storage errors propagate (retry).

    A photo that cannot be read as an image is marked failed, with the reason.
    """
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or (photo.status == Photo.Status.READY and photo.thumbnail_key):
        return photo
    store = photo_store()
    data = store.read(photo.key, limit=max_bytes())
    if data is None:
        return photo_mark_failed(photo_id=photo.pk, error="The original photo is missing.")
    try:
        thumbnail = images.render_thumbnail(data)
    except images.NotAnImageError as exc:
        logger.warning("thumbnail failed for %s: %s", photo.key, exc)
        return photo_mark_failed(photo_id=photo.pk, error="The photo could not be read.")
    thumbnail_key = _thumbnail_key(photo.key)
    store.put(thumbnail_key, thumbnail.data, content_type="image/webp")
    updated = Photo.objects.filter(pk=photo.pk, key=photo.key).update(
        thumbnail_key=thumbnail_key,
        thumbnail_width=thumbnail.width,
        thumbnail_height=thumbnail.height,
        status=Photo.Status.READY,
        error="",
    )
    if not updated:
        # Replaced or removed while we worked: its objects are being deleted.
        store.delete(thumbnail_key)
        return None
    photo.refresh_from_db()
    _invalidate_cached_rows(photo)
    return photo


def photo_mark_failed(*, photo_id: uuid.UUID | str, error: str) -> Photo | None:
    Photo.objects.filter(pk=photo_id).exclude(status=Photo.Status.READY).update(
        status=Photo.Status.FAILED, error=error[:300]
    )
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is not None:
        _invalidate_cached_rows(photo)
    return photo


def _invalidate_cached_rows(photo: Photo) -> None:
    """The list page caches its rows (photos included) until the next list event; a
    finished thumbnail is not an event people need in their feed, so drop the cache."""
    if photo.kind != Photo.Kind.ITEM:
        return
    from lists.cache import invalidate_list_items

    list_id = ListItem.all_objects.values_list("grocery_list_id", flat=True).get(pk=photo.item_id)
    invalidate_list_items(family_id=photo.family_id, list_id=list_id)


def _purgeable(cutoff: datetime) -> Q:
    return (
        Q(item__deleted_at__lt=cutoff)
        | Q(item__grocery_list__deleted_at__lt=cutoff)
        | Q(family__deleted_at__lt=cutoff)
        | Q(vendor__deleted_at__lt=cutoff)
    )


def photos_purge_deleted(
    *, now: datetime | None = None, retention_days: int | None = None, batch_size: int = 100
) -> int:
    """Delete the photos (objects, then rows) of items, lists, families and vendors
    soft-deleted longer ago than the retention period. Returns how many went.

    Objects go first, inside the transaction that deletes the rows: if storage fails the
    rows stay and the next run tries again (deleting a missing object is harmless), so
    nothing is ever left unreferenced. The owners' rows are locked so that a restore
    racing the purge either wins (photo kept) or waits.
    """
    now = now or timezone.now()
    days = settings.GROCER_PHOTO_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = now - timedelta(days=days)
    store = photo_store()
    purged = 0
    while True:
        with transaction.atomic():
            candidates = list(
                Photo.objects.filter(_purgeable(cutoff))
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "item_id", "vendor_id")[:batch_size]
            )
            if not candidates:
                return purged
            item_ids = [item_id for _, item_id, _ in candidates if item_id]
            vendor_ids = [vendor_id for _, _, vendor_id in candidates if vendor_id]
            list(ListItem.all_objects.select_for_update().filter(pk__in=item_ids))
            list(Vendor.all_objects.select_for_update().filter(pk__in=vendor_ids))
            # Re-checked under the owners' locks.
            photos = list(
                Photo.objects.filter(_purgeable(cutoff), pk__in=[pk for pk, _, _ in candidates])
            )
            if not photos:
                return purged
            for photo in photos:
                store.delete(photo.key)
                store.delete(photo.thumbnail_key)
            Photo.objects.filter(pk__in=[photo.pk for photo in photos]).delete()
            purged += len(photos)
        logger.info("purged %d photos of rows deleted before %s", len(photos), cutoff)
