"""Every URL this app owns, for every kind of visitor.

anonymous: sent to log in (or served, for public pages); a member of another family:
404 for anything of this family; a plain member: reads, but 403 for admin actions; an
admin: everything.
"""

import pytest
from django.urls import URLPattern, reverse

from families import account_urls
from families import urls as family_urls
from families.current import dashboard_url
from families.models import Membership
from families.tests.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ADMIN, MEMBER = Membership.Role.ADMIN, Membership.Role.MEMBER
LOGIN = "login"  # a redirect to the login page
HOME = "home"  # the own family's dashboard (302), or its overview (200) without one
VISITORS = ("anonymous", "outsider", "member", "admin")

# name, method, (anonymous, outsider, member, admin)
MATRIX = [
    ("families:home", "get", (LOGIN, HOME, HOME, HOME)),
    ("families:create", "get", (LOGIN, 200, 200, 200)),
    ("families:invitation_from_link", "post", (LOGIN, 302, 302, 302)),
    ("families:invitation", "get", (200, 200, 302, 302)),
    ("families:invitation", "post", (LOGIN, 302, 302, 302)),
    ("families:switch", "post", (LOGIN, 404, 302, 302)),
    ("families:members", "get", (LOGIN, 404, 200, 200)),
    ("families:member_role", "post", (LOGIN, 404, 403, 302)),
    ("families:member_remove", "get", (LOGIN, 404, 403, 200)),
    ("families:member_remove", "post", (LOGIN, 404, 403, 302)),
    ("families:leave", "get", (LOGIN, 404, 200, 200)),
    ("families:leave", "post", (LOGIN, 404, 302, 302)),
    ("families:invitation_create", "post", (LOGIN, 404, 403, 302)),
    ("families:invitation_revoke", "post", (LOGIN, 404, 403, 302)),
    ("families:notifications", "get", (LOGIN, 404, 200, 200)),
    ("families:notification_badge", "get", (LOGIN, 404, 200, 200)),
    ("families:notification_settings", "get", (LOGIN, 404, 200, 200)),
    ("families:notification_settings", "post", (LOGIN, 404, 302, 302)),
    # Takes JSON: the matrix's form-encoded body is a 415 (problem document) for members.
    ("families:push_subscription", "post", (LOGIN, 404, 415, 415)),
    ("login", "get", (200, 302, 302, 302)),
    ("logout", "post", (LOGIN, LOGIN, LOGIN, LOGIN)),  # logged out, then the login page
    ("signup", "get", (200, 302, 302, 302)),
    ("profile", "get", (LOGIN, 200, 200, 200)),
    ("password_change", "get", (LOGIN, 200, 200, 200)),
    ("password_reset", "get", (200, 200, 200, 200)),
    ("password_reset_done", "get", (200, 200, 200, 200)),
    ("password_reset_confirm", "get", (200, 200, 200, 200)),
    ("password_reset_complete", "get", (200, 200, 200, 200)),
]


@pytest.fixture
def world():
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER)
    target = MembershipFactory(family=admin.family, role=MEMBER)
    outsider = MembershipFactory(role=ADMIN)  # admin of their own family, not this one
    invitation = InvitationFactory(family=admin.family, created_by=admin.user)
    return {
        "admin": admin.user,
        "member": member.user,
        "outsider": outsider.user,
        "anonymous": None,
        "family": admin.family,
        "target": target,
        "invitation": invitation,
    }


def _request(name, world):
    family_id = world["family"].id
    kwargs = {
        "families:invitation": {"token": world["invitation"].token},
        "families:switch": {"family_id": family_id},
        "families:members": {"family_id": family_id},
        "families:member_role": {"family_id": family_id, "membership_id": world["target"].id},
        "families:member_remove": {"family_id": family_id, "membership_id": world["target"].id},
        "families:leave": {"family_id": family_id},
        "families:invitation_create": {"family_id": family_id},
        "families:notifications": {"family_id": family_id},
        "families:notification_badge": {"family_id": family_id},
        "families:notification_settings": {"family_id": family_id},
        "families:push_subscription": {"family_id": family_id},
        "families:invitation_revoke": {
            "family_id": family_id,
            "invitation_id": world["invitation"].id,
        },
        "password_reset_confirm": {"uidb64": "MTIz", "token": "set-password"},
    }.get(name, {})
    data = {
        "families:member_role": {"role": ADMIN},
        "families:invitation_create": {"role": MEMBER, "email": ""},
        "families:invitation_from_link": {"link": world["invitation"].token},
    }.get(name, {})
    return reverse(name, kwargs=kwargs), data


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize(("name", "method", "expected"), MATRIX, ids=lambda v: str(v))
def test_authorization_matrix(client, world, visitor, name, method, expected):
    if world[visitor] is not None:
        client.force_login(world[visitor])
    url, data = _request(name, world)
    response = getattr(client, method)(url, data)
    want = expected[VISITORS.index(visitor)]
    if want == HOME:
        own = Membership.objects.filter(user=world[visitor]).first()
        want = 302 if dashboard_url(own.family_id) else 200
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want, (visitor, name, method, response.status_code)
        if want == 302:
            assert not response["Location"].startswith(reverse("login"))


def test_the_matrix_covers_every_url():
    names = {f"families:{p.name}" for p in family_urls.urlpatterns if isinstance(p, URLPattern)}
    names |= {p.name for p in account_urls.urlpatterns}
    assert names == {name for name, _, _ in MATRIX}


def test_outsiders_and_members_change_nothing(client, world):
    """The refused requests of the matrix leave the data as it was."""
    for visitor in ("outsider", "member"):
        client.force_login(world[visitor])
        for name in ("families:member_role", "families:member_remove"):
            url, data = _request(name, world)
            client.post(url, data)
        url, data = _request("families:invitation_revoke", world)
        client.post(url, data)
    world["target"].refresh_from_db()
    world["invitation"].refresh_from_db()
    assert world["target"].role == MEMBER
    assert world["invitation"].state == "open"
