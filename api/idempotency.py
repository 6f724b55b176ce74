"""`Idempotency-Key` on POST: a retried request gets the stored answer, not a second write.

The key is claimed by inserting its row in the same transaction as the write itself:
a concurrent retry waits on the unique index until the first attempt commits (then
replays its answer) or rolls back (then runs). A failure (5xx) rolls everything back,
so a retry after an error runs again. Answers are kept for 24 hours per token/user.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .auth import bearer_token
from .models import IdempotencyRecord
from .problems import problem_response
from .services import IDEMPOTENCY_TTL

HEADER = "Idempotency-Key"
# Answers that depend on the moment, not the request: a retry must be evaluated afresh.
NOT_STORED = {401, 403, 409, 429}
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


def owner_of(request: HttpRequest) -> str | None:
    token = bearer_token(request)
    if token is not None:
        return f"token:{token.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path()):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.body, status=record.status)
    for name, value in record.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _mismatch() -> HttpResponse:
    return problem_response(
        422,
        "This Idempotency-Key was already used with a different request.",
        type="idempotency-key-reused",
    )


def handle(request: HttpRequest, key: str, get_response: Callable) -> HttpResponse:
    if not key or len(key) > 255 or not key.isascii() or not key.isprintable():
        return problem_response(400, "Idempotency-Key must be 1 to 255 printable ASCII characters.")
    owner = owner_of(request)
    if owner is None:
        return get_response(request)  # the view answers 401
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        IdempotencyRecord.objects.filter(
            owner=owner, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_TTL
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner=owner, key=key, fingerprint=fingerprint, status=0
                )
        except IntegrityError:
            record = None
        if record is not None:
            response = get_response(request)
            if response.status_code >= 500 or response.status_code in NOT_STORED:
                transaction.set_rollback(True)
                return response
            record.status = response.status_code
            record.body = response.content.decode("utf-8")
            record.headers = {
                name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)
            }
            record.save(update_fields=["status", "body", "headers"])
            return response
    # Someone else's attempt with this key committed first (we waited for it).
    stored = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
    if stored is None:  # it was rolled back meanwhile: run as new
        return handle(request, key, get_response)
    if stored.fingerprint != fingerprint:
        return _mismatch()
    return _replay(stored)
