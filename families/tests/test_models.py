import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from families.models import Invitation, Membership, User
from families.tests.factories import FamilyFactory, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_unique_ignoring_case_in_the_database():
    UserFactory(email="Ana@Example.com")
    with pytest.raises(IntegrityError):
        UserFactory(email="ana@example.COM")


def test_email_clash_is_a_validation_error_before_the_database():
    UserFactory(email="ana@example.com")
    with pytest.raises(ValidationError, match="already exists"):
        User.objects.create_user("ANA@example.com", "pw-long-enough-1")


def test_login_lookup_ignores_email_case():
    user = UserFactory(email="ana@example.com")
    assert User.objects.get_by_natural_key("ANA@EXAMPLE.COM") == user


def test_one_membership_per_user_and_family():
    user, family = UserFactory(), FamilyFactory()
    Membership.objects.create(user=user, family=family)
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=user, family=family, role=Membership.Role.ADMIN)


def test_a_user_can_belong_to_several_families():
    user = UserFactory()
    for family in FamilyFactory.create_batch(2):
        Membership.objects.create(user=user, family=family)
    assert user.families.count() == 2


def test_family_name_cannot_be_blank_in_the_database():
    with pytest.raises(IntegrityError):
        FamilyFactory(name="   ")


@pytest.mark.parametrize(
    ("changes", "state"),
    [
        ({}, "open"),
        ({"revoked_at": timezone.now()}, "revoked"),
        ({"accepted_at": timezone.now()}, "accepted"),
        ({"expires_at": timezone.now() - timezone.timedelta(seconds=1)}, "expired"),
    ],
)
def test_invitation_state(changes, state):
    invitation = InvitationFactory(**changes)
    assert invitation.state == state


def test_invitation_tokens_are_long_and_distinct():
    tokens = {InvitationFactory().token for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(token) >= 43 for token in tokens)
    assert Invitation.objects.count() == 20
