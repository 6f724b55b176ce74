from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from families.current import CURRENT_FAMILY_KEY, PENDING_INVITE_KEY, family_landing_url
from families.models import Invitation, Membership, User
from families.tests.factories import (
    PASSWORD,
    InvitationFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADMIN, MEMBER = Membership.Role.ADMIN, Membership.Role.MEMBER


def _invite_url(invitation):
    return reverse("families:invitation", kwargs={"token": invitation.token})


def test_admin_creates_a_link_and_sees_it(client):
    admin = MembershipFactory(role=ADMIN)
    client.force_login(admin.user)
    url = reverse("families:invitation_create", kwargs={"family_id": admin.family_id})
    response = client.post(url, {"role": MEMBER, "email": ""}, follow=True)
    invitation = Invitation.objects.get(family=admin.family)
    assert invitation.created_by == admin.user
    assert f"http://testserver/invite/{invitation.token}/" in response.content.decode()
    assert mail.outbox == []


def test_admin_invites_by_email(client, django_capture_on_commit_callbacks):
    admin = MembershipFactory(role=ADMIN, family__name="The Smiths")
    client.force_login(admin.user)
    url = reverse("families:invitation_create", kwargs={"family_id": admin.family_id})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"role": ADMIN, "email": "cleo@example.com"}, follow=True)
    invitation = Invitation.objects.get(family=admin.family)
    assert invitation.role == ADMIN
    assert "sent to cleo@example.com" in response.content.decode()
    assert len(mail.outbox) == 1
    assert f"http://testserver/invite/{invitation.token}/" in mail.outbox[0].body


def test_invite_with_a_bad_email_is_an_error_not_a_500(client):
    admin = MembershipFactory(role=ADMIN)
    client.force_login(admin.user)
    url = reverse("families:invitation_create", kwargs={"family_id": admin.family_id})
    response = client.post(url, {"role": "boss", "email": "nope"}, follow=True)
    assert response.status_code == 200
    assert "valid email" in response.content.decode()
    assert not Invitation.objects.exists()


def test_admin_revokes_a_link(client):
    admin = MembershipFactory(role=ADMIN)
    invitation = InvitationFactory(family=admin.family)
    client.force_login(admin.user)
    url = reverse(
        "families:invitation_revoke",
        kwargs={"family_id": admin.family_id, "invitation_id": invitation.id},
    )
    client.post(url)
    invitation.refresh_from_db()
    assert invitation.state == "revoked"


def test_revoking_another_familys_invitation_is_a_404(client):
    admin = MembershipFactory(role=ADMIN)
    theirs = InvitationFactory()
    client.force_login(admin.user)
    url = reverse(
        "families:invitation_revoke",
        kwargs={"family_id": admin.family_id, "invitation_id": theirs.id},
    )
    assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "open"


def test_logged_in_user_joins_with_one_click(client):
    invitation = InvitationFactory(family__name="The Smiths")
    user = UserFactory()
    client.force_login(user)
    page = client.get(_invite_url(invitation))
    assert page.status_code == 200
    assert b"Join The Smiths" in page.content
    assert not Membership.objects.filter(user=user).exists()  # GET changes nothing
    response = client.post(_invite_url(invitation))
    assert response["Location"] == family_landing_url(invitation.family_id)
    assert Membership.objects.get(user=user, family=invitation.family).role == MEMBER
    assert client.session[CURRENT_FAMILY_KEY] == str(invitation.family_id)


def test_invite_survives_sign_up(client):
    invitation = InvitationFactory(family__name="The Smiths")
    page = client.get(_invite_url(invitation))
    assert page.status_code == 200
    signup_url = page.context["signup_url"]
    assert client.session[PENDING_INVITE_KEY] == invitation.token
    response = client.post(
        signup_url,
        {
            "email": "dan@example.com",
            "password1": "a sturdy passphrase",
            "password2": "a sturdy passphrase",
        },
    )
    assert response["Location"] == _invite_url(invitation)
    client.post(response["Location"])
    assert Membership.objects.filter(
        user=User.objects.get(email="dan@example.com"), family=invitation.family
    ).exists()


def test_invite_survives_sign_up_even_without_next(client):
    """The token also waits in the session: `/` after sign-up leads back to the invite."""
    invitation = InvitationFactory()
    client.get(_invite_url(invitation))
    client.post(
        reverse("signup"),
        {
            "email": "dan@example.com",
            "password1": "a sturdy passphrase",
            "password2": "a sturdy passphrase",
        },
    )
    assert client.get("/")["Location"] == _invite_url(invitation)
    assert PENDING_INVITE_KEY not in client.session  # used once


def test_invite_survives_log_in(client):
    invitation = InvitationFactory()
    user = UserFactory(email="eve@example.com")
    page = client.get(_invite_url(invitation))
    response = client.post(
        page.context["login_url"], {"username": "EVE@example.com", "password": PASSWORD}
    )
    assert client.session[SESSION_KEY] == str(user.pk)
    assert response["Location"] == _invite_url(invitation)
    client.post(response["Location"])
    assert Membership.objects.filter(user=user, family=invitation.family).exists()


def test_anonymous_post_is_sent_to_log_in(client):
    invitation = InvitationFactory()
    response = client.post(_invite_url(invitation))
    assert response["Location"].startswith(reverse("login"))
    assert not Membership.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"revoked_at": timezone.now()}, 410, "was revoked"),
        ({"accepted_at": timezone.now()}, 410, "already used"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, 410, "has expired"),
    ],
)
@pytest.mark.parametrize("logged_in", [False, True])
def test_unusable_links_say_so_plainly(client, change, status, text, logged_in):
    invitation = InvitationFactory(**change)
    user = UserFactory()
    if logged_in:
        client.force_login(user)
    for method in ("get", "post") if logged_in else ("get",):
        response = getattr(client, method)(_invite_url(invitation))
        assert response.status_code == status
        assert text in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


def test_unknown_link_is_a_friendly_404(client):
    response = client.get("/invite/not-a-real-token/")
    assert response.status_code == 404
    assert "This invite link doesn't work" in response.content.decode()


def test_link_of_a_deleted_family_is_a_404(client):
    invitation = InvitationFactory()
    invitation.family.delete()
    assert client.get(_invite_url(invitation)).status_code == 404


def test_accepting_when_already_a_member_goes_to_the_family(client):
    membership = MembershipFactory(role=MEMBER)
    invitation = InvitationFactory(family=membership.family, role=ADMIN)
    client.force_login(membership.user)
    for method in ("get", "post"):
        response = getattr(client, method)(_invite_url(invitation))
        assert response["Location"] == family_landing_url(membership.family_id)
    membership.refresh_from_db()
    assert membership.role == MEMBER


def test_already_a_member_with_a_used_link_also_goes_to_the_family(client):
    membership = MembershipFactory()
    invitation = InvitationFactory(
        family=membership.family, accepted_at=timezone.now(), accepted_by=membership.user
    )
    client.force_login(membership.user)
    response = client.get(_invite_url(invitation))
    assert response["Location"] == family_landing_url(membership.family_id)


def test_pasted_link_opens_the_invitation(client):
    invitation = InvitationFactory()
    client.force_login(UserFactory())
    response = client.post(
        reverse("families:invitation_from_link"),
        {"link": f"  https://grocer.example/invite/{invitation.token}/ "},
    )
    assert response["Location"] == _invite_url(invitation)


def test_pasted_garbage_is_a_form_error(client):
    client.force_login(UserFactory())
    response = client.post(reverse("families:invitation_from_link"), {"link": "hello there"})
    assert response.status_code == 400
    assert response.context["link_form"].errors["link"]


def test_the_invitation_email_is_in_the_inviters_language(
    client, django_capture_on_commit_callbacks
):
    admin = MembershipFactory(role=ADMIN, family__name="Los García", user__language="es")
    client.force_login(admin.user)
    url = reverse("families:invitation_create", kwargs={"family_id": admin.family_id})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"role": MEMBER, "email": "cleo@example.com"})
    message = mail.outbox[0]
    assert message.subject == f"{admin.user.name} te ha invitado a Los García en Grocer"
    assert "Abre este enlace para unirte (funciona hasta el" in message.body


def test_the_invitation_page_dates_follow_the_language(client):
    expires = timezone.now().replace(year=timezone.now().year + 1, month=3, day=5, hour=12)
    invitation = InvitationFactory(expires_at=expires)
    page = client.get(_invite_url(invitation), HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    assert f"Este link funciona até 5 de Março de {expires.year}." in page
    page = client.get(_invite_url(invitation), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f"Este enlace funciona hasta el 5 de marzo de {expires.year}." in page
    page = client.get(_invite_url(invitation)).content.decode()
    assert f"This link works until 5 March {expires.year}." in page
