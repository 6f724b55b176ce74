import pytest
from django.urls import reverse

from families.current import CURRENT_FAMILY_KEY, dashboard_url, family_landing_url
from families.models import Family, Membership
from families.tests.factories import FamilyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ADMIN, MEMBER = Membership.Role.ADMIN, Membership.Role.MEMBER


def _assert_lands_on(response, family_id):
    """`/` shows the family: its dashboard when the lists app has one, else the overview."""
    dashboard = dashboard_url(family_id)
    if dashboard:
        assert response["Location"] == dashboard
    else:
        assert response.status_code == 200
        assert response.context["family"].id == family_id


def _members_url(membership):
    return reverse("families:members", kwargs={"family_id": membership.family_id})


def test_home_without_a_family_shows_onboarding(client):
    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 200
    assert "families/onboarding.html" in [t.name for t in response.templates]
    assert b"Start a family" in response.content
    assert b"Join with an invite link" in response.content


def test_home_goes_to_the_remembered_family(client):
    user = UserFactory()
    MembershipFactory(user=user, family__name="A family")
    second = MembershipFactory(user=user, family__name="B family")
    client.force_login(user)
    first = Membership.objects.get(user=user, family__name="A family")
    _assert_lands_on(client.get("/"), first.family_id)
    assert client.session[CURRENT_FAMILY_KEY] == str(first.family_id)
    session = client.session
    session[CURRENT_FAMILY_KEY] = str(second.family_id)
    session.save()
    _assert_lands_on(client.get("/"), second.family_id)


def test_home_forgets_a_family_the_user_left(client):
    user = UserFactory()
    stays = MembershipFactory(user=user)
    client.force_login(user)
    session = client.session
    session[CURRENT_FAMILY_KEY] = str(FamilyFactory().id)  # not theirs
    session.save()
    _assert_lands_on(client.get("/"), stays.family_id)


def test_home_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_overview_without_a_dashboard_lists_the_familys_active_lists(client, settings):
    """The fallback `/` page, used while no app provides `lists:dashboard`."""
    from lists.tests.factories import GroceryListFactory

    settings.ROOT_URLCONF = "families.tests.urls_without_dashboard"
    membership = MembershipFactory(family__name="The Smiths")
    GroceryListFactory(family=membership.family, name="Sunday list")
    GroceryListFactory(name="Someone else's list")
    client.force_login(membership.user)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The Smiths" in html and "Sunday list" in html
    assert "Someone else" not in html


def test_create_family(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("families:create")).status_code == 200
    response = client.post(reverse("families:create"), {"name": "The Smiths"})
    family = Family.objects.get(name="The Smiths")
    # Lands on the family's dashboard (through home), not inside Members.
    assert response["Location"] == reverse("families:home")
    assert client.get(response["Location"])["Location"] == reverse(
        "lists:dashboard", kwargs={"family_id": family.id}
    )
    assert Membership.objects.get(family=family, user=user).role == ADMIN
    assert client.session[CURRENT_FAMILY_KEY] == str(family.id)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_create_family_with_a_bad_name_is_a_form_error(client, name):
    client.force_login(UserFactory())
    response = client.post(reverse("families:create"), {"name": name})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not Family.objects.exists()


def test_switch_family_remembers_it(client):
    user = UserFactory()
    MembershipFactory(user=user, family__name="A")
    other = MembershipFactory(user=user, family__name="B")
    client.force_login(user)
    url = reverse("families:switch", kwargs={"family_id": other.family_id})
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response["Location"] == family_landing_url(other.family_id)
    assert client.session[CURRENT_FAMILY_KEY] == str(other.family_id)


def test_switching_to_someone_elses_family_is_a_404(client):
    user = UserFactory()
    MembershipFactory(user=user)
    client.force_login(user)
    url = reverse("families:switch", kwargs={"family_id": FamilyFactory().id})
    assert client.post(url).status_code == 404


def test_top_bar_lists_the_users_families_and_not_others(client):
    user = UserFactory()
    mine = MembershipFactory(user=user, family__name="Mine")
    MembershipFactory(user=user, family__name="Also mine")
    MembershipFactory(family__name="Strangers")
    client.force_login(user)
    html = client.get(_members_url(mine)).content.decode()
    assert "Switch to </span>Also mine" in html
    assert "Strangers" not in html
    assert 'action="/accounts/logout/"' in html


def test_members_page_lists_members_for_a_plain_member(client):
    admin = MembershipFactory(role=ADMIN, user__display_name="Alice")
    member = MembershipFactory(family=admin.family, role=MEMBER, user__display_name="Bob")
    client.force_login(member.user)
    response = client.get(_members_url(member))
    html = response.content.decode()
    assert "Alice" in html and "Bob" in html
    assert "Invite someone" not in html
    assert 'name="role"' not in html


def test_members_page_for_an_admin_has_management(client):
    admin = MembershipFactory(role=ADMIN)
    MembershipFactory(family=admin.family, role=MEMBER)
    client.force_login(admin.user)
    html = client.get(_members_url(admin)).content.decode()
    assert "Invite someone" in html
    assert 'name="role"' in html
    assert "Remove" in html


def test_members_page_query_count(client, django_assert_max_num_queries):
    """Prevents N+1: members, invitations and the top bar load in a fixed number of queries."""
    admin = MembershipFactory(role=ADMIN)
    for _ in range(8):
        MembershipFactory(family=admin.family)
        MembershipFactory(user=admin.user)  # more families in the switcher
    from families.tests.factories import InvitationFactory

    InvitationFactory.create_batch(5, family=admin.family, created_by=admin.user)
    client.force_login(admin.user)
    with django_assert_max_num_queries(9):
        response = client.get(_members_url(admin))
    assert response.status_code == 200


def test_role_change_without_js_redirects_back(client):
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER)
    client.force_login(admin.user)
    url = reverse(
        "families:member_role", kwargs={"family_id": admin.family_id, "membership_id": member.id}
    )
    response = client.post(url, {"role": ADMIN})
    assert response["Location"] == _members_url(admin)
    member.refresh_from_db()
    assert member.role == ADMIN


def test_role_change_with_htmx_returns_the_row(client):
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER, user__display_name="Bob")
    client.force_login(admin.user)
    url = reverse(
        "families:member_role", kwargs={"family_id": admin.family_id, "membership_id": member.id}
    )
    response = client.post(url, {"role": ADMIN}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="member-{member.id}"' in html
    assert "<html" not in html
    assert 'hx-swap-oob="innerHTML"' in html and "Bob is now Admin." in html


def test_demoting_the_last_admin_shows_an_error_and_changes_nothing(client):
    admin = MembershipFactory(role=ADMIN)
    client.force_login(admin.user)
    url = reverse(
        "families:member_role", kwargs={"family_id": admin.family_id, "membership_id": admin.id}
    )
    response = client.post(url, {"role": MEMBER}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "at least one admin" in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    response = client.post(url, {"role": MEMBER}, follow=True)
    assert "at least one admin" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == ADMIN


def test_role_change_with_a_bogus_role_is_not_a_500(client):
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER)
    client.force_login(admin.user)
    url = reverse(
        "families:member_role", kwargs={"family_id": admin.family_id, "membership_id": member.id}
    )
    response = client.post(url, {"role": "owner"}, follow=True)
    assert response.status_code == 200
    assert "Choose admin or member." in response.content.decode()
    member.refresh_from_db()
    assert member.role == MEMBER


def test_demoting_yourself_with_htmx_refreshes_the_page(client):
    admin = MembershipFactory(role=ADMIN)
    MembershipFactory(family=admin.family, role=ADMIN)
    client.force_login(admin.user)
    url = reverse(
        "families:member_role", kwargs={"family_id": admin.family_id, "membership_id": admin.id}
    )
    response = client.post(url, {"role": MEMBER}, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"


def test_remove_member_confirm_page_then_post(client):
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER, user__display_name="Bob")
    client.force_login(admin.user)
    url = reverse(
        "families:member_remove",
        kwargs={"family_id": admin.family_id, "membership_id": member.id},
    )
    assert b"Remove Bob?" in client.get(url).content
    assert Membership.objects.filter(pk=member.pk).exists()
    response = client.post(url)
    assert response["Location"] == _members_url(admin)
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_remove_member_with_htmx_removes_the_row_and_announces(client):
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER, user__display_name="Bob")
    client.force_login(admin.user)
    url = reverse(
        "families:member_remove",
        kwargs={"family_id": admin.family_id, "membership_id": member.id},
    )
    response = client.post(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert f'id="member-{member.id}"' not in html  # the row is swapped for nothing
    assert "Bob was removed" in html
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_removing_yourself_goes_to_the_leave_page(client):
    admin = MembershipFactory(role=ADMIN)
    client.force_login(admin.user)
    url = reverse(
        "families:member_remove", kwargs={"family_id": admin.family_id, "membership_id": admin.id}
    )
    assert client.post(url)["Location"] == reverse(
        "families:leave", kwargs={"family_id": admin.family_id}
    )
    assert Membership.objects.filter(pk=admin.pk).exists()


def test_removing_a_member_of_another_family_is_a_404(client):
    admin = MembershipFactory(role=ADMIN)
    stranger = MembershipFactory()
    client.force_login(admin.user)
    url = reverse(
        "families:member_remove",
        kwargs={"family_id": admin.family_id, "membership_id": stranger.id},
    )
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=stranger.pk).exists()


def test_member_leaves(client):
    admin = MembershipFactory(role=ADMIN)
    member = MembershipFactory(family=admin.family, role=MEMBER)
    client.force_login(member.user)
    url = reverse("families:leave", kwargs={"family_id": member.family_id})
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response["Location"] == reverse("families:home")
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert CURRENT_FAMILY_KEY not in client.session
    # Afterwards the family is a 404 for them.
    assert client.get(_members_url(member)).status_code == 404


def test_the_last_admin_cannot_leave(client):
    admin = MembershipFactory(role=ADMIN)
    MembershipFactory(family=admin.family, role=MEMBER)
    client.force_login(admin.user)
    url = reverse("families:leave", kwargs={"family_id": admin.family_id})
    response = client.post(url, follow=True)
    assert "at least one admin" in response.content.decode()
    assert Membership.objects.filter(pk=admin.pk).exists()
