"""The aisle order of a store, learned from the order in which a family checks things off.

Pure functions, no database: `learn_order(base, trips)` is the whole model.

Each trip (one list at one store on one day) records the categories in the order
they were first checked off. Scores live on 0..1 (0 = first aisle); the base order
(the built-in walk, or the one a family admin set by hand) spreads them evenly.
A trip's normalised positions are the base scores of the categories it visited,
handed out in the trip's order: a trip that took dairy before produce says "dairy
where produce was, produce where dairy was", and nothing about aisles it skipped
(so a two-item trip cannot fling produce to the back of the shop). Each visited
category's score moves towards its trip position as an exponential moving average
(`ALPHA` = 0.3): one odd trip nudges the order, three consistent ones change it,
old habits fade. Categories a trip did not visit keep their score; ties keep the
base order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lists.categories import complete_order

ALPHA = 0.3


def base_scores(order: Sequence[str]) -> dict[str, float]:
    order = complete_order(order)
    last = len(order) - 1
    return {value: index / last for index, value in enumerate(order)}


def trip_positions(trip: Sequence[str], base: dict[str, float]) -> dict[str, float]:
    """Target scores of one trip's categories: their base slots, in the trip's order.

    The first check-off of each category counts; unknown values are ignored.
    """
    visited = [value for value in complete_order(trip) if value in trip]
    if len(visited) < 2:
        return {}  # a one-aisle trip says nothing about the order
    slots = sorted(base[value] for value in visited)
    return dict(zip(visited, slots, strict=True))


def learn_scores(
    base: Sequence[str], trips: Iterable[Sequence[str]], *, alpha: float = ALPHA
) -> dict[str, float]:
    start = base_scores(base)
    scores = dict(start)
    for trip in trips:
        for value, position in trip_positions(trip, start).items():
            scores[value] = (1 - alpha) * scores[value] + alpha * position
    return scores


def learn_order(
    base: Sequence[str], trips: Iterable[Sequence[str]], *, alpha: float = ALPHA
) -> list[str]:
    """Every category, in the order the store's aisles are walked, after these trips."""
    base = complete_order(base)
    scores = learn_scores(base, trips, alpha=alpha)
    rank = {value: index for index, value in enumerate(base)}
    return sorted(base, key=lambda value: (scores[value], rank[value]))
