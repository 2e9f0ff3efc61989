"""Serve every mandatory visit on a fixed fleet: an ejection pool (Nagata and Bräysy, 2009).

When the fleet is fixed (Solomon at its best-known size; a township day where every visit is
urgent or overdue) ruin and recreate can stall with one or two visits that fit nowhere, since
each recreate starts from a plan in which the routes around them are already full. The
ejection pool trades: a visit that fits nowhere goes in anyway, in place of one or two served
visits, which join the pool and are tried again later. Each failure to insert a visit raises
its weight, and the visits ejected are those of least total weight, so the hard-to-place
visits end up served and the easy ones move around them. A few random relocations after every
ejection keep the search from cycling.

Nothing here is in OR-Tools 9.15 (its iterated local search has ruin strategies and an
"absences" acceptance, but its recreate leaves a visit out rather than eject another, which
on RC101 left 2-3 customers out where this serves all), and nothing in the standard library,
so it is ours, on the same integer arrays and exact timing as `improve`.
"""

from __future__ import annotations

import random
import time
from typing import NamedTuple

from scheduler.improve import DayCost, Timer, earliest
from scheduler.problem import Problem

# Visits ejected at most to make room for one. Nagata and Bräysy go up to 5; measured here
# with the depth-first search below, 4 s on 24 Solomon 100 starts at the best-known fleet:
# 34 customers left out with 2, 48 with 3 (100 relocations; each ejection slower, so fewer).
MAX_EJECTED = 2
# Random relocations tried after each ejection (their I_rand). Measured as above: 35
# customers left out with 30, 34 with 100, 44 with 10, 51 with 300 (fewer ejections in the
# time); 30 served everyone on 5 of the 12 instances from either of two starts, 100 on 3.
RELOCATIONS = 30


def serve_left_out(
    problem: Problem, routes: list[list[str]], *, seed: int, iterations: int, deadline: float
) -> list[list[str]]:
    """The routes with as many left-out mandatory visits served as the time allows.

    Only visits that some worker could serve alone are pursued; the routes returned are the
    state with the fewest such visits left out (ties: the first reached), every route
    checked by the exact timing of `improve.Timer`.
    """
    timer = Timer(problem)
    if any(v.pinned_position is not None for v in problem.visits):
        return routes
    current = [[timer.index[v] for v in order] for order in routes]
    served = {i for order in current for i in order}
    pool = [
        i
        for i, v in enumerate(problem.visits)
        if i not in served
        and v.priority.mandatory
        and any(timer.feasible(k, [i]) for k in timer.allowed[i])
    ]
    if not pool:
        return routes
    search = _Pool(problem, timer, current, random.Random(seed))
    best, best_left = [list(o) for o in current], len(pool)
    pool.sort(key=lambda i: -len(timer.allowed[i]))
    for _ in range(iterations):
        if not pool or time.perf_counter() > deadline:
            break
        visit = pool.pop()
        if search.insert(visit):
            if len(pool) < best_left:
                best, best_left = [list(o) for o in search.routes], len(pool)
            continue
        search.weight[visit] += 1
        ejected = search.eject_for(visit)
        if ejected is None:
            pool.insert(0, visit)  # fits nowhere even by ejecting: try the others first
        else:
            pool.extend(ejected)
        search.relocate_randomly(RELOCATIONS)
        if len(pool) < best_left:
            best, best_left = [list(o) for o in search.routes], len(pool)
    if not pool:
        best = search.routes
    ids = [v.id for v in problem.visits]
    return [[ids[i] for i in order] for order in best]


class _Found(NamedTuple):
    """A placement found by `_Ejection`: (weight, added travel, tie-break), route, new order,
    and the base positions ejected."""

    key: tuple[int, float, float]
    k: int
    order: list[int]
    removed: tuple[int, ...]


class _Pool:
    """The routes under repair, with each visit's weight (failures to insert it)."""

    def __init__(
        self, problem: Problem, timer: Timer, routes: list[list[int]], rng: random.Random
    ) -> None:
        self.problem, self.timer, self.routes, self.rng = problem, timer, routes, rng
        self.day = DayCost(problem, timer)
        self.weight = [1] * len(problem.visits)
        self.pinned = {i for i, v in enumerate(problem.visits) if v.pinned_worker is not None}
        # Least total weight of an ejection found so far for the visit being placed.
        self.bound: int | None = None

    def insert(self, visit: int) -> bool:
        """Insert the visit at a random feasible place (Nagata and Bräysy: the cheapest place
        fills the slack the next visits need); False when none exists."""
        day, routes = self.day, self.routes
        places = [
            (k, p)
            for k in sorted(self.timer.allowed[visit])
            for _, p, _ in day.places(k, visit, day.bounds(k, routes[k]))
        ]
        if not places:
            return False
        k, p = self.rng.choice(places)
        routes[k].insert(p, visit)
        return True

    def eject_for(self, visit: int) -> list[int] | None:
        """Put `visit` in the place that ejects the least total weight (up to MAX_EJECTED
        visits of one route, least added travel among equals); the ejected visits, or None
        when no route can take it even so."""
        timer = self.timer
        found: list[_Found] = []
        self.bound = None
        for k in sorted(timer.allowed[visit]):
            if len(timer.earliest_frees(k, self.routes[k])) <= len(self.routes[k]):
                continue  # the route itself is late somewhere: leave it alone
            _Ejection(self, k, visit, found).search()
        # Lunch is not in the depth-first test (it only adds delay): check the exact rules,
        # best first, and take the first that passes (the first one when there is no lunch).
        for candidate in sorted(found, key=lambda f: f.key):
            if timer.feasible(candidate.k, candidate.order):
                ejected = [self.routes[candidate.k][p] for p in candidate.removed]
                self.routes[candidate.k] = candidate.order
                return ejected
        return None

    def relocate_randomly(self, tries: int) -> None:
        """Move random visits to random feasible places on other routes (diversification)."""
        routes, timer = self.routes, self.timer
        for _ in range(tries):
            busy = [k for k, o in enumerate(routes) if o]
            if not busy:
                return
            source = self.rng.choice(busy)
            p = self.rng.randrange(len(routes[source]))
            visit = routes[source][p]
            targets = sorted(timer.allowed[visit] - {source})
            if visit in self.pinned or not targets:
                continue
            target = self.rng.choice(targets)
            q = self.rng.randint(0, len(routes[target]))
            moved = [*routes[target][:q], visit, *routes[target][q:]]
            if timer.feasible(target, moved):
                routes[target] = moved
                del routes[source][p]


class _Ejection:
    """Depth-first search, over one route, for where to put `visit` and which of the route's
    visits to eject so that it fits: Nagata and Bräysy's lexicographic search. The route is
    walked in order; at each step the visit may go in here, and the next visit is kept or
    ejected. A branch ends when a kept visit would be late (ejecting later ones cannot help
    it), when the walk has passed the visit's last window without placing it, or when its
    weight exceeds the best found so far; once the visit is in, a rest of the route that
    still fits unchanged (by its latest start times) ends the branch too, since ejecting
    more only adds weight. Lunch is left out (it only adds delay): the caller checks the
    exact rules."""

    def __init__(self, pool: _Pool, k: int, visit: int, found: list[_Found]) -> None:
        self.pool, self.k, self.visit, self.found = pool, k, visit, found
        timer, problem = pool.timer, pool.problem
        self.order = order = pool.routes[k]
        self.worker = worker = problem.workers[k]
        self.latest = timer.latest_starts(k, order)
        locations = [worker.start_location, *(timer.location[i] for i in order)]
        locations.append(worker.end_location)
        arc = pool.day.arc
        # tail[p]: travel of the unchanged route from order[p] (p = len: home) to the end.
        tail = [0.0] * (len(order) + 1)
        for p in range(len(order) - 1, -1, -1):
            tail[p] = tail[p + 1] + arc[locations[p + 1]][locations[p + 2]]
        self.tail = tail
        self.before = tail[0] + arc[locations[0]][locations[1]] if order else 0.0
        self.last_start = timer.windows[visit][-1][1]
        self.excess = (
            None
            if worker.capacity is None
            else sum(timer.load[i] for i in order) + timer.load[visit] - worker.capacity
        )
        self.too_many = None if worker.max_visits is None else len(order) + 1 - worker.max_visits

    def search(self) -> None:
        """Record every placement at least as light as the best found so far."""
        start = self.worker.start_location
        self._step(0, start, self.worker.shift.start, 0.0, 0, (), None)

    def _step(
        self,
        p: int,
        location: int,
        free: int,
        travel: float,
        weight: int,
        removed: tuple[int, ...],
        placed: int | None,
    ) -> None:
        """At base position p, free at `location` from `free`; `placed`: where the visit went."""
        pool, timer = self.pool, self.pool.timer
        durations, arc, order = pool.problem.durations, pool.day.arc, self.order
        if placed is None:
            here = timer.location[self.visit]
            arrival = free + durations[location][here]
            if arrival > self.last_start:
                # Past the visit's last window: later places are later still (travel times
                # keep the triangle inequality up to rounding).
                return
            start = earliest(timer.windows[self.visit], arrival)
            if start is not None:
                self._step(
                    p,
                    here,
                    start + timer.service[self.visit],
                    travel + arc[location][here],
                    weight,
                    removed,
                    p,
                )
        elif self._rest_fits(p, location, free, travel, weight, removed, placed):
            return
        elif len(removed) == MAX_EJECTED:
            return  # the rest cannot fit unchanged and nothing more may go
        if p == len(order):
            return
        i = order[p]
        start = earliest(timer.windows[i], free + durations[location][timer.location[i]])
        if start is not None:
            after = travel + arc[location][timer.location[i]]
            self._step(
                p + 1, timer.location[i], start + timer.service[i], after, weight, removed, placed
            )
        bound = pool.bound
        if (
            len(removed) < MAX_EJECTED
            and i not in pool.pinned
            and (bound is None or weight + pool.weight[i] <= bound)
        ):
            self._step(
                p + 1, location, free, travel, weight + pool.weight[i], (*removed, p), placed
            )

    def _rest_fits(
        self,
        p: int,
        location: int,
        free: int,
        travel: float,
        weight: int,
        removed: tuple[int, ...],
        placed: int,
    ) -> bool:
        """If order[p:] fits unchanged from here, record the placement and say so."""
        timer, durations = self.pool.timer, self.pool.problem.durations
        if p == len(self.order):
            after = self.worker.end_location
            if free + durations[location][after] > self.latest[p]:
                return False
        else:
            i = self.order[p]
            start = earliest(timer.windows[i], free + durations[location][timer.location[i]])
            if start is None or start > self.latest[p]:
                return False
            after = timer.location[i]
        if not removed or not self._rules_hold(removed):
            return False  # nothing ejected: it failed already (lunch), so eject something
        self._record(
            weight, travel + self.pool.day.arc[location][after] + self.tail[p], removed, placed
        )
        return True

    def _rules_hold(self, removed: tuple[int, ...]) -> bool:
        """Capacity and the visit count once `removed` are out."""
        if self.too_many is not None and len(removed) < self.too_many:
            return False
        if self.excess is not None and self.excess > 0:
            load = self.pool.timer.load
            return sum(load[self.order[p]] for p in removed) >= self.excess
        return True

    def _record(self, weight: int, travel: float, removed: tuple[int, ...], placed: int) -> None:
        pool = self.pool
        if pool.bound is not None and weight > pool.bound:
            return
        pool.bound = weight
        new = [i for p, i in enumerate(self.order) if p not in removed]
        new.insert(placed - sum(p < placed for p in removed), self.visit)
        key = (weight, travel - self.before, pool.rng.random())
        self.found.append(_Found(key, self.k, new, removed))
