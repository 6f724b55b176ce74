"""The list page's reconnect backoff: a server that accepts and then closes at once
(4503, Redis or PostgreSQL down) must not be retried every second.

Chromium loads the real page from daphne; its socket is answered by a Playwright route
standing in for the server, and the page's clock is Playwright's, so 60 s of backoff
pass in no time and the count is exact.
"""

from __future__ import annotations

import pytest

from families.tests.factories import PASSWORD, MembershipFactory
from grocer.testing import wait_until_true
from lists.tests.factories import GroceryListFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.timeout(300)]


def open_list_page(page, server, user, grocery_list) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{server.url}/lists/{grocery_list.pk}/")


def advance(page, ms: int, *, step: int = 500) -> None:
    """Move the page's clock in small steps: between them Playwright delivers the socket
    events (open, the catch-up frame, the close) the timers caused."""
    for _ in range(ms // step):
        page.clock.run_for(step)
        page.evaluate("0")


def test_backoff_grows_while_the_server_accepts_then_closes_and_resets_after_catch_up(
    live_daphne, page
):
    member = MembershipFactory()
    grocery_list = GroceryListFactory(family=member.family)
    sockets = []
    healthy = {"on": False}

    def server(ws) -> None:
        """Accepts (the page sees "open" and asks for its catch-up), then, while the
        outage lasts, closes with 4503 as the consumer does; once healthy, catches up."""
        sockets.append(ws)
        outage = not healthy["on"]

        def on_message(text) -> None:
            if '"catch_up"' not in str(text):
                return
            if outage:
                ws.close(code=4503, reason="Live updates unavailable")
            else:
                ws.send(f'{{"type": "caught_up", "seq": {grocery_list.last_seq}}}')

        ws.on_message(on_message)

    page.route_web_socket("**/ws/lists/**", server)
    page.clock.install()
    open_list_page(page, live_daphne, member.user, grocery_list)
    advance(page, 1000)

    # A 40 s outage: 1, 2, 4, 8, 16, 30 s between attempts (jitter takes up to half off),
    # so at most 9 reconnects; the old page reconnected about every second (40 or more).
    advance(page, 40_000)
    during_outage = len(sockets)
    assert 3 <= during_outage <= 9, during_outage

    # Back: the next attempt catches up, and only that resets the backoff.
    healthy["on"] = True
    advance(page, 31_000)
    assert len(sockets) == during_outage + 1
    wait_until_true(page, "document.getElementById('grocery-list').dataset.live === 'live'")
    sockets[-1].close(code=4503)
    healthy["on"] = False
    advance(page, 1_500)  # the first retry after a good connection is within 1 s
    assert len(sockets) == during_outage + 2
