"""Two people on one list in two real Chromium pages: each change shows up live on the other.

A real daphne (`live_daphne`) on the test database and Redis; two browser contexts,
so two separate sessions. Every wait is bounded (the contexts' default timeout).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from families.tests.factories import PASSWORD, MembershipFactory
from grocer.testing import ServerProcess, assert_accessible
from lists.tests.factories import GroceryListFactory
from lists.tests.realtime import Person, server_env

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def open_list(browser, server, user, grocery_list):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{server.url}/lists/{grocery_list.pk}/")
    return context, page


def test_changes_on_one_page_appear_live_on_the_other(live_daphne, browser):
    ana = MembershipFactory(user__display_name="Ana", family__name="The Testers")
    ben = MembershipFactory(user__display_name="Ben", family=ana.family)
    grocery_list = GroceryListFactory(family=ana.family, name="Saturday")

    context_a, page_a = open_list(browser, live_daphne, ana.user, grocery_list)
    context_b, page_b = open_list(browser, live_daphne, ben.user, grocery_list)
    try:
        # Presence: each sees the other.
        expect(page_a.locator("#presence")).to_have_text("Also viewing: Ben")
        expect(page_b.locator("#presence")).to_have_text("Also viewing: Ana")
        # Anything that reloads B would lose this.
        page_b.evaluate("window.__notReloaded = true")

        # Ana adds milk.
        page_a.get_by_label("Add an item").fill("milk")
        page_a.get_by_label("Add an item").press("Enter")
        row_b = page_b.locator("li.item", has_text="milk")
        expect(row_b).to_be_visible()
        expect(row_b).to_have_attribute("data-status", "needed")
        expect(page_b.locator("#live-status")).to_contain_text("Ana added milk")
        expect(page_b.locator("#list-counts .count-needed strong")).to_have_text("1")

        # Ana assigns it to Ben.
        row_a = page_a.locator("li.item", has_text="milk")
        row_a.locator("summary").click()
        row_a.get_by_label("Who gets it").select_option(label="Ben")
        row_a.get_by_role("button", name="Assign").click()
        expect(row_b.locator(".assignee")).to_have_text("Ben")
        expect(page_b.locator("#live-status")).to_contain_text("Ana assigned milk to Ben")

        # Ana puts it in the cart, then checks it off.
        page_a.get_by_role("button", name="Put milk in the cart").click()
        expect(row_b).to_have_attribute("data-status", "in_cart")
        expect(page_b.locator("#live-status")).to_contain_text("Ana put milk in the cart")
        page_a.get_by_role("button", name=re.compile("milk is in the cart")).click()
        expect(row_b).to_have_attribute("data-status", "purchased")
        expect(page_b.locator("#live-status")).to_contain_text("Ana bought milk")
        expect(page_b.locator("#list-counts .count-purchased strong")).to_have_text("1")
        # The activity feed got the entries too, newest first.
        expect(page_b.locator("#activity li").first).to_contain_text("Ana")

        # Ben's page did all that in place, with one row for milk.
        assert page_b.evaluate("window.__notReloaded") is True
        expect(page_b.locator("li.item", has_text="milk")).to_have_count(1)
        # The pushed row is live htmx: Ben can act on it without a reload, and Ana sees it.
        page_b.get_by_role("button", name=re.compile("milk is purchased")).click()
        expect(row_a).to_have_attribute("data-status", "needed")
        expect(page_a.locator("#live-status")).to_contain_text("Ben moved milk back to needed")

        assert_accessible(page_b)

        # Ben closes his page: Ana sees him go.
        context_b.close()
        expect(page_a.locator("#presence")).to_be_hidden()
    finally:
        context_a.close()
        context_b.close()


@pytest.fixture
def daphne_on_private_redis(transactional_db, private_redis):
    """A daphne whose channel layer, cache and presence use a Redis this test controls."""
    env = {**server_env(), "REDIS_URL": private_redis.url}
    with ServerProcess(env=env) as server:
        yield server


def test_redis_outage_pauses_live_updates_and_catch_up_recovers(
    daphne_on_private_redis,
    private_redis,
    browser,
):
    server = daphne_on_private_redis
    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(user__display_name="Ben", family=ana.family)
    grocery_list = GroceryListFactory(family=ana.family, name="Saturday")
    context, page = open_list(browser, server, ana.user, grocery_list)
    ben_http = Person(ben.user, server)
    try:
        expect(page.locator("#grocery-list")).to_have_attribute("data-live", "live")
        page.evaluate("window.__notReloaded = true")

        private_redis.stop()
        status = page.locator("#live-status")
        expect(status).to_contain_text("Live updates paused — reconnecting…")
        assert_accessible(page)

        # Writes and pages keep working from PostgreSQL meanwhile.
        form = ben_http.form(f"/lists/{grocery_list.pk}/")
        form["text"] = "eggs"
        assert ben_http.post(f"/lists/{grocery_list.pk}/items/", form).status_code == 302
        assert ben_http.http.get(f"/lists/{grocery_list.pk}/").status_code == 200

        private_redis.start()
        # The network is back: the page retries now instead of at the end of its backoff.
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("li.item", has_text="eggs")).to_be_visible()
        expect(status).not_to_contain_text("paused")
        expect(page.locator("#grocery-list")).to_have_attribute("data-last-seq", "1")
        assert page.evaluate("window.__notReloaded") is True
    finally:
        ben_http.close()
        context.close()


@pytest.fixture
def daphne_with_quick_heartbeats(transactional_db, private_redis):
    """Like `daphne_on_private_redis`, with live.js sending a heartbeat every second."""
    env = {**server_env(), "REDIS_URL": private_redis.url, "GROCER_LIVE_HEARTBEAT_SECONDS": "1"}
    with ServerProcess(env=env) as server:
        yield server


def test_pages_open_across_a_redis_restart_get_the_next_change(
    daphne_with_quick_heartbeats, private_redis, browser
):
    """Redis restarts empty under open pages: most of their sockets stay open, their group
    memberships gone. The heartbeat re-joins the groups, and its seq tells a page that
    missed a change to catch up: every page shows the next change without a reload."""
    server = daphne_with_quick_heartbeats
    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(user__display_name="Ben", family=ana.family)
    grocery_list = GroceryListFactory(family=ana.family, name="Saturday")
    pages = [open_list(browser, server, ana.user, grocery_list) for _ in range(3)]
    ben_http = Person(ben.user, server)
    try:
        for _context, page in pages:
            expect(page.locator("#grocery-list")).to_have_attribute("data-live", "live")
            expect(page.locator("#grocery-list")).to_have_attribute("data-heartbeat-seconds", "1")
            page.evaluate("window.__notReloaded = true")

        private_redis.stop()
        private_redis.start()  # same port, empty
        form = ben_http.form(f"/lists/{grocery_list.pk}/")
        form["text"] = "eggs"
        assert ben_http.post(f"/lists/{grocery_list.pk}/items/", form).status_code == 302

        for _context, page in pages:
            expect(page.locator("li.item", has_text="eggs")).to_be_visible()
            expect(page.locator("#grocery-list")).to_have_attribute("data-last-seq", "1")
            assert page.evaluate("window.__notReloaded") is True
    finally:
        ben_http.close()
        for context, _page in pages:
            context.close()
