"""Issue 3 end to end, in real Chromium at phone width.

User 1 signs up, creates a family and an invite link; user 2, in a second browser
context, opens the link, signs up and joins; both add, assign and check items on the
same list. Pages are reloaded to see each other's changes (live updates have their own
tests).
"""

import re

import pytest

from families.models import Family, Membership, User
from grocer.testing import assert_accessible
from lists.models import GroceryList, ListItem

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

PASSWORD = "a sturdy passphrase"


def _sign_up(page, *, email, name):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()


def _add_item(page, text):
    page.get_by_label("Add an item").fill(text)
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_load_state("networkidle")


def test_two_people_share_a_list(live_daphne, browser, page):
    url = live_daphne.url

    # User 1: sign up, start a family, make an invite link.
    page.goto(f"{url}/accounts/signup/")
    _sign_up(page, email="ana@example.com", name="Ana")
    assert page.get_by_role("heading", name="Welcome, Ana!").is_visible()
    page.get_by_label("Family name").fill("The Testers")
    page.get_by_role("button", name="Create family").click()
    # The family's dashboard, with its places in sight.
    page.get_by_role("heading", name="Lists", exact=True).wait_for()
    page.get_by_role("link", name="Members & invites").click()
    page.get_by_role("button", name="Create invite link").click()
    page.wait_for_load_state()
    invite_url = page.locator("input[data-invite-url]").first.input_value()
    assert re.fullmatch(rf"{re.escape(url)}/invite/[A-Za-z0-9_-]{{40,}}/", invite_url)

    # User 1 starts a list from the family's dashboard.
    page.goto(f"{url}/")
    page.get_by_label("Name").fill("Weekend shop")
    page.get_by_role("button", name="Create").click()
    page.get_by_role("heading", name="Weekend shop").wait_for()
    list_url = page.url

    # User 2, in a browser of their own: open the link, sign up, join.
    context2 = browser.new_context(viewport={"width": 360, "height": 740})
    context2.set_default_timeout(10_000)
    try:
        page2 = context2.new_page()
        page2.goto(invite_url)
        assert page2.get_by_role("heading", name="Join The Testers").is_visible()
        page2.get_by_role("link", name="Sign up to join").click()
        _sign_up(page2, email="ben@example.com", name="Ben")
        page2.get_by_role("button", name="Join The Testers").click()
        page2.wait_for_load_state()
        assert page2.get_by_text("Welcome to The Testers!").is_visible()
        page2.get_by_role("link", name=re.compile("Weekend shop")).click()
        page2.get_by_role("heading", name="Weekend shop").wait_for()
        assert page2.url == list_url

        # Both add items.
        _add_item(page, "2 kg tomatoes")
        _add_item(page2, "milk x2")
        page.reload()
        page2.reload()
        for p in (page, page2):
            assert p.locator(".item-name", has_text="tomatoes").is_visible()
            assert p.locator(".item-name", has_text="milk").is_visible()

        # Ben assigns the tomatoes to Ana.
        tomatoes = page2.locator(".item", has=page2.locator(".item-name", has_text="tomatoes"))
        tomatoes.locator("summary").click()
        tomatoes.get_by_label("Who gets it").select_option(label="Ana")
        tomatoes.get_by_role("button", name="Assign").click()
        page2.wait_for_load_state("networkidle")

        # Ana checks the milk off: into the cart, then purchased.
        page.get_by_role("button", name="Put milk in the cart").click()
        page.get_by_role("button", name=re.compile("milk is in the cart")).click()
        page.get_by_role("button", name=re.compile("milk is purchased")).wait_for()

        page2.reload()
        page.reload()
        for p in (page, page2):
            milk = p.locator(".item", has=p.locator(".item-name", has_text="milk"))
            assert "status-purchased" in milk.get_attribute("class")
            tomatoes = p.locator(".item", has=p.locator(".item-name", has_text="tomatoes"))
            assert tomatoes.locator(".assignee").inner_text() == "Ana"
        assert_accessible(page2)
    finally:
        context2.close()

    family = Family.objects.get(name="The Testers")
    ana, ben = User.objects.get(email="ana@example.com"), User.objects.get(email="ben@example.com")
    assert family.memberships.get(user=ana).role == Membership.Role.ADMIN
    assert family.memberships.get(user=ben).role == Membership.Role.MEMBER
    grocery_list = GroceryList.objects.get(family=family, name="Weekend shop")
    items = {item.name: item for item in ListItem.objects.filter(grocery_list=grocery_list)}
    assert items["tomatoes"].assigned_to == ana
    assert items["milk"].status == ListItem.Status.PURCHASED
    assert {items["tomatoes"].created_by, items["milk"].created_by} == {ana, ben}
