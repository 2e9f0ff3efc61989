"""Our objective in cost units on routes of visit indices, and what insertions test against.

The same parts as the plan's objective (`scheduler.assemble.objective`) without timing:
travel, wishes, the busiest worker's hours (balance), fixed costs and drop penalties. Route
sums and route bounds are remembered by route (worker and visits): a round of ruin and
recreate changes a few routes and copies the rest.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

from scheduler.rules import COST_SCALE
from scheduler.search.instance import Instance
from scheduler.search.pool import Pooled, RoutePool, route_mask
from scheduler.search.timing import Timer


class RouteBounds(NamedTuple):
    """What an insertion into one route is tested against, in O(1) a place."""

    frees: list[int]  # when the worker is free before each leg, lunch not yet taken
    latest: list[float]  # latest start at each stop (home last) with no lunch left to take
    work: int  # seconds travelling and serving
    stops: list[int]  # locations, start and end included
    load: int
    # With a lunch break: when the worker is free before each leg with lunch taken (inf where
    # it cannot have been), and the latest start at each stop with lunch still to take.
    lunched: list[float]
    latest_lunch: list[float]
    legs: list[float]  # cost units of each leg
    # Each visit's places in this route, as `recreate.places` found them: a round rebuilds
    # routes it has seen before (their bounds are found remembered most of the time), and
    # the places of a visit in a route never change.
    places: dict[int, list[tuple[float, int, int]]]


# Route bounds remembered before starting afresh (with their places, 10-50 MB at 100 visits).
BOUNDS_MEMORY = 20_000


class DayCost:
    """Costs of visit-index routes, and their bounds (see `RouteBounds`), remembered."""

    def __init__(self, instance: Instance, timer: Timer) -> None:
        self.instance, self.timer = instance, timer
        self.workers, self.weights, self.durations = (
            instance.workers,
            instance.weights,
            instance.durations,
        )
        self.arc, self.wish = instance.arc, instance.wish
        self.all_penalties = instance.all_penalties
        self.mandatory_penalties = instance.mandatory_penalties
        self._bounds: dict[tuple[int, ...], RouteBounds] = {}
        self._sums: dict[tuple[int, ...], tuple[float, int, int, int]] = {}
        # Every route priced, for `pool.recombine`, when the solve recombines (`pooling`).
        self.pool: RoutePool | None = None

    def cost(self, routes: list[list[int]]) -> float:
        """Travel, wishes, balance, fixed costs and drop penalties of these routes."""
        total, busiest, served = 0.0, 0, 0
        for k, order in enumerate(routes):
            if order:
                cost, work, penalties, _ = self.route_sums(k, order)
                total += cost
                busiest = max(busiest, work)
                served += penalties
        if len(self.workers) > 1:
            total += COST_SCALE * self.weights.balance * busiest
        return total + self.all_penalties - served

    def pooling(self) -> None:
        """Remember every route priced from now on (`pool.recombine`): feasible routes, since
        the search builds them by feasible insertions."""
        self.pool = RoutePool(len(self.workers))

    def mandatory_left_out(self, routes: list[list[int]]) -> float:
        """Drop penalties of the mandatory visits these routes leave out."""
        served = sum(self.route_sums(k, order)[3] for k, order in enumerate(routes) if order)
        return self.mandatory_penalties - served

    def route_sums(self, k: int, order: list[int]) -> tuple[float, int, int, int]:
        """(Travel, wish and fixed cost units; seconds travelling and serving; drop penalties
        served, and those of mandatory visits) of a busy route k, remembered by its visits
        like `bounds`."""
        key = (k, *order)
        found = self._sums.get(key)
        if found is None:
            # One pass over the stops (this runs for every route a round changes).
            worker = self.workers[k]
            durations, arc, wish = self.durations, self.arc, self.wish[k]
            instance = self.instance
            locations, service, penalty, mandatory = (
                instance.location,
                instance.service,
                instance.penalty,
                instance.mandatory,
            )
            before = worker.start_location
            cost, work, served, required = COST_SCALE * worker.fixed_cost, 0, 0, 0
            for i in order:
                here = locations[i]
                cost += arc[before][here] + wish[i]
                work += durations[before][here] + service[i]
                served += penalty[i]
                if mandatory[i]:
                    required += penalty[i]
                before = here
            cost += arc[before][worker.end_location]
            work += durations[before][worker.end_location]
            if len(self._sums) >= BOUNDS_MEMORY:
                self._sums.clear()
            found = self._sums[key] = (cost, work, served, required)
            if self.pool is not None:
                mask = route_mask(instance.base, order)
                self.pool.add(k, mask, Pooled(cost - served, work, tuple(order)))
        return found

    def bounds(
        self, k: int, order: list[int], grown: tuple[int, RouteBounds] | None = None
    ) -> RouteBounds:
        """What insertions into route k are tested against (see `RouteBounds`), remembered
        by the route's visits: a round of ruin and recreate changes a few routes and copies
        the rest. `grown` (p, bounds of `order` without its visit p), as after an insertion,
        has only the times the new stop changes recomputed."""
        key = (k, *order)
        found = self._bounds.get(key)
        if found is None:
            if len(self._bounds) >= BOUNDS_MEMORY:
                self._bounds.clear()
            found = self._bounds[key] = self._compute_bounds(k, order, grown)
        return found

    def _compute_bounds(
        self, k: int, order: list[int], grown: tuple[int, RouteBounds] | None
    ) -> RouteBounds:
        timer, worker = self.timer, self.workers[k]
        frees_before: tuple[int, list[int]] | None = None
        latest_before: tuple[int, list[float]] | None = None
        lunched_before: tuple[int, list[float], list[int]] | None = None
        latest_lunch_before: tuple[int, list[float], list[float]] | None = None
        if grown is None:
            stops = [worker.start_location, *(timer.location[i] for i in order)]
            stops.append(worker.end_location)
            legs = [self.arc[a][b] for a, b in itertools.pairwise(stops)]
            work = self.route_sums(k, order)[1] if order else 0
        else:
            p, old = grown
            a, here, b = old.stops[p], timer.location[order[p]], old.stops[p + 1]
            stops = [*old.stops[: p + 1], here, *old.stops[p + 1 :]]
            legs = [*old.legs[:p], self.arc[a][here], self.arc[here][b], *old.legs[p + 1 :]]
            # The old route's work and the detour: a route's sums are priced once, when a
            # round ends with it, not at every insertion on the way.
            durations = self.durations
            work = old.work + durations[a][here] + durations[here][b] + timer.service[order[p]]
            if len(order) > 1:  # an empty route's work is nothing, not its home-to-home leg
                work -= durations[a][b]
            frees_before, latest_before = (p, old.frees), (p, old.latest)
            lunched_before = (p, old.lunched, old.frees)
            latest_lunch_before = (p, old.latest_lunch, old.latest)
        frees = timer.earliest_frees(k, order, frees_before)
        latest = timer.latest_starts(k, order, latest_before)
        lunched: list[float] = []
        latest_lunch: list[float] = []
        if worker.lunch is not None:
            lunched = timer.lunched_frees(k, order, frees, lunched_before)
            latest_lunch = timer.latest_lunch_starts(k, order, latest, latest_lunch_before)
        load = sum(timer.load[i] for i in order) if worker.capacity is not None else 0
        return RouteBounds(frees, latest, work, stops, load, lunched, latest_lunch, legs, {})
