from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grocer.models import TimeStampedModel


class ApiToken(TimeStampedModel):
    """A personal access token: acts as its user, limited to its scope.

    Only a SHA-256 of the secret is stored: the secret is shown once, when created. A
    random 256-bit secret needs no salt or slow hash (nothing to brute-force), and a
    plain digest lets one indexed lookup find the token.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        db_index=False,  # led by `api_token_user_idx (user, revoked_at)`
    )
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    # The first characters of the secret, shown in lists so people can tell tokens apart.
    prefix = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="api_token_user_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="api_token_name_not_blank"),
            models.CheckConstraint(
                condition=Q(scope__in=["read", "write"]), name="api_token_scope_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class IdempotencyRecord(models.Model):
    """The stored answer to one POST sent with an `Idempotency-Key`, kept for 24 hours.

    `owner` is "token:<id>" or "user:<id>": keys are private to whoever sent them.
    `fingerprint` is a digest of the method, path and body, so the same key with another
    request is refused instead of answered with an unrelated response.
    """

    owner = models.CharField(max_length=60)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(db_default=models.functions.Now(), editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_one_per_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key} → {self.status}"
