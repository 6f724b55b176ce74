"""Writers of one list never deadlock: every write path locks the list's row first.

The two races that deadlocked in the churn storm (PostgreSQL then failed one writer and
the person saw "database unavailable"), each run 100 times in two threads on their own
PostgreSQL connections, released together by a barrier every round. Every change must
be applied, or answered with a clear conflict (the item was cleared meanwhile).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from families.tests.factories import MembershipFactory
from lists import item_services, services
from lists.models import ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 100


def race(rounds: int, first, second) -> list[tuple[object, object]]:
    """Call first(i) and second(i) at the same moment in two threads, for each round i.

    Returns, per round, each side's result or the exception it raised.
    """
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[list[object]] = [[None, None] for _ in range(rounds)]

    def loop(side: int, call) -> None:
        try:
            for i in range(rounds):
                barrier.wait()
                try:
                    outcomes[i][side] = call(i)
                except Exception as error:  # judged by the test
                    outcomes[i][side] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=loop, args=(n, call)) for n, call in enumerate((first, second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return [tuple(pair) for pair in outcomes]


def unexpected(outcomes, allowed: tuple[type[BaseException], ...] = ()) -> list:
    return [
        value
        for pair in outcomes
        for value in pair
        if isinstance(value, BaseException) and not isinstance(value, allowed)
    ]


@pytest.fixture
def ana():
    return MembershipFactory(user__display_name="Ana")


def test_adding_an_item_already_needed_while_someone_checks_it(ana):
    """item_add locks the list then the needed item; a status change used to lock the item,
    then the list (to record its event)."""
    ben = MembershipFactory(family=ana.family, user__display_name="Ben").user
    lists = [GroceryListFactory(family=ana.family) for _ in range(ROUNDS)]
    items = [
        ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1")
        for grocery_list in lists
    ]

    def add(i):
        return item_services.item_add(
            grocery_list=lists[i], actor=ana.user, name="milk", quantity_text="1"
        )

    def check(i):
        return item_services.item_set_status(
            item_id=items[i].pk, grocery_list=lists[i], actor=ben, status="purchased"
        )

    outcomes = race(ROUNDS, add, check)
    assert unexpected(outcomes) == []
    for grocery_list, item, (added, _checked) in zip(lists, items, outcomes, strict=True):
        item.refresh_from_db()
        assert item.status == "purchased"  # the check applied
        if added.merged:  # the add came first: one more milk on the item
            assert (added.item.pk, item.quantity_text) == (item.pk, "2")
        else:  # the check came first: milk is needed again, as a new item
            assert added.created
            assert grocery_list.items.filter(status="needed", name="milk").count() == 1


def test_clearing_purchased_items_while_someone_unchecks_one(ana):
    """ "Clear purchased" locks the list, then the purchased items; unchecking one used to
    lock the item, then the list."""
    ben = MembershipFactory(family=ana.family, user__display_name="Ben").user
    lists = [GroceryListFactory(family=ana.family) for _ in range(ROUNDS)]
    items = [
        ListItemFactory(grocery_list=grocery_list, name="bread", status="purchased")
        for grocery_list in lists
    ]

    def clear(i):
        return item_services.items_clear_purchased(grocery_list=lists[i], actor=ana.user)

    def uncheck(i):
        return item_services.item_set_status(
            item_id=items[i].pk, grocery_list=lists[i], actor=ben, status="needed"
        )

    outcomes = race(ROUNDS, clear, uncheck)
    # The only "no": the item was cleared first, so there is nothing to uncheck (the page
    # answers that it is gone). Never a deadlock, never a lost change.
    assert unexpected(outcomes, allowed=(ListItem.DoesNotExist,)) == []
    for item, (cleared, unchecked) in zip(items, outcomes, strict=True):
        row = ListItem.all_objects.get(pk=item.pk)
        if isinstance(unchecked, ListItem.DoesNotExist):
            assert [c.pk for c in cleared] == [item.pk] and row.deleted_at is not None
        else:
            assert cleared == [] and (row.status, row.deleted_at) == ("needed", None)


def test_a_deadlock_is_retried_inside_the_service():
    """Locks taken outside the list-first rule can still deadlock: the loser runs again."""
    from grocer.transactions import retry_on_conflict

    a, b = (GroceryListFactory(), GroceryListFactory())
    barrier = threading.Barrier(2, timeout=30)
    attempts = {"forward": 0, "backward": 0}

    def locker(name, first, second):
        @retry_on_conflict
        def write():
            from django.db import transaction

            attempts[name] += 1
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL deadlock_timeout = '50ms'")
                services.lock_list_row(list_id=first.pk)
                if attempts[name] == 1:
                    barrier.wait()  # both hold their first lock: the second ones deadlock
                services.lock_list_row(list_id=second.pk)
            return name

        return write

    forward, backward = locker("forward", a, b), locker("backward", b, a)
    outcomes = race(1, lambda _i: forward(), lambda _i: backward())
    assert outcomes == [("forward", "backward")]
    assert sorted(attempts.values()) == [1, 2]  # PostgreSQL failed one; it ran again


def test_a_write_that_keeps_losing_is_a_clear_409_not_database_unavailable(client, ana):
    """After the bounded retries the page says what happened; nothing was written."""
    from unittest import mock

    import psycopg
    from django.db import OperationalError

    grocery_list = GroceryListFactory(family=ana.family)
    item = ListItemFactory(grocery_list=grocery_list, name="milk")
    client.force_login(ana.user)
    deadlock = OperationalError("deadlock detected")
    deadlock.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    real = item_services.lock_list_next_seq

    def lose(*args, **kwargs):
        real(*args, **kwargs)
        raise deadlock

    with mock.patch.object(item_services, "lock_list_next_seq", side_effect=lose) as locked:
        response = client.post(
            f"/lists/{grocery_list.pk}/items/{item.pk}/status/", {"status": "purchased"}
        )
    assert locked.call_count == 3  # retried twice inside the service
    assert response.status_code == 409
    assert "at the same moment" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "needed"
