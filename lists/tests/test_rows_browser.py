"""static/js/rows.js: one module keeps every row's bookkeeping (counts, headings, the
empty note, duplicates) from the rows that changed, without going over every row of
the list on each change."""

from __future__ import annotations

import re

import pytest

from families.tests.factories import PASSWORD, MembershipFactory
from grocer.testing import wait_until_true
from lists import item_services
from lists.tests.factories import GroceryListFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

# Counts every querySelectorAll that matches rows (the whole-list scans this is about).
COUNT_ROW_SCANS = """() => {
  window.rowScans = 0;
  for (const proto of [Element.prototype, Document.prototype, DocumentFragment.prototype]) {
    const original = proto.querySelectorAll;
    proto.querySelectorAll = function (selector) {
      const found = original.call(this, selector);
      if (found.length > 20 && /item/.test(selector)) window.rowScans += 1;
      return found;
    };
  }
}"""


def test_a_change_updates_counts_and_headings_without_scanning_every_row(live_daphne, page):
    member = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=member.family, name="Weekly shop")
    for number in range(30):
        item_services.item_add(grocery_list=grocery_list, actor=member.user, name=f"thing {number}")
    page.goto(f"{live_daphne.url}/accounts/login/")
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{live_daphne.url}/lists/{grocery_list.id}/")
    wait_until_true(page, "document.getElementById('grocery-list').dataset.live === 'live'")
    page.evaluate(COUNT_ROW_SCANS)

    # The page's own change, then someone else's pushed in: a new aisle appears.
    page.get_by_role("button", name="Put thing 3 in the cart").click()
    page.locator("#list-counts .count-in_cart", has_text="1 in cart").wait_for()
    item_services.item_add(grocery_list=grocery_list, actor=member.user, name="milk")
    page.locator("#category-dairy li.item", has_text="milk").wait_for()
    wait_until_true(page, "!document.getElementById('category-dairy').closest('section').hidden")
    page.locator("#list-counts .count-needed", has_text="30 needed").wait_for()
    assert page.evaluate("window.rowScans") == 0

    # The aisle's last row goes: its heading goes with it.
    milk = grocery_list.items.get(name="milk")
    item_services.item_delete(item_id=milk.id, grocery_list=grocery_list, actor=member.user)
    wait_until_true(page, "document.getElementById('category-dairy').closest('section').hidden")
    page.locator("#list-counts .count-needed", has_text="29 needed").wait_for()
    assert page.evaluate("window.rowScans") == 0


def test_the_menu_loads_when_opened_and_its_actions_work_from_the_keyboard(live_daphne, page):
    member = MembershipFactory(user__display_name="Ana")
    MembershipFactory(family=member.family, user__display_name="Ben")
    grocery_list = GroceryListFactory(family=member.family, name="Weekly shop")
    bread = item_services.item_add(grocery_list=grocery_list, actor=member.user, name="bread").item
    page.goto(f"{live_daphne.url}/accounts/login/")
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{live_daphne.url}/lists/{grocery_list.id}/")
    wait_until_true(page, "document.getElementById('grocery-list').dataset.live === 'live'")
    row = page.locator(f"#item-{bread.id}")
    assert row.get_by_label("Who gets it").count() == 0  # not in the page until opened

    row.locator("summary").focus()
    page.keyboard.press("Enter")
    row.get_by_label("Who gets it").wait_for()
    assert row.locator("details.item-menu").evaluate("menu => menu.open")
    row.get_by_role("button", name="Purchased").focus()
    page.keyboard.press("Enter")
    page.locator(f"#item-{bread.id}[data-status=purchased]").wait_for()

    # Opened again (on the new row): it loads again, and assigning works.
    row.locator("summary").focus()
    page.keyboard.press("Enter")
    row.get_by_label("Who gets it").select_option(label="Ben")
    row.get_by_role("button", name="Assign").focus()
    page.keyboard.press("Enter")
    row.locator(".assignee", has_text="Ben").wait_for()
    bread.refresh_from_db()
    assert (bread.status, bread.assigned_to.name) == ("purchased", "Ben")


def test_plus_and_minus_post_through_the_rows_one_form_from_the_keyboard(live_daphne, page):
    """+ and - carry no URL of their own: rows.js posts the row's form with the pressed
    button's `direction`, and the answer replaces the row in place (no page load)."""
    member = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=member.family, name="Weekly shop")
    flour = item_services.item_add(
        grocery_list=grocery_list, actor=member.user, name="flour", quantity_text="2 kg"
    ).item
    page.goto(f"{live_daphne.url}/accounts/login/")
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{live_daphne.url}/lists/{grocery_list.id}/")
    wait_until_true(page, "document.getElementById('grocery-list').dataset.live === 'live'")
    page.evaluate("window.notReloaded = true")
    row = page.locator(f"#item-{flour.id}")
    assert row.locator("[formaction]").count() == 0
    # The names the buttons had before the row lost its hidden-text spans.
    assert row.get_by_role("button", name="Put flour in the cart").count() == 1

    page.get_by_role("button", name="More flour, 2.5 kg").focus()
    page.keyboard.press("Enter")
    row.locator(".item-qty", has_text="2.5 kg").wait_for()
    page.get_by_role("button", name="Less flour, 2 kg").focus()
    page.keyboard.press("Enter")
    row.locator(".item-qty", has_text=re.compile(r"^2 kg$")).wait_for()
    assert page.evaluate("window.notReloaded") is True
    flour.refresh_from_db()
    assert (flour.quantity_text, flour.status, flour.version) == ("2 kg", "needed", 3)
