"""In the shop, in a real browser at phone width: the shopper page, the "shopping at"
selector and the +/- buttons, by keyboard."""

import pytest

from families.tests.factories import MembershipFactory
from grocer.testing import assert_accessible
from lists.models import ListEvent, ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory
from lists.tests.test_browser import log_in
from shop import services
from shop.models import ShoppingChoice

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def shop_list():
    membership = MembershipFactory(user__display_name="Ana", family__name="The Testers")
    grocery_list = GroceryListFactory(family=membership.family, name="Weekly shop")
    ListItemFactory(grocery_list=grocery_list, name="apples", category="produce", quantity_text="1")
    ListItemFactory(grocery_list=grocery_list, name="soap", category="household")
    ListItemFactory(
        grocery_list=grocery_list, name="flour", category="pantry", quantity_text="900 g"
    )
    return membership, grocery_list


def focus(page, selector, *, limit=40):
    """Tab until `selector` has the focus (keyboard only), or fail."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not tab to {selector}")


def test_shopper_page_at_360px_checks_and_notes(live_daphne, page, shop_list):
    membership, grocery_list = shop_list
    link = services.shopper_link_create(
        grocery_list=grocery_list, actor=membership.user, name="Sam", hours=24
    )
    page.goto(f"{live_daphne.url}/s/{link.token}/")
    page.wait_for_selector("#shopper-items")
    assert page.get_by_text("Shopping as Sam").is_visible()
    assert_accessible(page)
    apples = ListItem.objects.get(grocery_list=grocery_list, name="apples")
    page.get_by_role("button", name="Put apples in the cart").click()
    page.locator(f"#item-{apples.id}[data-status=in_cart]").wait_for()
    row = page.locator(f"#item-{apples.id}")
    row.locator("summary").click()
    row.get_by_label("Note for apples").fill("green ones only")
    row.get_by_role("button", name="Save note").click()
    page.locator(f"#item-{apples.id} .note", has_text="green ones only").wait_for()
    apples.refresh_from_db()
    assert (apples.status, apples.note) == ("in_cart", "green ones only")
    labels = set(
        ListEvent.objects.filter(grocery_list=grocery_list).values_list("actor_label", flat=True)
    )
    assert labels == {"shopper (Sam)"}
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_shopping_at_and_quantity_buttons_by_keyboard(live_daphne, page, shop_list):
    membership, grocery_list = shop_list
    store = services.store_create(family=membership.family, actor=None, name="Corner shop")
    services.store_aisle_order_set(
        store=store, order=["household", "pantry", "produce"], actor=None
    )
    log_in(page, live_daphne, membership.user)
    page.goto(f"{live_daphne.url}/lists/{grocery_list.id}/")
    page.wait_for_selector("#grocery-list")
    # Choose the store with the keyboard: select it, then the button.
    focus(page, "#shopping-at-store")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#grocery-list")
    assert ShoppingChoice.objects.get(family=membership.family).store == store
    headings = [h.strip() for h in page.locator("#categories h2:visible").all_text_contents()]
    assert headings[:3] == ["Household", "Pantry", "Produce"]
    assert_accessible(page)

    # + on flour by keyboard: 900 g -> 1 kg, then - back to 900 g.
    flour = ListItem.objects.get(grocery_list=grocery_list, name="flour")
    focus(page, f"#item-{flour.id} .step-up")
    page.keyboard.press("Enter")
    page.locator(f"#item-{flour.id} .item-qty", has_text="1 kg").wait_for()
    focus(page, f"#item-{flour.id} .step-down")
    page.keyboard.press("Enter")
    page.locator(f"#item-{flour.id} .item-qty", has_text="900 g").wait_for()
    # At the smallest step, - is disabled.
    apples = ListItem.objects.get(grocery_list=grocery_list, name="apples")
    assert page.locator(f"#item-{apples.id} .step-down").is_disabled()
    flour.refresh_from_db()
    assert flour.quantity_text == "900 g"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
