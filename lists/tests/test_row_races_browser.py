"""The page's own htmx answer and the live push of the same change race; the page must
end the same whichever comes first.

Each test forces one order: the page's socket goes through a Playwright route that can
hold the server's messages, and an htmx request can be held at the network. Without
this, the bad order shows up only now and then (a flaky browser test on a loaded CI).
"""

from __future__ import annotations

import pytest

from families.tests.factories import PASSWORD, MembershipFactory
from grocer.testing import wait_until_true
from lists import item_services
from lists.models import GroceryList
from lists.tests.factories import GroceryListFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


class HeldSocket:
    """Proxies the page's list socket to daphne; while `holding`, the server's messages
    wait here until `release()` hands them to the page in order."""

    def __init__(self, page) -> None:
        self.holding = False
        self.held: list = []
        self.routes: list = []
        page.route_web_socket("**/ws/lists/**", self._connect)

    def _connect(self, ws) -> None:
        server = ws.connect_to_server()
        self.routes.append(ws)

        def from_server(message) -> None:
            if self.holding:
                self.held.append((ws, message))
            else:
                ws.send(message)

        server.on_message(from_server)

    def hold(self) -> None:
        self.holding = True

    def release(self) -> None:
        self.holding = False
        held, self.held = self.held, []
        for ws, message in held:
            ws.send(message)


class HeldAnswers:
    """Sends the page's requests to URLs matching `pattern` to the server at once, and
    holds the answers until `release()`."""

    def __init__(self, page, pattern: str) -> None:
        self.held: list = []
        page.route(pattern, self._fetch)

    def _fetch(self, route) -> None:
        self.held.append((route, route.fetch()))

    def release(self, page) -> None:
        """Once the answer is in (`route.fetch` returns it to the handler), the page gets it."""
        for _ in range(200):
            if self.held:
                break
            page.wait_for_timeout(50)
        held, self.held = self.held, []
        assert held, "no answer was held"
        for route, answer in held:
            route.fulfill(response=answer)


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


def _wait_for_seq(page, grocery_list) -> None:
    """Until the page has rendered every event of the list (so far)."""
    seq = GroceryList.objects.get(pk=grocery_list.pk).last_seq
    wait_until_true(
        page, f"+document.getElementById('grocery-list').dataset.lastSeq >= {seq}", timeout=10
    )


def _focus_in(page, row_id: str) -> bool:
    return page.evaluate(f"document.activeElement.closest('#{row_id}') !== null")


def _delete_from_menu(page, item) -> None:
    row = page.locator(f"#item-{item.id}")
    row.locator("summary").click()
    row.get_by_role("button", name=f"Delete {item.name}").click()
    page.get_by_role("button", name="Undo").wait_for()
    wait_until_true(page, f"!document.getElementById('item-{item.id}')")


def test_undo_then_the_late_push_of_the_delete_keeps_the_row_and_focus(live_daphne, page):
    """The delete's push arrives only after Undo's answer restored the row: it is older
    than the row on the page and must neither remove it nor move focus."""
    socket = HeldSocket(page)
    grocery_list, (bread, _milk) = _open_list(page, live_daphne, "bread", "milk")

    socket.hold()
    _delete_from_menu(page, bread)
    page.get_by_role("button", name="Undo").click()
    wait_until_true(page, f"document.activeElement.closest('#item-{bread.id}') !== null")
    assert socket.held, "the pushes of the delete and the restore were held"

    socket.release()
    _wait_for_seq(page, grocery_list)
    assert page.locator(f"#item-{bread.id}").count() == 1
    assert _focus_in(page, f"item-{bread.id}")
    assert page.locator("#list-counts .count-needed strong").inner_text() == "2"


def test_undo_answer_after_the_push_of_the_restore_still_focuses_the_row(live_daphne, page):
    """The other order: both pushes are in before Undo's answer."""
    grocery_list, (bread, _milk) = _open_list(page, live_daphne, "bread", "milk")
    _delete_from_menu(page, bread)
    held = HeldAnswers(page, "**/items/restore/")
    page.get_by_role("button", name="Undo").click()
    wait_until_true(page, f"!!document.getElementById('item-{bread.id}')")  # the push
    _wait_for_seq(page, grocery_list)
    held.release(page)
    wait_until_true(page, "!document.querySelector('#toast .toast')")  # Undo's answer
    wait_until_true(page, f"document.activeElement.closest('#item-{bread.id}') !== null")
    assert page.locator(f"#item-{bread.id}").count() == 1


def test_a_late_push_of_an_older_change_does_not_undo_a_newer_answer(live_daphne, page):
    """Put in the cart, then back to needed: the first push, arriving after the second
    answer, must not show the row in the cart again."""
    socket = HeldSocket(page)
    grocery_list, (bread,) = _open_list(page, live_daphne, "bread")

    socket.hold()
    page.get_by_role("button", name="Put bread in the cart").click()
    page.locator(f"#item-{bread.id}[data-status=in_cart]").wait_for()
    page.get_by_role("button", name="bread is in the cart. Mark it purchased").click()
    page.locator(f"#item-{bread.id}[data-status=purchased]").wait_for()
    # Every status the row shows from here on.
    page.evaluate(
        """id => {
            window.rowStatuses = [];
            new MutationObserver(() => {
                const row = document.getElementById(id);
                window.rowStatuses.push(row ? row.dataset.status : "gone");
            }).observe(document.getElementById("categories"),
                       {subtree: true, childList: true, attributes: true});
        }""",
        f"item-{bread.id}",
    )
    socket.release()
    _wait_for_seq(page, grocery_list)
    assert set(page.evaluate("window.rowStatuses")) <= {"purchased"}


def test_typing_in_the_edit_form_before_it_settles_stays_in_that_field(live_daphne, page):
    """The edit form used to put the cursor in its first field at settle (20 ms after
    the swap): a person (or a test) already typing in the quantity lost the field, and
    "3" went into the name ("3milk"). Settling is made slow here to force that order."""
    _, (milk,) = _open_list(page, live_daphne, "milk")
    page.evaluate("htmx.config.defaultSettleDelay = 1500")
    row = page.locator(f"#item-{milk.id}")
    row.locator("summary").click()
    row.get_by_role("link", name="Edit milk").click()
    quantity = page.locator(f"#item-{milk.id} input[name=quantity_text]")
    quantity.wait_for()
    quantity.focus()
    wait_until_true(page, "!document.querySelector('.htmx-settling')")
    page.keyboard.type("3")
    assert page.locator(f"#item-{milk.id} input[name=name]").input_value() == "milk"
    assert quantity.input_value() == "3"


def test_the_add_answer_does_not_take_focus_back_after_the_person_moved_on(live_daphne, page):
    """The push shows the new row before the add's answer; by the time the answer comes
    the person has gone on to that row: focus stays where they put it."""
    held = HeldAnswers(page, "**/items/")
    _, (bread,) = _open_list(page, live_daphne, "bread")
    page.get_by_label("Add an item").fill("milk x2")
    page.get_by_role("button", name="Add", exact=True).click()
    page.locator("#category-dairy li.item", has_text="milk").wait_for()  # the push
    page.locator(f"#item-{bread.id} summary").click()  # on to another row's menu
    # ... whose control then goes (a swap): focus falls to the body.
    page.evaluate("document.activeElement.blur()")
    held.release(page)
    page.locator("#list-feedback", has_text="Added milk (2) to Dairy.").wait_for()
    assert page.locator("#add-text").input_value() == ""
    assert page.evaluate("document.activeElement.id") != "add-text"
