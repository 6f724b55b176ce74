from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from families import services
from families.models import Invitation, Membership, User
from families.services import (
    InvitationUnavailableError,
    family_create,
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_change_role,
    membership_leave,
    membership_remove,
    profile_update,
    user_signup,
)
from families.tests.factories import (
    FamilyFactory,
    InvitationFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADMIN, MEMBER = Membership.Role.ADMIN, Membership.Role.MEMBER


@pytest.fixture
def revoked_calls():
    calls = []
    services.ON_MEMBERSHIP_REVOKED.append(
        lambda family_id, user_id: calls.append((family_id, user_id))
    )
    yield calls
    services.ON_MEMBERSHIP_REVOKED.pop()


# --- accounts --------------------------------------------------------------------------


def test_signup_creates_a_user_with_a_usable_password():
    user = user_signup(
        email="Ana@Example.com ", password="a sturdy passphrase", display_name=" Ana "
    )
    assert user.check_password("a sturdy passphrase")
    assert user.display_name == "Ana"
    assert user.email == "Ana@example.com"  # the domain is normalized, the local part kept


def test_signup_refuses_an_existing_email_in_any_case():
    UserFactory(email="ana@example.com")
    with pytest.raises(ValidationError) as error:
        user_signup(email="ANA@example.com", password="a sturdy passphrase")
    assert "email" in error.value.message_dict
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["short", "12345678901", "password123"])
def test_signup_runs_djangos_password_validators(password):
    with pytest.raises(ValidationError):
        user_signup(email="ben@example.com", password=password)
    assert not User.objects.exists()


def test_profile_update_trims_and_saves_the_display_name():
    user = UserFactory(display_name="old")
    profile_update(user=user, display_name="  New Name ")
    user.refresh_from_db()
    assert user.display_name == "New Name"


def test_profile_update_rejects_a_too_long_name():
    user = UserFactory(display_name="old")
    with pytest.raises(ValidationError):
        profile_update(user=user, display_name="x" * 101)
    user.refresh_from_db()
    assert user.display_name == "old"


# --- families --------------------------------------------------------------------------


def test_family_create_makes_the_creator_admin():
    user = UserFactory()
    family = family_create(name="  The Smiths ", creator=user)
    assert family.name == "The Smiths"
    assert Membership.objects.get(family=family, user=user).role == ADMIN


def test_family_create_rejects_a_blank_name():
    with pytest.raises(ValidationError):
        family_create(name="   ", creator=UserFactory())


# --- invitations -----------------------------------------------------------------------


def test_invitation_create_by_admin_only():
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER)
    invitation = invitation_create(family=admin.family, actor=admin.user, role=ADMIN)
    assert invitation.state == "open"
    assert len(invitation.token) >= 40
    assert invitation.expires_at > timezone.now() + timedelta(days=6, hours=23)
    with pytest.raises(PermissionDenied):
        invitation_create(family=admin.family, actor=member.user)


def test_invitation_tokens_are_unique():
    admin = MembershipFactory(role=ADMIN)
    tokens = {invitation_create(family=admin.family, actor=admin.user).token for _ in range(20)}
    assert len(tokens) == 20


def test_invitation_email_is_sent_after_commit(django_capture_on_commit_callbacks):
    admin = MembershipFactory(role=ADMIN, family__name="The Smiths")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            family=admin.family,
            actor=admin.user,
            email="cleo@example.com",
            accept_url_template="https://grocer.test/invite/{token}/",
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cleo@example.com"]
    assert "The Smiths" in message.subject
    assert f"https://grocer.test/invite/{invitation.token}/" in message.body


def test_invitation_email_is_not_sent_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    admin = MembershipFactory(role=ADMIN)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation_create(
            family=admin.family,
            actor=admin.user,
            email="cleo@example.com",
            accept_url_template="https://grocer.test/invite/{token}/",
        )
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_invitation_accept_joins_with_the_invited_role():
    invitation = InvitationFactory(role=ADMIN)
    user = UserFactory()
    membership = invitation_accept(token=invitation.token, user=user)
    assert membership.family == invitation.family
    assert membership.role == ADMIN
    invitation.refresh_from_db()
    assert invitation.state == "accepted"
    assert invitation.accepted_by == user


@pytest.mark.parametrize(
    ("change", "state"),
    [
        ({"revoked_at": timezone.now()}, "revoked"),
        ({"accepted_at": timezone.now()}, "accepted"),
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, "expired"),
    ],
)
def test_invitation_accept_refuses_unusable_links(change, state):
    invitation = InvitationFactory(**change)
    user = UserFactory()
    with pytest.raises(InvitationUnavailableError) as error:
        invitation_accept(token=invitation.token, user=user)
    assert error.value.state == state
    assert not Membership.objects.filter(user=user).exists()


def test_invitation_accept_of_an_unknown_or_deleted_family_link_is_gone():
    with pytest.raises(InvitationUnavailableError) as error:
        invitation_accept(token="nope", user=UserFactory())
    assert error.value.state == "gone"
    invitation = InvitationFactory()
    invitation.family.delete()
    with pytest.raises(InvitationUnavailableError):
        invitation_accept(token=invitation.token, user=UserFactory())


def test_invitation_accept_when_already_a_member_keeps_everything():
    membership = MembershipFactory(role=MEMBER)
    invitation = InvitationFactory(family=membership.family, role=ADMIN)
    assert invitation_accept(token=invitation.token, user=membership.user) == membership
    membership.refresh_from_db()
    invitation.refresh_from_db()
    assert membership.role == MEMBER
    assert invitation.state == "open"  # still usable by whoever it was meant for


def test_invitation_is_single_use():
    invitation = InvitationFactory()
    invitation_accept(token=invitation.token, user=UserFactory())
    with pytest.raises(InvitationUnavailableError):
        invitation_accept(token=invitation.token, user=UserFactory())


def test_invitation_revoke():
    admin = MembershipFactory(role=ADMIN)
    invitation = InvitationFactory(family=admin.family)
    member = MembershipFactory(family=admin.family)
    with pytest.raises(PermissionDenied):
        invitation_revoke(invitation=invitation, actor=member.user)
    assert invitation_revoke(invitation=invitation, actor=admin.user).state == "revoked"


def test_revoking_a_used_invitation_keeps_it_used():
    admin = MembershipFactory(role=ADMIN)
    invitation = InvitationFactory(family=admin.family)
    invitation_accept(token=invitation.token, user=UserFactory())
    assert invitation_revoke(invitation=invitation, actor=admin.user).state == "accepted"


# --- memberships and the last-admin rule ----------------------------------------------


def test_admin_changes_roles():
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER)
    membership_change_role(membership=member, role=ADMIN, actor=admin.user)
    member.refresh_from_db()
    assert member.role == ADMIN
    membership_change_role(membership=member, role=MEMBER, actor=admin.user)
    member.refresh_from_db()
    assert member.role == MEMBER


def test_members_cannot_change_roles():
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER)
    with pytest.raises(PermissionDenied):
        membership_change_role(membership=member, role=ADMIN, actor=member.user)
    member.refresh_from_db()
    assert member.role == MEMBER


def test_an_admin_of_another_family_cannot_change_roles():
    member = MembershipFactory(role=MEMBER)
    stranger = MembershipFactory(role=ADMIN)
    with pytest.raises(PermissionDenied):
        membership_change_role(membership=member, role=ADMIN, actor=stranger.user)


def test_invalid_role_is_a_validation_error():
    admin = MembershipFactory(role=ADMIN)
    with pytest.raises(ValidationError):
        membership_change_role(membership=admin, role="owner", actor=admin.user)


def test_the_last_admin_cannot_be_demoted():
    admin = MembershipFactory(role=ADMIN)
    MembershipFactory(family=admin.family, role=MEMBER)
    with pytest.raises(ValidationError, match="at least one admin"):
        membership_change_role(membership=admin, role=MEMBER, actor=admin.user)
    admin.refresh_from_db()
    assert admin.role == ADMIN


def test_an_admin_can_step_down_when_another_admin_remains():
    admin = MembershipFactory(role=ADMIN)
    MembershipFactory(family=admin.family, role=ADMIN)
    membership_change_role(membership=admin, role=MEMBER, actor=admin.user)
    admin.refresh_from_db()
    assert admin.role == MEMBER


def test_the_last_admin_cannot_leave_or_be_removed(
    revoked_calls, django_capture_on_commit_callbacks
):
    admin = MembershipFactory(role=ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError):
            membership_leave(membership=admin)
        with pytest.raises(ValidationError):
            membership_remove(membership=admin, actor=admin.user)
    assert Membership.objects.filter(pk=admin.pk).exists()
    assert revoked_calls == []


def test_admin_removes_a_member_and_the_hook_fires_after_commit(
    revoked_calls, django_capture_on_commit_callbacks
):
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        membership_remove(membership=member, actor=admin.user)
    assert revoked_calls == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert revoked_calls == [(admin.family_id, member.user_id)]
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_admin_can_remove_another_admin():
    admin = MembershipFactory(role=ADMIN)
    other = MembershipFactory(family=admin.family, role=ADMIN)
    membership_remove(membership=other, actor=admin.user)
    assert not Membership.objects.filter(pk=other.pk).exists()


def test_member_cannot_remove_anyone():
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER)
    with pytest.raises(PermissionDenied):
        membership_remove(membership=admin, actor=member.user)
    assert Membership.objects.filter(pk=admin.pk).exists()


def test_member_leaves_and_the_hook_fires(revoked_calls, django_capture_on_commit_callbacks):
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER)
    with django_capture_on_commit_callbacks(execute=True):
        membership_leave(membership=member)
    assert revoked_calls == [(admin.family_id, member.user_id)]
    assert list(admin.family.memberships.all()) == [admin]


def test_a_failing_hook_does_not_stop_the_others(django_capture_on_commit_callbacks):
    calls = []

    def broken(family_id, user_id):
        raise RuntimeError("socket layer down")

    services.ON_MEMBERSHIP_REVOKED.extend([broken, lambda f, u: calls.append(u)])
    try:
        admin = MembershipFactory(role=ADMIN)
        member = MembershipFactory(family=admin.family)
        with django_capture_on_commit_callbacks(execute=True):
            membership_leave(membership=member)
    finally:
        del services.ON_MEMBERSHIP_REVOKED[-2:]
    assert calls == [member.user_id]


def test_families_are_independent():
    """Being admin of one family gives nothing in another."""
    mine = MembershipFactory(role=ADMIN)
    theirs = MembershipFactory(role=MEMBER, family=FamilyFactory())
    with pytest.raises(PermissionDenied):
        membership_remove(membership=theirs, actor=mine.user)
    with pytest.raises(PermissionDenied):
        invitation_create(family=theirs.family, actor=mine.user)
    assert Invitation.objects.count() == 0
