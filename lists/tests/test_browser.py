"""A member uses the list page in a real browser at phone width, mouse and keyboard."""

import os
from pathlib import Path

import pytest

from families.tests.factories import PASSWORD, MembershipFactory
from grocer.testing import assert_accessible, wait_until_true
from lists import item_services
from lists.models import ListItem
from lists.quantity import parse_item_text
from lists.tests.factories import GroceryListFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

# Set GROCER_SCREENSHOTS=/some/dir to keep light and dark screenshots for a look.
SCREENSHOTS = os.environ.get("GROCER_SCREENSHOTS")


def log_in(page, server, user):
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url


def shoot(page, name):
    if not SCREENSHOTS:
        return
    Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=f"{SCREENSHOTS}/{name}-{scheme}.png")
    page.emulate_media(color_scheme="light")


@pytest.fixture
def setup_list():
    membership = MembershipFactory(user__display_name="Ana", family__name="The Testers")
    MembershipFactory(family=membership.family, user__display_name="Ben")
    grocery_list = GroceryListFactory(family=membership.family, name="Weekly shop")
    for text in ("bread", "2 kg tomatoes", "6 eggs"):
        parsed = parse_item_text(text)
        item_services.item_add(
            grocery_list=grocery_list,
            actor=membership.user,
            name=parsed.name,
            quantity_text=parsed.quantity,
        )
    item_services.item_add(
        grocery_list=grocery_list, actor=membership.user, name="coffee", quantity_text="1 bag"
    )
    return membership, grocery_list


def test_member_adds_edits_checks_and_undoes_a_delete_at_360px(live_daphne, page, setup_list):
    membership, grocery_list = setup_list
    log_in(page, live_daphne, membership.user)
    page.goto(f"{live_daphne.url}/f/{membership.family_id}/")
    assert page.get_by_role("link", name="Weekly shop").is_visible()
    assert_accessible(page)
    shoot(page, "dashboard")
    with page.expect_navigation():
        page.get_by_role("link", name="Weekly shop").click()
    # Ready: before its scripts run the page is the no-JS one (Add posts and reloads).
    wait_until_true(page, "document.getElementById('grocery-list').dataset.live === 'live'")

    # Add with a quantity: the row appears in its aisle without a reload.
    box = page.get_by_label("Add an item")
    box.fill("milk x2")
    page.get_by_role("button", name="Add", exact=True).click()
    row = page.locator("#category-dairy li.item", has_text="milk")
    row.wait_for()
    assert "2" in row.locator(".item-qty").inner_text()
    # The row may arrive first through the real-time push; the answer's feedback follows.
    page.locator("#list-feedback", has_text="Added milk (2) to Dairy.").wait_for()
    milk = ListItem.objects.get(grocery_list=grocery_list, name="milk")

    # Edit the quantity through the row's menu.
    row.locator("summary").click()
    row.get_by_role("link", name="Edit milk").click()
    quantity = page.locator(f"#item-{milk.id} input[name=quantity_text]")
    quantity.wait_for()
    shoot(page, "edit")
    quantity.fill("3")
    page.locator(f"#item-{milk.id}").get_by_role("button", name="Save").click()
    page.locator(f"#item-{milk.id} .item-qty", has_text="3").wait_for()

    # Check it: needed → in cart → purchased, each a posted target status.
    page.get_by_role("button", name="Put milk in the cart").click()
    page.locator(f"#item-{milk.id}[data-status=in_cart]").wait_for()
    page.get_by_role("button", name="milk is in the cart. Mark it purchased").click()
    page.locator(f"#item-{milk.id}[data-status=purchased]").wait_for()
    milk.refresh_from_db()
    assert (milk.quantity_text, milk.status) == ("3", "purchased")
    page.locator("#list-counts .count-purchased", has_text="1 purchased").wait_for()
    assert_accessible(page)
    shoot(page, "list")

    # Delete, then take it back from the toast.
    row = page.locator(f"#item-{milk.id}")
    row.locator("summary").click()
    shoot(page, "menu")
    row.get_by_role("button", name="Delete milk").click()
    row.wait_for(state="detached")
    toast = page.locator("#toast")
    toast.get_by_text("Deleted milk").wait_for()
    shoot(page, "toast")
    toast.get_by_role("button", name="Undo").click()
    page.locator(f"#item-{milk.id}").wait_for()
    assert ListItem.objects.filter(pk=milk.pk).exists()
    # Nothing scrolls sideways on a 360 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_keyboard_only_adding(live_daphne, page, setup_list):
    membership, grocery_list = setup_list
    log_in(page, live_daphne, membership.user)
    page.goto(f"{live_daphne.url}/lists/{grocery_list.id}/")
    page.wait_for_selector("#grocery-list")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "add-text":
            break
    assert page.evaluate("document.activeElement.id") == "add-text"
    page.keyboard.press("Enter")  # nothing typed: an inline error, no item
    page.locator("#add-errors", has_text="Type what you need").wait_for()
    assert page.locator("#add-text").get_attribute("aria-invalid") == "true"
    page.keyboard.type("½ dozen eggs")
    page.keyboard.press("Enter")
    page.locator("#list-feedback", has_text="eggs is already on the list.").wait_for()
    # Focus stays in the add box, ready for the next item.
    assert page.evaluate("document.activeElement.id") == "add-text"
    page.keyboard.type("3 lemons")
    page.keyboard.press("Enter")
    page.locator("#list-feedback", has_text="Added lemons (3) to Produce.").wait_for()
    page.locator("#category-produce li.item", has_text="lemons").wait_for()
    wait_until_true(page, "document.activeElement && document.activeElement.id === 'add-text'")
    assert page.locator("#add-text").input_value() == ""
    assert ListItem.objects.filter(grocery_list=grocery_list, name="lemons").count() == 1
