"""Every write to accounts, families, memberships and invitations.

Services are keyword-only, validate with `full_clean()`, and write inside
`transaction.atomic`. Anything that leaves the database (email, other apps' reactions)
is scheduled with `transaction.on_commit`, passing ids.

Membership revocation hook
--------------------------
When a member is removed or leaves, other apps need to react (the real-time app closes
that user's sockets for the family). They register a callback from their
`AppConfig.ready()`::

    from families.services import ON_MEMBERSHIP_REVOKED

    def _disconnect(family_id: UUID, user_id: UUID) -> None: ...

    ON_MEMBERSHIP_REVOKED.append(_disconnect)

Callbacks run after the revoking transaction commits, positionally as
`callback(family_id, user_id)`. A failing callback is logged and does not stop the others
(the membership is already gone; access checks refuse the user from then on anyway).

The last-admin rule
-------------------
A family always keeps at least one admin. Role changes, removals and leaving lock all of
the family's membership rows (`select_for_update`) before counting admins, so two
concurrent demotions serialize and the second one sees the first one's result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from grocer.outbox.services import outbox_enqueue

from .models import Family, Invitation, Membership, User

logger = logging.getLogger(__name__)

ON_MEMBERSHIP_REVOKED: list[Callable[[UUID, UUID], None]] = []

LAST_ADMIN_MESSAGE = _("A family needs at least one admin. Make someone else an admin first.")


class InvitationUnavailableError(Exception):
    """The invitation cannot be accepted; `state` says why (revoked, accepted, expired, gone)."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


# --- Accounts --------------------------------------------------------------------------


def user_signup(*, email: str, password: str, display_name: str = "") -> User:
    """Create an account. The password goes through Django's validators."""
    email = User.objects.normalize_email(email.strip())
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email address already exists.")})
    candidate = User(email=email, display_name=display_name.strip())
    password_validation.validate_password(password, user=candidate)
    with transaction.atomic():
        return User.objects.create_user(
            email=email, password=password, display_name=display_name.strip()
        )


def profile_update(*, user: User, display_name: str, language: str | None = None) -> User:
    """`language` "" follows the browser; None leaves the setting as it is."""
    user.display_name = display_name.strip()
    fields = ["display_name", "updated_at"]
    if language is not None:
        user.language = language
        fields.append("language")
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save(update_fields=fields)
    return user


# --- Families --------------------------------------------------------------------------


def family_create(*, name: str, creator: User) -> Family:
    """A new family; its creator is its first admin."""
    family = Family(name=name.strip())
    family.full_clean()
    with transaction.atomic():
        family.save()
        membership = Membership(family=family, user=creator, role=Membership.Role.ADMIN)
        membership.full_clean()
        membership.save()
    return family


# --- Invitations -----------------------------------------------------------------------


def _require_admin(*, family: Family, actor: User) -> None:
    if not Membership.objects.filter(
        family=family, user=actor, role=Membership.Role.ADMIN
    ).exists():
        raise PermissionDenied(_("Only family admins can do that."))


def invitation_create(
    *,
    family: Family,
    actor: User,
    role: str = Membership.Role.MEMBER,
    email: str = "",
    accept_url_template: str = "",
) -> Invitation:
    """An invitation link (valid 7 days). With `email`, the link is also sent there.

    `accept_url_template` is the absolute accept URL with `{token}` where the token goes;
    the web layer knows the host, the service does not.
    """
    _require_admin(family=family, actor=actor)
    invitation = Invitation(family=family, role=role, email=email.strip(), created_by=actor)
    invitation.full_clean()
    with transaction.atomic():
        invitation.save()
        if invitation.email and accept_url_template:
            accept_url = accept_url_template.replace("{token}", invitation.token)
            # In this transaction: a broker outage neither fails the invite nor loses it.
            # In the inviter's language (the active one): the invitee has no setting yet.
            outbox_enqueue(
                task="families.tasks.send_invitation_email",
                args=[str(invitation.id), accept_url, translation.get_language() or ""],
            )
    return invitation


def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    _require_admin(family=invitation.family, actor=actor)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.revoked_at is None and locked.accepted_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at", "updated_at"])
    return locked


def invitation_accept(*, token: str, user: User) -> Membership:
    """Join the invitation's family. Already a member: the existing membership, unchanged.

    Raises `InvitationUnavailableError` for unknown, revoked, used or expired links.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("family")
            .filter(token=token)
            .first()
        )
        if invitation is None or invitation.family.deleted_at is not None:
            raise InvitationUnavailableError("gone")
        existing = Membership.objects.filter(family=invitation.family, user=user).first()
        if existing is not None:
            # The link stays usable for whoever it was meant for.
            return existing
        state = invitation.state
        if state != "open":
            raise InvitationUnavailableError(state)
        membership = Membership(family=invitation.family, user=user, role=invitation.role)
        membership.full_clean()
        membership.save()
        invitation.accepted_by = user
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at", "updated_at"])
    return membership


# --- Memberships -----------------------------------------------------------------------


def _lock_family_memberships(*, family_id: UUID) -> dict[UUID, Membership]:
    """Lock every membership row of the family; caller is inside `transaction.atomic`.

    Locking the whole set (in a fixed order, so concurrent callers cannot deadlock) makes
    the admin count read afterwards stable until commit.
    """
    rows = Membership.objects.select_for_update().filter(family_id=family_id).order_by("id")
    return {row.id: row for row in rows}


def _admin_count(memberships: dict[UUID, Membership]) -> int:
    return sum(1 for m in memberships.values() if m.role == Membership.Role.ADMIN)


def _locked_actor_is_admin(memberships: dict[UUID, Membership], actor: User) -> bool:
    return any(m.user_id == actor.pk and m.is_admin for m in memberships.values())


def _schedule_revoked(*, family_id: UUID, user_id: UUID) -> None:
    def fire() -> None:
        for callback in list(ON_MEMBERSHIP_REVOKED):
            try:
                callback(family_id, user_id)
            except Exception:
                logger.exception("Membership-revoked callback %r failed", callback)

    transaction.on_commit(fire)


def membership_change_role(*, membership: Membership, role: str, actor: User) -> Membership:
    """An admin changes a member's role; the last admin cannot be demoted."""
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Choose admin or member.")})
    with transaction.atomic():
        locked = _lock_family_memberships(family_id=membership.family_id)
        if not _locked_actor_is_admin(locked, actor):
            raise PermissionDenied(_("Only family admins can do that."))
        target = locked.get(membership.pk)
        if target is None:
            raise ValidationError(_("That person is no longer in the family."))
        if target.role == role:
            return target
        if target.is_admin and _admin_count(locked) <= 1:
            raise ValidationError(LAST_ADMIN_MESSAGE)
        target.role = role
        target.full_clean()
        target.save(update_fields=["role", "updated_at"])
    return target


def _delete_membership(*, locked: dict[UUID, Membership], target: Membership) -> None:
    if target.is_admin and _admin_count(locked) <= 1:
        raise ValidationError(LAST_ADMIN_MESSAGE)
    target.delete()
    _schedule_revoked(family_id=target.family_id, user_id=target.user_id)


def membership_remove(*, membership: Membership, actor: User) -> None:
    """An admin removes someone (admins too, as long as another admin remains)."""
    with transaction.atomic():
        locked = _lock_family_memberships(family_id=membership.family_id)
        if not _locked_actor_is_admin(locked, actor):
            raise PermissionDenied(_("Only family admins can do that."))
        target = locked.get(membership.pk)
        if target is None:
            return
        _delete_membership(locked=locked, target=target)


def membership_leave(*, membership: Membership) -> None:
    """A member leaves; the last admin must hand over first."""
    with transaction.atomic():
        locked = _lock_family_memberships(family_id=membership.family_id)
        target = locked.get(membership.pk)
        if target is None:
            return
        _delete_membership(locked=locked, target=target)
