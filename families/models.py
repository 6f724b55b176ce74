from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grocer.models import SoftDeleteModel, TimeStampedModel

INVITATION_LIFETIME = timedelta(days=7)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        # Log-in is by email, whatever case the user types it in.
        return self.get(email__iexact=username)

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).strip(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin, TimeStampedModel):
    email = models.EmailField("email address", max_length=254, unique=True)
    display_name = models.CharField(max_length=100, blank=True)
    # Empty: the browser's language (Accept-Language). Pages, emails and notifications to
    # this user are in it (grocer/i18n.py).
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES, default=""
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_message="A user with that email address already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@", 1)[0]


class Family(SoftDeleteModel):
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="families"
    )

    class Meta:
        verbose_name_plural = "families"
        constraints = [
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="family_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    # No index of its own: `membership_one_per_family (user, family)` starts with the user
    # (docs/scaling.md, index review).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        db_index=False,
    )
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "family"], name="membership_one_per_family"),
            # The target of the preferences' composite foreign key (families 0007, PostgreSQL).
            models.UniqueConstraint(fields=["id", "family"], name="membership_id_family_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.family} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


def new_token() -> str:
    """An unguessable URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def invitation_expiry():
    return timezone.now() + INVITATION_LIFETIME


class Invitation(TimeStampedModel):
    # Indexed by `invite_family_idx (family, accepted_at)`, which it leads.
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="invitations", db_index=False
    )
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    email = models.EmailField(blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    expires_at = models.DateTimeField(default=invitation_expiry)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["family", "accepted_at"], name="invite_family_idx")]

    def __str__(self) -> str:
        return f"Invitation to {self.family} ({self.role})"

    @property
    def state(self) -> str:
        """One of "revoked", "accepted", "expired" or "open"."""
        if self.revoked_at:
            return "revoked"
        if self.accepted_at:
            return "accepted"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"


class NotificationPreference(TimeStampedModel):
    """What one member wants to hear about in one family, and when they last looked.

    Missing row = the defaults (everything on, nothing seen): created on first use.
    """

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="notification_preference"
    )
    # The tenant: the membership's family (composite foreign key on PostgreSQL).
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="+", editable=False)
    shopping_started = models.BooleanField(_("Someone is going shopping"), default=True)
    items_added = models.BooleanField(_("Items added to a list I am shopping"), default=True)
    vendor_answered = models.BooleanField(_("A vendor answered"), default=True)
    order_delivered = models.BooleanField(_("An order was delivered"), default=True)
    # The in-app badge counts others' list events after this moment.
    feed_seen_at = models.DateTimeField(null=True, blank=True)

    KINDS = ("shopping_started", "items_added", "vendor_answered", "order_delivered")

    def __str__(self) -> str:
        return f"notifications for {self.membership}"


class PushSubscription(TimeStampedModel):
    """One browser's Web Push endpoint for a user (a phone, a laptop)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)

    def __str__(self) -> str:
        return f"push for {self.user_id}"
