"""Share and print in Chromium: the copy fallback says what it did, and a typical list prints
on one A4 page."""

import re

import pytest
from playwright.sync_api import expect

from families.tests.factories import PASSWORD, MembershipFactory
from lists.tests.factories import GroceryListFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

# A big weekly shop: 40 items over every aisle, some with long names and quantities.
TYPICAL = [
    "2 kg tomatoes",
    "bananas x6",
    "3 onions",
    "garlic",
    "1 bunch coriander",
    "lemons x3",
    "2 avocados",
    "spinach 500 g",
    "carrots 1 kg",
    "apples x6",
    "sourdough loaf",
    "6 wholemeal rolls",
    "milk x2",
    "Greek yoghurt 1 kg",
    "mature cheddar 400 g",
    "unsalted butter",
    "12 eggs",
    "chicken thighs 1 kg",
    "salmon fillets x2",
    "minced beef 500 g",
    "frozen peas",
    "vanilla ice cream",
    "fish fingers",
    "basmati rice 2 kg",
    "spaghetti x2",
    "chopped tomatoes x4",
    "olive oil 1 l",
    "porridge oats",
    "peanut butter",
    "coffee beans",
    "orange juice 1 l",
    "sparkling water x6",
    "washing-up liquid",
    "toilet paper x9",
    "bin bags",
    "dishwasher tablets",
    "birthday candles",
    "kitchen foil",
    "baby wipes x3",
    "sunflower seeds",
]


def login(page, server, user):
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _typical_list():
    from lists.bulk_services import items_add_bulk, parse_entries

    member = MembershipFactory(user__display_name="Ana", family__name="The Testers")
    grocery_list = GroceryListFactory(family=member.family, name="Big weekly shop")
    items_add_bulk(
        grocery_list=grocery_list, actor=member.user, entries=parse_entries("\n".join(TYPICAL))
    )
    return member, grocery_list


def test_a_typical_list_prints_on_one_a4_page(live_daphne, page):
    member, grocery_list = _typical_list()
    login(page, live_daphne, member.user)
    page.goto(f"{live_daphne.url}/lists/{grocery_list.id}/print/")
    expect(page.locator(".print-item")).to_have_count(len(TYPICAL))
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=False)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"the list printed on {pages} A4 pages"


def test_share_copies_the_list_and_says_so(live_daphne, browser):
    member, grocery_list = _typical_list()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.set_default_timeout(10_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_daphne.url)
    page = context.new_page()
    try:
        login(page, live_daphne, member.user)
        page.goto(f"{live_daphne.url}/lists/{grocery_list.id}/")
        # No Web Share API here (desktop Linux Chromium): the copy fallback.
        page.evaluate("delete Navigator.prototype.share")
        page.get_by_text("Share or print").click()
        page.get_by_role("button", name="Share as text").click()
        expect(page.locator("#share-status")).to_have_text("Copied the list to the clipboard.")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("Big weekly shop\n\nProduce\n- tomatoes (2 kg)\n")
    finally:
        context.close()


def test_share_uses_the_web_share_api_where_there_is_one(live_daphne, page):
    member, grocery_list = _typical_list()
    login(page, live_daphne, member.user)
    page.goto(f"{live_daphne.url}/lists/{grocery_list.id}/")
    page.evaluate(
        "Navigator.prototype.share = function (data) { window.__shared = data;"
        " return Promise.resolve(); }"
    )
    page.get_by_text("Share or print").click()
    page.get_by_role("button", name="Share as text").click()
    expect(page.locator("#share-status")).to_have_text("Shared.")
    shared = page.evaluate("window.__shared")
    assert shared["title"] == "Big weekly shop"
    assert "- milk (2)" in shared["text"]
