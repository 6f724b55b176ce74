"""Two people writing to the same item at the same moment, through two daphne processes.

Real HTTP requests (each with its own session and CSRF token) hit processes A and B at
once, on PostgreSQL; a socket watches what the other pages are told. Nothing is ever
silently overwritten: one edit wins, the other gets the conflict form naming the
winner, and every page converges on the winner's row.
"""

from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager

import pytest
from websockets.sync.client import connect

from families.tests.factories import MembershipFactory
from grocer.testing import ServerProcess
from lists.models import ListEvent, ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory
from lists.tests.realtime import Person, server_env, session_cookie

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

TIMEOUT = 15


@pytest.fixture
def two_servers(transactional_db):
    env = server_env()
    with ServerProcess(env=env) as a, ServerProcess(env=env) as b:
        yield a, b


def at_once(*calls):
    """Run the calls in threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait(timeout=TIMEOUT)
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
        assert not thread.is_alive(), "a request did not finish"
    return results


@contextmanager
def watching(server, user, grocery_list):
    """A socket on the list, caught up, as another member's open page would hold."""
    with connect(
        f"{server.url.replace('http://', 'ws://')}/ws/lists/{grocery_list.pk}/",
        origin=server.url,
        additional_headers={"Cookie": f"sessionid={session_cookie(user)}"},
        open_timeout=TIMEOUT,
    ) as ws:
        ws.send(json.dumps({"type": "catch_up", "last_seq": grocery_list.last_seq}))
        while json.loads(ws.recv(timeout=TIMEOUT))["type"] != "caught_up":
            pass
        yield ws


def next_event(ws) -> dict:
    while True:
        message = json.loads(ws.recv(timeout=TIMEOUT))
        if message["type"] == "event":
            return message


def test_conflicting_edits_at_once_never_overwrite_silently(two_servers):
    a, b = two_servers
    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    carla = MembershipFactory(family=ana.family, user__display_name="Carla")
    grocery_list = GroceryListFactory(family=ana.family)
    item = ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1")
    edit = f"/lists/{grocery_list.pk}/items/{item.pk}/edit/"
    people = [Person(ana.user, a), Person(ben.user, b)]
    with watching(a, carla.user, grocery_list) as watcher:
        # Both open the edit form on version 1, then save different quantities at once.
        forms = [person.form(edit) for person in people]
        assert forms[0]["base_version"] == forms[1]["base_version"] == "1"
        forms[0]["quantity_text"], forms[1]["quantity_text"] = "2", "3"
        responses = at_once(
            *(lambda p=p, f=f: p.post(edit, f) for p, f in zip(people, forms, strict=True))
        )

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [302, 409], [r.text[:300] for r in responses]
        winner = 0 if responses[0].status_code == 302 else 1
        loser = 1 - winner
        won_with = forms[winner]["quantity_text"]
        winner_name = ("Ana", "Ben")[winner]

        item.refresh_from_db()
        assert (item.quantity_text, item.version) == (won_with, 2)
        # The loser is told who changed what, and their own value is kept in the form.
        conflict = responses[loser].text
        assert f"{winner_name} changed quantity to &#x27;{won_with}&#x27; meanwhile" in conflict
        assert f'value="{forms[loser]["quantity_text"]}"' in conflict
        # Exactly one change went out, and the watching page converges on it.
        assert ListEvent.objects.filter(type="item.updated").count() == 1
        event = next_event(watcher)
        assert (event["seq"], event["actor"]) == (1, winner_name)
        assert f'<span class="item-qty">{won_with}</span>' in event["html"]

        # Saving again from the rebased conflict form is a deliberate overwrite: it applies.
        retry = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', conflict))
        retry["note"] = ""
        retry["category"] = item.category
        assert retry["base_version"] == "2"
        assert people[loser].post(edit, retry).status_code == 302
        item.refresh_from_db()
        assert (item.quantity_text, item.version) == (forms[loser]["quantity_text"], 3)
        assert next_event(watcher)["seq"] == 2
    for person in people:
        person.close()


def test_two_people_adding_the_same_item_at_once_get_one_row(two_servers):
    a, b = two_servers
    ana = MembershipFactory(user__display_name="Ana")
    ben = MembershipFactory(family=ana.family, user__display_name="Ben")
    grocery_list = GroceryListFactory(family=ana.family)
    add = f"/lists/{grocery_list.pk}/items/"
    detail = f"/lists/{grocery_list.pk}/"
    people = [Person(ana.user, a), Person(ben.user, b)]
    with watching(b, ben.user, grocery_list) as watcher:
        forms = [person.form(detail) for person in people]
        for form in forms:
            form["text"] = "milk"
        responses = at_once(
            *(lambda p=p, f=f: p.post(add, f) for p, f in zip(people, forms, strict=True))
        )
        assert [r.status_code for r in responses] == [302, 302]
        assert ListItem.objects.filter(grocery_list=grocery_list).count() == 1
        notes = sorted(
            people[i]
            .http.get(responses[i].headers["location"])
            .text.count("milk is already on the list")
            for i in range(2)
        )
        assert notes == [0, 1]
        event = next_event(watcher)
        assert event["event_type"] == "item.added"
        assert ListEvent.objects.filter(grocery_list=grocery_list).count() == 1
    for person in people:
        person.close()
