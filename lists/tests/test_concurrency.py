"""Two people acting on one list at the same moment, on real PostgreSQL connections."""

import threading

import pytest
from django.db import close_old_connections, connection

from families.tests.factories import MembershipFactory
from lists import item_services
from lists.models import ListEvent, ListItem
from lists.tests.factories import GroceryListFactory, ListItemFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    """Run each call in its own thread (own DB connection), started at once."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.parametrize("attempt", range(3))
def test_two_people_adding_the_same_item_at_once_get_one_item(attempt):
    """The duplicate check runs under the list row lock: the second add finds the first."""
    membership = MembershipFactory()
    ben = MembershipFactory(family=membership.family).user
    grocery_list = GroceryListFactory(family=membership.family)

    def add(user):
        return lambda: item_services.item_add(grocery_list=grocery_list, actor=user, name="milk")

    results, errors = run_together(*(add(user) for user in (membership.user, ben) * 2))
    assert errors == []
    assert ListItem.objects.filter(grocery_list=grocery_list).count() == 1
    assert sorted(result.created for result in results) == [False, False, False, True]
    assert {result.item.pk for result in results} == {
        ListItem.objects.get(grocery_list=grocery_list).pk
    }
    assert list(ListEvent.objects.values_list("type", flat=True)) == ["item.added"]


def test_concurrent_edits_of_different_fields_both_apply():
    """select_for_update serialises the read-modify-write, so neither edit is lost."""
    membership = MembershipFactory()
    grocery_list = GroceryListFactory(family=membership.family)
    item = ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1")
    base = {"name": "milk", "quantity_text": "1", "note": "", "category": "other", "version": 1}

    def edit(**changes):
        return lambda: item_services.item_update(
            item_id=item.id,
            grocery_list=grocery_list,
            actor=membership.user,
            changes=changes,
            base=base,
        )

    _, errors = run_together(edit(quantity_text="2"), edit(note="oat"))
    assert errors == []
    item.refresh_from_db()
    assert (item.quantity_text, item.note, item.version) == ("2", "oat", 3)


def test_concurrent_conflicting_edits_apply_one_and_refuse_the_other():
    membership = MembershipFactory()
    grocery_list = GroceryListFactory(family=membership.family)
    item = ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1")
    base = {"quantity_text": "1", "version": 1}

    def edit(value):
        return lambda: item_services.item_update(
            item_id=item.id,
            grocery_list=grocery_list,
            actor=membership.user,
            changes={"quantity_text": value},
            base=base,
        )

    _, errors = run_together(edit("2"), edit("3"))
    assert len(errors) == 1 and isinstance(errors[0], item_services.ConflictError)
    item.refresh_from_db()
    assert item.quantity_text in ("2", "3")
    assert item.version == 2
