"""Two admins demote each other (or remove each other) at the same moment.

Without the row lock both transactions would count two admins, both succeed, and the
family would be left with none. Real threads, real PostgreSQL, real row locks.
"""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection

from families.models import Membership
from families.services import membership_change_role, membership_leave, membership_remove
from families.tests.factories import MembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ADMIN, MEMBER = Membership.Role.ADMIN, Membership.Role.MEMBER


def _race(*calls):
    """Run each call in its own thread and connection, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "ok"
        except (ValidationError, PermissionDenied) as error:
            outcomes[index] = type(error).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    close_old_connections()
    return outcomes


@pytest.mark.parametrize("attempt", range(5))
def test_concurrent_self_demotions_leave_one_admin(attempt):
    first = MembershipFactory(role=ADMIN)
    second = MembershipFactory(family=first.family, role=ADMIN)
    MembershipFactory(family=first.family, role=MEMBER)

    outcomes = _race(
        lambda: membership_change_role(membership=first, role=MEMBER, actor=first.user),
        lambda: membership_change_role(membership=second, role=MEMBER, actor=second.user),
    )

    assert sorted(outcomes) == ["ValidationError", "ok"]
    assert first.family.memberships.filter(role=ADMIN).count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_mutual_demotion_leaves_one_admin(attempt):
    first = MembershipFactory(role=ADMIN)
    second = MembershipFactory(family=first.family, role=ADMIN)

    outcomes = _race(
        lambda: membership_change_role(membership=second, role=MEMBER, actor=first.user),
        lambda: membership_change_role(membership=first, role=MEMBER, actor=second.user),
    )

    # The loser is no longer an admin by the time its lock is granted.
    assert sorted(outcomes) == ["PermissionDenied", "ok"]
    assert first.family.memberships.filter(role=ADMIN).count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_leave_and_remove_leave_one_admin(attempt):
    first = MembershipFactory(role=ADMIN)
    second = MembershipFactory(family=first.family, role=ADMIN)

    outcomes = _race(
        lambda: membership_leave(membership=first),
        lambda: membership_remove(membership=first, actor=second.user),
        lambda: membership_leave(membership=second),
    )

    assert Membership.objects.filter(family=first.family, role=ADMIN).count() == 1
    assert "ValidationError" in outcomes or "PermissionDenied" in outcomes
