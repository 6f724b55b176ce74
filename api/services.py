"""Personal access tokens and the idempotency records of API writes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from families.models import User

from .models import ApiToken, IdempotencyRecord

TOKEN_PREFIX = "grocer_"  # noqa: S105 - a marker, not a secret
# Writing `last_used_at` on every request would double the statements of a GET;
# a minute is precise enough for "last used" on the settings page.
LAST_USED_PRECISION = timedelta(minutes=1)
IDEMPOTENCY_TTL = timedelta(hours=24)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(
    *,
    user: User,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret: the only time the secret exists outside the client."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=" ".join(name.split()),
        scope=scope,
        prefix=secret[: len(TOKEN_PREFIX) + 5],
        digest=token_digest(secret),
        expires_at=expires_at,
    )
    token.full_clean(exclude=["user"])
    with transaction.atomic():
        token.save()
    return token, secret


def token_revoke(*, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.revoked_at)
    return token


def token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token for this secret (with its user loaded), or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def idempotency_purge_expired() -> int:
    """Forget stored answers older than the 24 hours a key is honoured for."""
    cutoff = timezone.now() - IDEMPOTENCY_TTL
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
