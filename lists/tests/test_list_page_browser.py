"""The list page in Chromium at phone width: what a person trips over (console errors,
menus that stay open, focus that gets lost)."""

import pytest

from families.tests.factories import PASSWORD, MembershipFactory
from grocer.testing import wait_until_true
from lists import item_services
from lists.tests.factories import GroceryListFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def _open_list(page, server, *names):
    membership = MembershipFactory(user__display_name="Ana", family__name="The Testers")
    grocery_list = GroceryListFactory(family=membership.family, name="Weekly shop")
    items = [
        item_services.item_add(grocery_list=grocery_list, actor=membership.user, name=name).item
        for name in names
    ]
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Email").fill(membership.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{server.url}/lists/{grocery_list.id}/")
    wait_until_true(page, "document.getElementById('grocery-list').dataset.live === 'live'")
    return grocery_list, items


def _row(page, name):
    return page.locator(".item", has=page.locator(".item-name", has_text=name))


def test_status_changes_and_deletes_log_no_console_errors(live_daphne, page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    _open_list(page, live_daphne, "bread", "milk", "eggs")

    page.get_by_role("button", name="Put bread in the cart").click()
    page.get_by_role("button", name="bread is in the cart. Mark it purchased").wait_for()
    milk = _row(page, "milk")
    milk.locator("summary").click()
    milk.get_by_role("button", name="Purchased").click()
    page.get_by_role("button", name="milk is purchased. Move it back to needed").wait_for()
    eggs = _row(page, "eggs")
    eggs.locator("summary").click()
    eggs.get_by_role("button", name="Delete eggs").click()
    page.get_by_role("button", name="Undo").wait_for()
    wait_until_true(
        page,
        "!document.querySelector('.item[data-status] .item-name')"
        " || ![...document.querySelectorAll('.item-name')]"
        ".some(e => e.textContent === 'eggs')",
    )
    page.wait_for_load_state("networkidle")
    assert errors == []


def _menu_open(row) -> bool:
    return row.locator("details.item-menu").evaluate("menu => menu.open")


def test_an_open_item_menu_closes_on_a_click_elsewhere_or_another_menu(live_daphne, page):
    _open_list(page, live_daphne, "bread", "milk", "eggs")
    bread, milk, eggs = _row(page, "bread"), _row(page, "milk"), _row(page, "eggs")

    bread.locator("summary").click()
    assert _menu_open(bread)
    page.get_by_role("heading", name="Weekly shop").click()  # anywhere else
    assert not _menu_open(bread)

    # Opening another menu (one the open panel does not cover: it drops down) closes it.
    milk.locator("summary").click()
    bread.locator("summary").click()
    assert _menu_open(bread) and not _menu_open(milk)

    # Keyboard: opening one with Enter closes the other too.
    eggs.locator("summary").focus()
    page.keyboard.press("Enter")
    assert _menu_open(eggs) and not _menu_open(bread)

    # One of its actions closes it: the row below is never left covered.
    eggs.get_by_role("button", name="In cart").click()
    page.get_by_role("button", name="eggs is in the cart. Mark it purchased").wait_for()
    page.wait_for_load_state("networkidle")
    assert not _menu_open(_row(page, "eggs"))


def _focused_row_id(page) -> str | None:
    return page.evaluate(
        "(() => { const row = document.activeElement.closest('li.item'); return row && row.id; })()"
    )


def test_undo_and_save_put_focus_back_on_the_row(live_daphne, page):
    _, (bread, milk) = _open_list(page, live_daphne, "bread", "milk")

    # Delete bread from its menu, then Undo: focus lands on the restored row.
    row = _row(page, "bread")
    row.locator("summary").click()
    row.get_by_role("button", name="Delete bread").click()
    undo = page.get_by_role("button", name="Undo")
    undo.wait_for()
    wait_until_true(page, f"!document.getElementById('item-{bread.id}')")
    undo.click()
    wait_until_true(page, f"!!document.getElementById('item-{bread.id}')")
    wait_until_true(page, f"document.activeElement.closest('#item-{bread.id}') !== null")
    # The next Tab stays in the list, after the restored row's check button.
    assert _focused_row_id(page) == f"item-{bread.id}"

    # Edit milk and save: focus comes back to milk's row, on its menu button.
    row = _row(page, "milk")
    row.locator("summary").click()
    row.get_by_role("link", name="Edit milk").click()
    name = page.locator(f"#item-{milk.id} input[name=name]")
    name.fill("oat milk")
    page.locator(f"#item-{milk.id}").get_by_role("button", name="Save").click()
    wait_until_true(
        page, f"!document.getElementById('item-{milk.id}').classList.contains('editing')"
    )
    wait_until_true(page, f"document.activeElement.closest('#item-{milk.id}') !== null")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
