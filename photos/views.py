"""Upload slots, completing uploads, and serving photos only to who may see them.

JavaScript path: `slot` -> the browser POSTs the file to the URL it got (S3, or
`direct_upload` with local storage) -> `complete`. Without JavaScript the form posts the
file to `upload`, which stores it and runs the same checks.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from grocer.ratelimit import by_user, ratelimit

from . import images, services
from .access import PhotoTarget, photo_for_viewer, photo_target_for_change
from .models import Photo
from .selectors import photo_for_owner
from .storage import photo_store

# Each slot can put 5 MB in the bucket: cap how fast one account can ask for them.
UPLOAD_RATE = "20/m"
# Headroom for the multipart envelope around the file.
_MULTIPART_OVERHEAD = 64 * 1024


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _too_big(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > services.max_bytes() + _MULTIPART_OVERHEAD


def figure_context(*, target_kind: str, owner_id: UUID, photo: Photo | None, alt: str) -> dict:
    return {"kind": target_kind, "owner_id": owner_id, "photo": photo, "alt": alt}


def _figure_html(request: HttpRequest, target: PhotoTarget, photo: Photo | None) -> str:
    return render_to_string(
        "photos/_photo.html#figure",
        figure_context(
            target_kind=target.kind, owner_id=target.owner_id, photo=photo, alt=target.alt
        ),
        request=request,
    )


def _back_url(target: PhotoTarget) -> str:
    try:
        if target.kind == Photo.Kind.ITEM:
            return reverse("lists:detail", args=[target.owner.grocery_list_id])
        if target.kind == Photo.Kind.LOGO and target.family_id:
            return reverse("vendors:edit", args=[target.family_id, target.owner_id])
        if target.kind == Photo.Kind.AVATAR:
            return reverse("profile")
    except NoReverseMatch:  # the page is not there (yet): home is always safe
        pass
    return reverse("families:home")


@login_required
@require_GET
def photo_page(request: HttpRequest, kind: str, owner_id: UUID) -> TemplateResponse:
    target = photo_target_for_change(kind=kind, owner_id=owner_id, user=request.user)
    photo = photo_for_owner(kind=kind, owner_id=owner_id)
    return TemplateResponse(
        request,
        "photos/page.html",
        {
            "target": target,
            "photo": photo,
            "back_url": _back_url(target),
            "max_bytes": services.max_bytes(),
            "max_mb": services.max_bytes() // (1024 * 1024),
            "accept": images.ACCEPT,
            **figure_context(target_kind=kind, owner_id=owner_id, photo=photo, alt=target.alt),
        },
    )


@login_required
@require_POST
@ratelimit("photo-upload", UPLOAD_RATE, key=by_user)
def slot(request: HttpRequest, kind: str, owner_id: UUID) -> JsonResponse:
    target = photo_target_for_change(kind=kind, owner_id=owner_id, user=request.user)
    try:
        size = int(request.POST["size"]) if request.POST.get("size") else None
    except ValueError:
        return _error(gettext("The file size is not a number."))
    try:
        upload = services.upload_slot_issue(
            target=target,
            actor=request.user,
            content_type=request.POST.get("content_type", ""),
            size=size,
        )
    except services.UploadRejectedError as exc:
        return _error(str(exc))
    return JsonResponse(
        {
            "url": upload.url,
            "fields": upload.fields,
            "token": upload.token,
            "direct_to_storage": upload.direct_to_storage,
            "max_bytes": services.max_bytes(),
        }
    )


@login_required
@require_POST
def direct_upload(request: HttpRequest) -> HttpResponse:
    """Local storage only: takes the file the browser would otherwise POST to S3."""
    if photo_store().direct_to_storage:
        raise Http404
    if _too_big(request):
        return _error(
            gettext("That photo is too big: the limit is %(limit)s.")
            % {"limit": services._mb(services.max_bytes())}
        )
    try:
        claim = services.upload_slot_read(token=request.POST.get("token", ""))
        target = photo_target_for_change(
            kind=claim.kind, owner_id=UUID(claim.owner_id), user=request.user
        )
        claim = services.upload_slot_claim(
            token=request.POST["token"], target=target, actor=request.user
        )
        upload = request.FILES.get("file")
        if upload is None:
            return _error(gettext("Choose a photo to upload."))
        if upload.size > services.max_bytes():
            return _error(
                gettext("That photo is too big: the limit is %(limit)s.")
                % {"limit": services._mb(services.max_bytes())}
            )
        services.upload_store_local(claim=claim, data=upload.read())
    except services.UploadRejectedError as exc:
        return _error(str(exc))
    return HttpResponse(status=204)


@login_required
@require_POST
def complete(request: HttpRequest, kind: str, owner_id: UUID) -> JsonResponse:
    target = photo_target_for_change(kind=kind, owner_id=owner_id, user=request.user)
    try:
        claim = services.upload_slot_claim(
            token=request.POST.get("token", ""), target=target, actor=request.user
        )
        photo = services.photo_record(target=target, claim=claim, actor=request.user)
    except services.UploadRejectedError as exc:
        return _error(str(exc))
    photo.refresh_from_db()  # the thumbnail may be ready already (eager Celery)
    return JsonResponse(
        {
            "message": gettext("Photo saved."),
            "status": photo.status,
            "html": _figure_html(request, target, photo),
        }
    )


def _next_url(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


@login_required
@require_POST
@ratelimit("photo-upload", UPLOAD_RATE, key=by_user)
def upload(request: HttpRequest, kind: str, owner_id: UUID) -> HttpResponse:
    """The no-JavaScript upload: post the file here, come back to the page (PRG)."""
    target = photo_target_for_change(kind=kind, owner_id=owner_id, user=request.user)
    page = reverse("photos:page", args=[kind, owner_id])
    if _too_big(request):
        messages.error(
            request,
            gettext("That photo is too big: the limit is %(limit)s.")
            % {"limit": services._mb(services.max_bytes())},
        )
        return redirect(page)
    file = request.FILES.get("file")
    if file is None:
        messages.error(request, gettext("Choose a photo to upload."))
        return redirect(page)
    data = file.read(services.max_bytes() + 1)
    try:
        info = images.inspect_image(data)
    except images.NotAnImageError:
        messages.error(
            request,
            gettext("That file is not a photo we can use. Choose a JPEG, PNG, WebP or GIF image."),
        )
        return redirect(page)
    try:
        services.photo_upload_from_server(
            target=target, actor=request.user, data=data, content_type=info.content_type
        )
    except services.UploadRejectedError as exc:
        messages.error(request, str(exc))
        return redirect(page)
    messages.success(request, gettext("Photo saved."))
    return redirect(_next_url(request, page))


@login_required
@require_POST
def remove(request: HttpRequest, kind: str, owner_id: UUID) -> HttpResponse:
    target = photo_target_for_change(kind=kind, owner_id=owner_id, user=request.user)
    removed = services.photo_remove(target=target, actor=request.user)
    if request.htmx:
        return HttpResponse(_figure_html(request, target, None))
    messages.success(
        request, gettext("Photo removed.") if removed else gettext("There was no photo to remove.")
    )
    return redirect(_next_url(request, reverse("photos:page", args=[kind, owner_id])))


@login_required
@require_GET
def figure(request: HttpRequest, kind: str, owner_id: UUID) -> HttpResponse:
    """The thumbnail or placeholder, polled by htmx while a thumbnail is being made."""
    target = photo_target_for_change(kind=kind, owner_id=owner_id, user=request.user)
    response = HttpResponse(
        _figure_html(request, target, photo_for_owner(kind=kind, owner_id=owner_id))
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def image(request: HttpRequest, kind: str, owner_id: UUID, variant: str) -> HttpResponse:
    """The photo itself, for whoever may see it: a short-lived pre-signed URL, or the file."""
    photo = photo_for_viewer(kind=kind, owner_id=owner_id, user=request.user)
    if variant == "thumb":
        if photo.status != Photo.Status.READY or not photo.thumbnail_key:
            raise Http404("No thumbnail yet.")
        key, content_type = photo.thumbnail_key, "image/webp"
    else:
        key, content_type = photo.key, photo.content_type
    store = photo_store()
    expiry = settings.GROCER_PHOTO_URL_EXPIRY
    public = kind == Photo.Kind.LOGO
    url = store.public_url(key) if public else store.private_url(key, expires=expiry)
    if url:
        response: HttpResponse = HttpResponseRedirect(url)
        # The browser may reuse the redirect, but only well within the URL's lifetime.
        max_age = max(0, min(expiry // 2, 120))
    else:
        response = FileResponse(store.open(key), content_type=content_type)
        max_age = expiry
    response["Cache-Control"] = f"{'public' if public else 'private'}, max-age={max_age}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
