"""Account and family pages in a real Chromium at 360 px: axe audits in light and dark,
keyboard-only sign-up, and the htmx interactions.

Set GROCER_SCREENSHOTS=/some/dir to also save a screenshot of every audited page.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from families.models import Membership, User
from families.tests.factories import (
    PASSWORD,
    InvitationFactory,
    MembershipFactory,
    UserFactory,
)
from grocer.testing import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

ADMIN, MEMBER = Membership.Role.ADMIN, Membership.Role.MEMBER
SCREENSHOTS = os.environ.get("GROCER_SCREENSHOTS")


def _audit(page, name):
    """No serious/critical axe violations and no sideways scrolling, in light and dark."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SCREENSHOTS}/{name}-{scheme}.png", full_page=True)
    page.emulate_media(color_scheme="light")


def _log_in(page, url, user):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_public_pages_are_accessible(live_daphne, page):
    url = live_daphne.url
    open_invite = InvitationFactory(family__name="The Smiths")
    expired = InvitationFactory(expires_at=timezone.now() - timedelta(days=1))

    page.goto(f"{url}/accounts/login/")
    _audit(page, "login")
    page.get_by_role("button", name="Log in").click()  # empty: errors, not a 500
    assert page.locator(".errorlist").first.is_visible()
    _audit(page, "login-errors")

    page.goto(f"{url}/accounts/signup/")
    _audit(page, "signup")
    page.get_by_label("Email").fill("not an email")
    page.get_by_label("Password", exact=True).fill("123")
    page.get_by_role("button", name="Create account").click()
    assert page.locator("#id_email_error").is_visible()
    assert "id_email_error" in page.get_by_label("Email").get_attribute("aria-describedby")
    _audit(page, "signup-errors")

    for path, name in [
        ("/accounts/password/reset/", "password-reset"),
        ("/accounts/password/reset/sent/", "password-reset-sent"),
        ("/accounts/password/reset/MTIz/set-password/", "password-reset-bad-link"),
        ("/accounts/password/reset/done/", "password-reset-complete"),
        (f"/invite/{open_invite.token}/", "invitation-anonymous"),
    ]:
        page.goto(f"{url}{path}")
        _audit(page, name)

    response = page.goto(f"{url}/invite/{expired.token}/")
    assert response.status == 410
    assert page.get_by_role("heading", name="This invite link has expired").is_visible()
    _audit(page, "invitation-expired")


def test_signed_in_pages_are_accessible(live_daphne, page):
    url = live_daphne.url
    newcomer = UserFactory(display_name="Nora")
    _log_in(page, url, newcomer)
    assert page.get_by_role("heading", name="Welcome, Nora!").is_visible()
    _audit(page, "onboarding")

    admin = MembershipFactory(role=ADMIN, family__name="The Smiths", user__display_name="Alice")
    MembershipFactory(family=admin.family, role=MEMBER, user__display_name="Bob")
    MembershipFactory(user=admin.user, family__name="Weekend house")
    InvitationFactory(family=admin.family, created_by=admin.user, email="cleo@example.com")
    InvitationFactory(family=admin.family, created_by=admin.user, role=ADMIN)
    other_invite = InvitationFactory(family__name="Neighbours")
    bob = admin.family.memberships.get(user__display_name="Bob")

    page.context.clear_cookies()
    _log_in(page, url, admin.user)
    page.goto(f"{url}/f/{admin.family_id}/members/")
    _audit(page, "members-admin")
    page.locator(".family-switcher > summary").click()
    _audit(page, "family-switcher-open")
    page.keyboard.press("Escape")
    page.locator(".account-menu > summary").click()
    _audit(page, "account-menu-open")
    page.keyboard.press("Escape")

    for path, name in [
        ("/", "family-home"),  # the overview, or the lists app's dashboard once it exists
        ("/families/new/", "family-create"),
        ("/accounts/profile/", "profile"),
        ("/accounts/password/", "password-change"),
        (f"/f/{admin.family_id}/leave/", "leave"),
        (f"/f/{admin.family_id}/members/{bob.id}/remove/", "member-remove"),
        (f"/invite/{other_invite.token}/", "invitation-join"),
    ]:
        page.goto(f"{url}{path}")
        _audit(page, name)

    page.context.clear_cookies()
    _log_in(page, url, bob.user)
    page.goto(f"{url}/f/{admin.family_id}/members/")
    _audit(page, "members-member")


def test_keyboard_only_sign_up_from_an_invite_link(live_daphne, page):
    url = live_daphne.url
    invitation = InvitationFactory(family__name="The Smiths")
    page.goto(f"{url}/invite/{invitation.token}/")
    page.get_by_role("link", name="Sign up to join").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/signup/**")

    def focused():
        return page.evaluate("document.activeElement.id")

    assert focused() == "id_email"  # the first field has focus
    page.keyboard.type("Kim@Example.com")
    page.keyboard.press("Tab")
    assert focused() == "id_display_name"
    page.keyboard.type("Kim")
    page.keyboard.press("Tab")
    assert focused() == "id_password1"
    page.keyboard.type("a sturdy passphrase")
    page.keyboard.press("Tab")
    assert focused() == "id_password2"
    page.keyboard.type("a sturdy passphrase")
    page.keyboard.press("Enter")

    page.wait_for_url(f"{url}/invite/{invitation.token}/")
    join = page.get_by_role("button", name="Join The Smiths")
    join.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/invite/" not in u)
    assert page.get_by_text("Welcome to The Smiths!").is_visible()
    user = User.objects.get(email__iexact="kim@example.com")
    assert Membership.objects.filter(user=user, family=invitation.family).exists()


def test_inline_role_change_and_removal_with_htmx(live_daphne, page):
    url = live_daphne.url
    admin = MembershipFactory(role=ADMIN, family__name="The Smiths", user__display_name="Alice")
    bob = MembershipFactory(family=admin.family, role=MEMBER, user__display_name="Bob")
    cleo = MembershipFactory(family=admin.family, role=MEMBER, user__display_name="Cleo")
    _log_in(page, url, admin.user)
    page.goto(f"{url}/f/{admin.family_id}/members/")
    page.wait_for_load_state("networkidle")

    page.get_by_label("Role of Bob").select_option(ADMIN)
    page.get_by_role("button", name="Save role of Bob").click()
    page.locator("#messages").get_by_text("Bob is now Admin.").wait_for()
    bob.refresh_from_db()
    assert bob.role == ADMIN
    # The row was swapped in place: no full page load happened.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove Cleo").click()
    page.locator("#messages").get_by_text("Cleo was removed").wait_for()
    assert page.locator(f"#member-{cleo.id}").count() == 0
    assert not Membership.objects.filter(pk=cleo.pk).exists()

    # The last-admin rule shows inline, next to the select it concerns.
    page.get_by_label("Role of Bob").select_option(MEMBER)
    page.get_by_role("button", name="Save role of Bob").click()
    page.locator("#messages").get_by_text("Bob is now Member.").wait_for()
    page.get_by_label("Role of Alice").select_option(MEMBER)
    page.get_by_role("button", name="Save role of Alice").click()
    page.locator(f"#row-error-{admin.id}").wait_for()
    assert "at least one admin" in page.locator(f"#row-error-{admin.id}").inner_text()
    admin.refresh_from_db()
    assert admin.role == ADMIN
    _audit(page, "members-inline-error")
