"""End to end in a real browser at phone width: the vendor answers on /v/<token>/, the
family sees the answer arrive, places the order and follows it to delivered."""

import re

import pytest

from families.tests.factories import PASSWORD, MembershipFactory
from grocer.testing import assert_accessible, wait_until_true
from lists.models import ListItem
from lists.tests.factories import ListItemFactory
from orders.models import Order
from vendors.answers import AnswerLineInput, answer_submit
from vendors.tests.factories import VendorShareFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def log_in(page, base_url, email):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    # `/` forwards to the family's dashboard (lists:dashboard) when there is one.
    page.wait_for_url(re.compile(rf"^{re.escape(base_url)}/(f/[0-9a-f-]+/)?$"))


def test_vendor_answers_and_family_places_the_order(live_daphne, browser_context):
    membership = MembershipFactory(family__name="The Testers")
    share = VendorShareFactory(
        grocery_list__family=membership.family,
        grocery_list__name="Weekly shop",
        vendor__name="Corner Greengrocer",
        status="sent",
    )
    apples_item = ListItemFactory(
        grocery_list=share.grocery_list, name="Apples", quantity_text="2", position=1
    )
    ListItemFactory(grocery_list=share.grocery_list, name="Flour", quantity_text="1 kg", position=2)
    ListItemFactory(grocery_list=share.grocery_list, name="Saffron", position=3)
    base = live_daphne.url

    # The family has the share page open, waiting for the answer.
    family = browser_context.new_page()
    log_in(family, base, membership.user.email)
    family.goto(f"{base}/lists/{share.grocery_list_id}/share/")
    statuses = family.locator("#share-statuses")
    assert "Sent" in statuses.inner_text()
    assert_accessible(family)

    # The vendor, without an account, in a separate browser context.
    vendor_context = browser_context.browser.new_context(viewport={"width": 360, "height": 740})
    vendor_context.set_default_timeout(10_000)
    try:
        vendor = vendor_context.new_page()
        vendor.goto(f"{base}/v/{share.token}/")
        assert "The Testers would like to order" in vendor.locator("h1").inner_text()
        assert_accessible(vendor)
        apples = vendor.locator('fieldset[data-item="Apples"]')
        apples.get_by_label("Available", exact=True).check()
        apples.get_by_label("Price per unit (EUR)").fill("0.45")
        flour = vendor.locator('fieldset[data-item="Flour"]')
        flour.get_by_label("Substitute", exact=True).check()
        flour.get_by_label("Substitute (if you send something else)").fill("Spelt flour")
        flour.get_by_label("Price per unit (EUR)").fill("2.10")
        vendor.locator('fieldset[data-item="Saffron"]').get_by_label("Not available").check()
        vendor.get_by_label("Note for the family").fill("We deliver after 6pm")
        vendor.get_by_label("Delivery time").fill("2026-12-01T18:30")
        vendor.get_by_role("button", name="Send answer").click()
        vendor.get_by_text("your answer was sent").wait_for()
        assert_accessible(vendor)
        assert vendor.evaluate("document.documentElement.scrollWidth") <= 360
        # Submitting again changes nothing and says so.
        vendor.get_by_role("button", name="Update answer").click()
        vendor.get_by_text("your answer was sent").wait_for()
    finally:
        vendor_context.close()

    # The answer appears on the family's open page without a reload.
    statuses.get_by_text("Answered").wait_for(timeout=15_000)
    family.get_by_role("link", name="Review answer from Corner Greengrocer").click()
    assert family.get_by_test_id("answer-total").inner_text() == "3.00 EUR"
    assert "Spelt flour" in family.content()
    assert_accessible(family)
    family.get_by_role("button", name="Place order · 3.00 EUR").click()
    family.get_by_test_id("order-status").filter(has_text="Placed").wait_for()
    assert family.get_by_test_id("order-total").inner_text() == "3.00 EUR"
    # Audited after a reload: the flash message list belongs to base.html (whose
    # `<ul role="status">` the accounts branch is replacing), not to this page.
    family.reload()
    assert_accessible(family)
    assert family.evaluate("document.documentElement.scrollWidth") <= 360

    # Ben has the list open on his phone while Ana marks the order delivered.
    ben = MembershipFactory(family=membership.family, user__display_name="Ben")
    ben_context = browser_context.browser.new_context(viewport={"width": 360, "height": 740})
    ben_context.set_default_timeout(10_000)
    ben_page = ben_context.new_page()
    log_in(ben_page, base, ben.user.email)
    ben_page.goto(f"{base}/lists/{share.grocery_list_id}/")
    wait_until_true(ben_page, "document.getElementById('grocery-list').dataset.live === 'live'")
    apples_row = f"document.querySelector('#item-{apples_item.id}')"

    family.get_by_role("button", name="Mark confirmed").click()
    family.get_by_test_id("order-status").filter(has_text="Confirmed").wait_for()
    family.get_by_role("button", name="Mark delivered").click()
    family.get_by_test_id("order-status").filter(has_text="Delivered").wait_for()
    # Saffron was not available: it is still needed, and the page says so.
    assert "Still needed: Saffron" in family.locator("#messages").inner_text()

    # The delivery reaches Ben's open page without a reload.
    try:
        wait_until_true(ben_page, f"{apples_row}.dataset.status === 'purchased'", timeout=15)
        assert ben_page.locator(".item", has_text="Saffron").get_attribute("data-status") == (
            "needed"
        )
    finally:
        ben_context.close()

    order = Order.objects.get()
    assert str(order.total) == "3.00" and order.status == "delivered"
    bought = set(
        ListItem.objects.filter(status=ListItem.Status.PURCHASED).values_list("name", flat=True)
    )
    assert bought == {"Apples", "Flour"}

    family.goto(f"{base}/f/{membership.family_id}/orders/")
    assert "3.00 EUR" in family.locator("#spend").locator("..").inner_text()
    assert_accessible(family)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_vendor_pages_are_accessible_in_both_colour_schemes(live_daphne, browser, scheme):
    from families.models import Membership
    from vendors.tests.factories import VendorFactory

    admin = MembershipFactory(role=Membership.Role.ADMIN)
    VendorFactory(family=admin.family, name="Family Fishmonger", description="Fridays only")
    VendorFactory(name="Global Greengrocer")
    item = ListItemFactory(grocery_list__family=admin.family, name="Milk")
    context = browser.new_context(viewport={"width": 360, "height": 740}, color_scheme=scheme)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        base = live_daphne.url
        log_in(page, base, admin.user.email)
        page.goto(f"{base}/f/{admin.family_id}/vendors/")
        assert_accessible(page)
        # Keyboard only: the add form's first field is reachable and labelled.
        page.get_by_label("Name").fill("Night Bakery")
        page.get_by_label("WhatsApp number").fill("+34 611 222 333")
        page.get_by_role("button", name="Add vendor").click()
        page.get_by_text("Night Bakery was added.").wait_for()

        page.goto(f"{base}/lists/{item.grocery_list_id}/share/")
        assert_accessible(page)
        page.get_by_label("Vendor", exact=True).select_option(label="Night Bakery")
        page.get_by_label("Message (optional)").fill("Fresh bread for Sunday")
        page.get_by_role("button", name="Prepare WhatsApp message").click()
        # htmx swaps the statuses in; without WhatsApp configured: click-to-chat.
        link = page.get_by_role("link", name="Open WhatsApp to send to Night Bakery")
        link.wait_for()
        assert link.get_attribute("href").startswith("https://wa.me/34611222333?text=")
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        page.goto(f"{base}/v/{'x' * 43}/")
        assert "This link does not work" in page.content()
        assert_accessible(page)
    finally:
        context.close()


def test_the_list_page_shows_the_vendor_answer_live(live_daphne, page):
    from decimal import Decimal

    membership = MembershipFactory()
    share = VendorShareFactory(
        grocery_list__family=membership.family, vendor__name="Corner Greengrocer", status="read"
    )
    item = ListItemFactory(grocery_list=share.grocery_list, name="Apples", quantity_text="2")
    base = live_daphne.url
    log_in(page, base, membership.user.email)
    page.goto(f"{base}/lists/{share.grocery_list_id}/")
    statuses = page.locator("#share-statuses")
    statuses.get_by_text("Read").wait_for()
    assert page.get_by_role("link", name="Share with a vendor").is_visible()
    assert_accessible(page)
    answer_submit(
        share=share,
        lines=[
            AnswerLineInput(
                list_item=item, availability="available", substitute="", unit_price=Decimal("1")
            )
        ],
        note="",
        delivery_time=None,
    )
    # Pushed over the list's socket (or, failing that, the section's own polling).
    statuses.get_by_role("link", name="Review answer from Corner Greengrocer").wait_for(
        timeout=15_000
    )
