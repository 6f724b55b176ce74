"""Reads for family and account pages, each in a fixed number of queries."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from .models import Family, Invitation, Membership, User


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    """The user's memberships of live families, by family name, in one query."""
    return (
        Membership.objects.filter(user=user, family__deleted_at__isnull=True)
        .select_related("family")
        .order_by("family__name", "family_id")
    )


def family_active_lists(*, family: Family) -> QuerySet:
    """The family's active lists by name, for the overview page.

    Through the reverse relation: families sit below lists and never import them."""
    return family.lists.active().order_by("name")


def membership_current(
    *, memberships: list[Membership], family_id: UUID | str | None
) -> Membership | None:
    """The membership for the remembered family, else the first one, else None."""
    for membership in memberships:
        if str(membership.family_id) == str(family_id):
            return membership
    return memberships[0] if memberships else None


def family_members(*, family: Family) -> QuerySet[Membership]:
    """Admins first, then by name; users loaded in the same query."""
    return (
        Membership.objects.filter(family=family)
        .select_related("user")
        .annotate(
            admin_first=Case(
                When(role=Membership.Role.ADMIN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("admin_first", "user__display_name", "user__email")
    )


def family_open_invitations(*, family: Family) -> QuerySet[Invitation]:
    """Invitations that can still be accepted, newest first."""
    return (
        Invitation.objects.filter(
            family=family,
            revoked_at__isnull=True,
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("created_by")
        .order_by("-created_at")
    )


def invitation_by_token(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("family", "created_by")
        .filter(token=token, family__deleted_at__isnull=True)
        .first()
    )
