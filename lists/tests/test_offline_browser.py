"""Offline in the shop, in Chromium: changes made without network reach the server once."""

import pytest

from families.tests.factories import MembershipFactory
from grocer.testing import assert_accessible, wait_until_true
from lists import item_services
from lists.models import AppliedChange, ListEvent, ListItem
from lists.tests.factories import GroceryListFactory
from lists.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def shop():
    ana = MembershipFactory(user__display_name="Ana", family__name="The Testers")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    grocery_list = GroceryListFactory(family=ana.family, name="Weekly shop")
    for name in ("bread", "coffee"):
        item_services.item_add(grocery_list=grocery_list, actor=ana.user, name=name)
    return ana, ben, grocery_list


@pytest.fixture
def ben_page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_changes_made_offline_reach_the_server_and_the_other_member_once(
    live_daphne, page, ben_page, shop
):
    ana, ben, grocery_list = shop
    url = f"{live_daphne.url}/lists/{grocery_list.id}/"
    bread = ListItem.objects.get(grocery_list=grocery_list, name="bread")
    coffee = ListItem.objects.get(grocery_list=grocery_list, name="coffee")

    log_in(page, live_daphne, ana.user)
    page.goto(url)
    page.wait_for_selector("#grocery-list[data-offline-ready=true]")
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # The first visit installed the worker; this one goes through it and is kept.
    page.reload()
    page.wait_for_selector("#grocery-list[data-offline-ready=true]")
    assert page.evaluate("!!navigator.serviceWorker.controller")

    log_in(ben_page, live_daphne, ben.user)
    ben_page.goto(url)
    ben_page.wait_for_selector("#grocery-list[data-live=live]")

    # --- in a dead spot: add one item, check two ---
    page.context.set_offline(True)
    wait_until_true(page, "navigator.onLine === false")
    page.get_by_label("Add an item").fill("2 kg tomatoes")
    page.keyboard.press("Enter")
    pending = page.locator("li.pending", has_text="2 kg tomatoes")
    pending.wait_for()
    assert "Waiting for connection" in pending.inner_text()
    page.get_by_role("button", name="Put bread in the cart").click()
    page.locator(f"#item-{bread.id}.pending[data-status=in_cart]").wait_for()
    page.get_by_role("button", name="Put coffee in the cart").click()
    page.locator(f"#item-{coffee.id}.pending").wait_for()
    page.locator("#offline-status", has_text="3 changes waiting for connection").wait_for()
    assert not ListItem.objects.filter(grocery_list=grocery_list, name="tomatoes").exists()
    bread.refresh_from_db()
    assert bread.status == "needed"

    # Meanwhile Ben, online, deletes the coffee Ana just checked.
    item_services.item_delete(item_id=coffee.id, grocery_list=grocery_list, actor=ben.user)

    # A reload without network still shows the list (the service worker's copy),
    # with the waiting changes drawn again.
    page.reload()
    page.wait_for_selector("#grocery-list[data-offline-ready=true]")
    page.get_by_text("Offline copy").wait_for()
    page.locator("li.pending", has_text="2 kg tomatoes").wait_for()
    page.locator(f"#item-{bread.id}.pending[data-status=in_cart]").wait_for()
    assert page.locator(f"#item-{coffee.id}").is_visible()
    assert_accessible(page)

    # --- back online: the queue is replayed in order, each change applied once ---
    page.context.set_offline(False)
    page.locator("#offline-status", has_text="offline changes were saved").wait_for()
    conflicts = page.locator("#offline-conflicts")
    conflicts.get_by_text("Ben deleted coffee.").wait_for()
    assert conflicts.is_visible()
    page.locator(f"#item-{bread.id}:not(.pending)[data-status=in_cart]").wait_for()
    tomatoes = ListItem.objects.get(grocery_list=grocery_list, name="tomatoes")
    assert tomatoes.quantity_text == "2 kg"
    page.locator(f"#item-{tomatoes.id}:not(.pending)").wait_for()
    assert page.locator("li.pending").count() == 0
    bread.refresh_from_db()
    assert bread.status == "in_cart"
    assert AppliedChange.objects.filter(grocery_list=grocery_list).count() == 3
    added = ListEvent.objects.filter(grocery_list=grocery_list, payload__name="tomatoes")
    assert list(added.values_list("type", flat=True)) == ["item.added"]
    assert (
        ListEvent.objects.filter(
            grocery_list=grocery_list, type="item.status_changed", actor=ana.user
        ).count()
        == 1
    )
    assert not ListItem.objects.filter(pk=coffee.pk).exists()

    # Ben's page got them through the live updates.
    ben_page.locator(f"#item-{tomatoes.id}", has_text="tomatoes").wait_for()
    ben_page.locator(f"#item-{bread.id}[data-status=in_cart]").wait_for()

    # A reload now (online) replays nothing twice.
    page.reload()
    page.wait_for_selector("#grocery-list[data-offline-ready=true]")
    assert page.locator("#grocery-list").get_attribute("data-pending") == "0"
    assert ListItem.objects.filter(grocery_list=grocery_list, name="tomatoes").count() == 1
    assert AppliedChange.objects.filter(grocery_list=grocery_list).count() == 3


def test_the_offline_copy_speaks_the_users_language(live_daphne, page, shop):
    """Offline, the kept page and its scripts stay in Spanish: the catalog is a cacheable
    script file (grocer/i18n.py), so the offline reload still finds it."""
    ana, _ben, grocery_list = shop
    ana.user.language = "es"
    ana.user.save(update_fields=["language"])
    url = f"{live_daphne.url}/lists/{grocery_list.id}/"
    log_in(page, live_daphne, ana.user)
    page.goto(url)
    page.wait_for_selector("#grocery-list[data-offline-ready=true]")
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # through the worker this time: page and catalog are kept
    page.wait_for_selector("#grocery-list[data-offline-ready=true]")
    page.context.set_offline(True)
    wait_until_true(page, "navigator.onLine === false")
    page.reload()
    page.wait_for_selector("#grocery-list[data-offline-ready=true]")
    page.get_by_text("Copia sin conexión").wait_for()
    page.get_by_label("Añadir un artículo").fill("leche")
    page.keyboard.press("Enter")
    page.locator("li.pending", has_text="leche").get_by_text("Esperando conexión").wait_for()
    page.context.set_offline(False)
