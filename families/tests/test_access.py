import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from families.access import family_member_required, membership_or_404
from families.models import Membership
from families.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@family_member_required
def member_view(request, membership):
    return HttpResponse(membership.family.name)


@family_member_required(admin=True)
def admin_view(request, membership):
    return HttpResponse("admin")


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_member_gets_the_view():
    membership = MembershipFactory()
    response = member_view(_request(membership.user), family_id=membership.family_id)
    assert response.content.decode() == membership.family.name


def test_other_family_is_a_404():
    mine, theirs = MembershipFactory(), MembershipFactory()
    with pytest.raises(Http404):
        member_view(_request(mine.user), family_id=theirs.family_id)


def test_deleted_family_is_a_404():
    membership = MembershipFactory()
    membership.family.delete()
    with pytest.raises(Http404):
        membership_or_404(user=membership.user, family_id=membership.family_id)


def test_admin_only_view_refuses_plain_members():
    member = MembershipFactory(role=Membership.Role.MEMBER)
    with pytest.raises(PermissionDenied):
        admin_view(_request(member.user), family_id=member.family_id)
    admin = MembershipFactory(family=member.family, role=Membership.Role.ADMIN)
    assert admin_view(_request(admin.user), family_id=admin.family_id).status_code == 200


def test_anonymous_is_sent_to_login():
    from django.contrib.auth.models import AnonymousUser

    membership = MembershipFactory()
    response = member_view(_request(AnonymousUser()), family_id=membership.family_id)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
