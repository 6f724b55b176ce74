"""The aisle-learning maths: a table of trips and the order they teach."""

import pytest

from lists.categories import DEFAULT_ORDER, complete_order
from shop.aisles import base_scores, learn_order, trip_positions

DEFAULT = list(DEFAULT_ORDER)


def test_the_default_walk_is_the_category_order():
    assert DEFAULT == [
        "produce", "bakery", "dairy", "meat_fish", "frozen", "pantry", "drinks", "household",
        "other",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("base", "trips", "expected_start"),
    [
        # No trips: the base order.
        (DEFAULT, [], DEFAULT[:4]),
        # One trip that walks dairy before produce only nudges (0.3 of the way).
        (DEFAULT, [["dairy", "produce"]], ["produce", "bakery", "dairy"]),
        # Three consistent trips move dairy to the front (bakery, never visited, stays put).
        (DEFAULT, [["dairy", "produce"]] * 3, ["dairy", "bakery", "produce"]),
        # A store laid out backwards, learned over five full trips.
        (DEFAULT, [list(reversed(DEFAULT))] * 5, list(reversed(DEFAULT))[:4]),
        # A hand-set base is where learning starts from.
        (["household", "produce"], [], ["household", "produce", "bakery"]),
        # One-aisle trips teach nothing.
        (DEFAULT, [["other"]] * 10, DEFAULT[:4]),
        # Repeated categories count at their first check-off; unknown ones are ignored.
        (DEFAULT, [["frozen", "bogus", "produce", "frozen"]] * 4, ["frozen", "bakery"]),
    ],
)
def test_learned_order_after_trips(base, trips, expected_start):
    order = learn_order(base, trips)
    assert sorted(order) == sorted(DEFAULT)  # always every category exactly once
    assert order[: len(expected_start)] == expected_start


def test_a_running_average_not_the_last_trip_alone():
    habit = [["drinks", "produce", "dairy"]] * 5
    odd_trip = [["produce", "dairy", "drinks"]]
    after_habit = learn_order(DEFAULT, habit)
    assert after_habit.index("drinks") < after_habit.index("produce") < after_habit.index("dairy")
    # One trip the other way round does not undo five: drinks stays before dairy...
    after_odd = learn_order(DEFAULT, habit + odd_trip)
    assert after_odd.index("drinks") < after_odd.index("dairy")
    # ...whereas that trip alone would have put it after.
    alone = learn_order(DEFAULT, odd_trip * 3)
    assert alone.index("dairy") < alone.index("drinks")


def test_unvisited_categories_keep_their_place_relative_to_each_other():
    order = learn_order(DEFAULT, [["household", "produce"]] * 6)
    rest = [value for value in order if value not in ("household", "produce")]
    assert rest == [value for value in DEFAULT if value not in ("household", "produce")]
    assert order.index("household") < order.index("produce")


def test_trip_positions_and_complete_order():
    base = base_scores(DEFAULT)
    assert trip_positions(["dairy", "produce", "bakery"], base) == {
        "dairy": 0.0, "produce": 0.125, "bakery": 0.25,
    }  # fmt: skip
    assert trip_positions(["dairy"], base) == {}
    assert complete_order(["other", "x", "other"])[:2] == ["other", "produce"]
