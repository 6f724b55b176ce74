"""Bulk add, saved sets, staples, share and print in Chromium at phone width.

The journey: two members on one list; Ana pastes a list into the add box and adds a saved
set with the keyboard, and Ben sees every item (and the merged quantity) arrive live.
Then every new page passes axe-core in light and dark at 360 px without scrolling sideways.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from families.tests.factories import PASSWORD, MembershipFactory
from grocer.testing import assert_accessible, wait_until_true
from lists import item_services, set_services
from lists.bulk_services import parse_entries
from lists.tests.factories import GroceryListFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]

PASTE = "milk x2\n2 kg tomatoes\n- bread\n"


def _open(browser, server, user, path, *, scheme="light"):
    context = browser.new_context(viewport={"width": 360, "height": 740}, color_scheme=scheme)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{server.url}{path}")
    return context, page, errors


def _paste(page, selector: str, text: str) -> None:
    """A real paste event carrying `text`, as the browser fires it for Ctrl+V."""
    page.locator(selector).focus()
    page.evaluate(
        """([selector, text]) => {
          const data = new DataTransfer();
          data.setData("text/plain", text);
          document.querySelector(selector).dispatchEvent(new ClipboardEvent("paste", {
            clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        [selector, text],
    )


def _row(page, name):
    return page.locator("li.item", has=page.locator(".item-name", has_text=name))


def test_bulk_add_and_a_saved_set_reach_another_member_live(live_daphne, browser):
    ana = MembershipFactory(user__display_name="Ana", family__name="The Testers")
    ben = MembershipFactory(user__display_name="Ben", family=ana.family)
    grocery_list = GroceryListFactory(family=ana.family, name="Saturday")
    item_services.item_add(
        grocery_list=grocery_list, actor=ben.user, name="cola", quantity_text="1 l"
    )
    set_services.item_set_create(
        family=ana.family,
        actor=ben.user,
        name="Party",
        entries=parse_entries("crisps x3\ncola 2 l"),
    )
    path = f"/lists/{grocery_list.id}/"
    context_a, page_a, errors_a = _open(browser, live_daphne, ana.user, path)
    context_b, page_b, errors_b = _open(browser, live_daphne, ben.user, path)
    try:
        for page in (page_a, page_b):
            wait_until_true(page, "document.getElementById('grocery-list').dataset.live === 'live'")
        page_b.evaluate("window.__notReloaded = true")

        # Ana pastes three lines into the add box: each one is added.
        _paste(page_a, "#add-text", PASTE)
        expect(page_a.locator("#list-feedback")).to_have_text(
            "Added milk (2), tomatoes (2 kg), bread."
        )
        expect(page_a.locator("#add-text")).to_have_value("")
        for name, quantity in [("milk", "2"), ("tomatoes", "2 kg"), ("bread", None)]:
            row = _row(page_b, name)
            expect(row).to_be_visible()
            if quantity:
                expect(row.locator(".item-qty")).to_have_text(quantity)
        expect(page_b.locator("#list-counts .count-needed strong")).to_have_text("4")

        # Ana adds the saved set "Party" with the keyboard only.
        select = page_a.get_by_label("Add a saved set")
        select.focus()
        select.select_option(label="Party (2)")
        page_a.keyboard.press("Tab")
        assert page_a.evaluate("document.activeElement.textContent") == "Add set"
        page_a.keyboard.press("Enter")
        expect(page_a.locator("#list-feedback")).to_have_text(
            "Added crisps (3). Already on the list, now: cola (3 l)."
        )
        # The panel came back (out of band) and the keyboard focus stayed in it: htmx
        # fires the new panel's load (where focus is put back) after the feedback swap.
        wait_until_true(page_a, "document.activeElement.textContent === 'Add set'")
        # Ben: the new item and the merged quantity, live, on the same page.
        expect(_row(page_b, "crisps").locator(".item-qty")).to_have_text("3")
        expect(_row(page_b, "cola").locator(".item-qty")).to_have_text("3 l")
        expect(page_b.locator("#list-counts .count-needed strong")).to_have_text("5")
        # Ana keeps the merged row too (it is swapped over itself, not dropped).
        expect(_row(page_a, "cola").locator(".item-qty")).to_have_text("3 l")
        expect(page_a.locator("li.item")).to_have_count(5)
        assert page_b.evaluate("window.__notReloaded") is True
        assert errors_a == [] and errors_b == []
    finally:
        context_a.close()
        context_b.close()


def test_the_bulk_box_works_with_the_keyboard(live_daphne, browser):
    ana = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=ana.family, name="Saturday")
    context, page, errors = _open(browser, live_daphne, ana.user, f"/lists/{grocery_list.id}/")
    try:
        page.get_by_text("Add several at once").focus()
        page.keyboard.press("Enter")  # opens the <details>
        page.keyboard.press("Tab")
        page.keyboard.type("eggs\nrice, 1 kg\nflour")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # "Add all"
        expect(page.locator("#list-feedback")).to_have_text("Added eggs, rice (1 kg), flour.")
        expect(page.locator("#bulk-text")).to_have_value("")
        expect(page.locator("li.item")).to_have_count(3)
        assert errors == []
    finally:
        context.close()


def _world():
    ana = MembershipFactory(user__display_name="Ana", family__name="The Johnson-Smith Family")
    family = ana.family
    grocery_list = GroceryListFactory(family=family, name="Saturday")
    item_set = set_services.item_set_create(
        family=family,
        actor=None,
        name="Birthday party for the whole street",
        entries=parse_entries("crisps x3\ncola 2 l\ncandles\nballoons x20"),
    )
    for name in ("milk", "bread", "coffee beans"):
        set_services.staple_pin(family=family, actor=None, name=name)
    full = GroceryListFactory(family=family, name="Big shop")
    set_services.list_add_set(grocery_list=full, item_set=item_set, actor=None)
    return ana, grocery_list, full, item_set


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_new_pages_fit_a_phone_and_pass_axe(live_daphne, browser, scheme):
    ana, grocery_list, full, item_set = _world()
    fid = ana.family_id
    context, page, errors = _open(
        browser, live_daphne, ana.user, f"/lists/{grocery_list.id}/", scheme=scheme
    )
    try:
        # The list page with the staples panel loaded and the bulk box open.
        expect(page.get_by_text("Your staples")).to_be_visible()
        page.get_by_text("Add several at once").click()
        page.get_by_text("Share or print").click()
        for path in [
            None,
            f"/lists/{full.id}/print/",
            f"/f/{fid}/sets/",
            f"/f/{fid}/sets/{item_set.id}/",
        ]:
            if path:
                page.goto(f"{live_daphne.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{page.url} scrolls sideways: {width} px wide"
            assert_accessible(page)
        # A form with errors (a taken name) is accessible too.
        page.goto(f"{live_daphne.url}/f/{fid}/sets/")
        page.get_by_label("Name", exact=True).fill("birthday party for the whole street")
        page.get_by_label("Items, one a line").fill("cake")
        page.get_by_role("button", name="Save set").click()
        expect(page.locator("#set_name-errors")).to_contain_text("already has a set called")
        assert_accessible(page)
        assert errors == [] or all("status of 400" in e for e in errors), errors
    finally:
        context.close()


def test_a_list_pasted_offline_is_added_once_back_online(live_daphne, browser):
    from lists.models import AppliedChange, ListItem

    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(user__display_name="Ben", family=ana.family)
    grocery_list = GroceryListFactory(family=ana.family, name="Saturday")
    path = f"/lists/{grocery_list.id}/"
    context_a, page_a, errors_a = _open(browser, live_daphne, ana.user, path)
    context_b, page_b, _errors_b = _open(browser, live_daphne, ben.user, path)
    try:
        page_a.wait_for_selector("#grocery-list[data-offline-ready=true]")
        page_b.wait_for_selector("#grocery-list[data-live=live]")
        context_a.set_offline(True)
        wait_until_true(page_a, "navigator.onLine === false")
        _paste(page_a, "#add-text", PASTE)
        page_a.locator("li.pending", has_text="tomatoes").wait_for()
        expect(page_a.locator("#bulk-text")).to_have_value("")  # queued, not lost
        assert not ListItem.objects.filter(grocery_list=grocery_list).exists()

        context_a.set_offline(False)
        for name in ("milk", "tomatoes", "bread"):
            expect(_row(page_b, name)).to_be_visible()
        page_a.locator("#grocery-list[data-synced='1']").wait_for()
        assert sorted(
            ListItem.objects.filter(grocery_list=grocery_list).values_list("name", "quantity_text")
        ) == [("bread", ""), ("milk", "2"), ("tomatoes", "2 kg")]
        assert AppliedChange.objects.filter(grocery_list=grocery_list).count() == 1
        expect(page_a.locator("li.pending")).to_have_count(0)
        expect(page_a.locator("li.item")).to_have_count(3)
        assert [e for e in errors_a if "ERR_INTERNET_DISCONNECTED" not in e] == []
    finally:
        context_a.close()
        context_b.close()
