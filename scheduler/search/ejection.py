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
so it is ours, on the same instance and exact timing as ruin and recreate.
"""

from __future__ import annotations

import random
import time
from typing import NamedTuple

from scheduler.search import pairs
from scheduler.search.context import Context
from scheduler.search.instance import Routes
from scheduler.search.recreate import places
from scheduler.search.timing import earliest


def serve_left_out(
    ctx: Context, routes: Routes, *, seed: int, iterations: int, deadline: float
) -> Routes:
    """The routes with as many left-out mandatory visits served as the time allows.

    Only visits that some worker could serve alone are pursued (visits for two stay where
    they are); the routes returned are the state with the fewest such visits left out (ties:
    the first reached), every route checked by the exact timing of `timing.Timer`.
    """
    instance, timer = ctx.instance, ctx.timer
    if instance.pinned_positions:
        return routes
    current = pairs.synchronise(ctx, [list(order) for order in routes])
    served = {i for order in current for i in order}
    # Visits for two are ruin and recreate's: one half cannot be ejected or placed alone.
    pool = [
        i
        for i, mandatory in enumerate(instance.mandatory[: instance.n])
        if i not in served
        and mandatory
        and instance.twin[i] < 0
        and any(timer.feasible(k, [i]) for k in instance.allowed[i])
    ]
    if not pool:
        return current
    search = _Pool(ctx, current, random.Random(seed))
    best, best_left = [list(o) for o in current], len(pool)
    pool.sort(key=lambda i: -len(instance.allowed[i]))
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
        search.relocate_randomly(ctx.params.ejection.relocations)
        if len(pool) < best_left:
            best, best_left = [list(o) for o in search.routes], len(pool)
    if not pool:
        best = search.routes
    return best


class _Found(NamedTuple):
    """A placement found by `_Ejection`: (weight, added travel, tie-break), route, new order,
    and the base positions ejected."""

    key: tuple[int, float, float]
    k: int
    order: list[int]
    removed: tuple[int, ...]


class _Pool:
    """The routes under repair, with each visit's weight (failures to insert it)."""

    def __init__(self, ctx: Context, routes: Routes, rng: random.Random) -> None:
        self.ctx, self.routes, self.rng = ctx, routes, rng
        self.instance, self.timer = ctx.instance, ctx.timer
        self.max_ejected = ctx.params.ejection.max_ejected
        self.weight = [1] * len(ctx.instance.ids)
        # Visits for two stay where they are, as pinned visits do.
        halves = {i for order in routes for i in order if ctx.instance.twin[i] >= 0}
        self.pinned = ctx.instance.pinned | halves if halves else ctx.instance.pinned
        # Least total weight of an ejection found so far for the visit being placed.
        self.bound: int | None = None

    def insert(self, visit: int) -> bool:
        """Insert the visit at a random feasible place (Nagata and Bräysy: the cheapest place
        fills the slack the next visits need); False when none exists."""
        ctx, routes = self.ctx, self.routes
        found = [
            (k, p)
            for k in sorted(self.instance.allowed[visit])
            for _, p, _ in places(ctx, k, visit, ctx.day.bounds(k, routes[k]))
        ]
        if not found:
            return False
        k, p = self.rng.choice(found)
        routes[k].insert(p, visit)
        return True

    def eject_for(self, visit: int) -> list[int] | None:
        """Put `visit` in the place that ejects the least total weight (up to `max_ejected`
        visits of one route, least added travel among equals); the ejected visits, or None
        when no route can take it even so."""
        timer = self.timer
        found: list[_Found] = []
        self.bound = None
        for k in sorted(self.instance.allowed[visit]):
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
        routes, timer, allowed = self.routes, self.timer, self.instance.allowed
        for _ in range(tries):
            busy = [k for k, o in enumerate(routes) if o]
            if not busy:
                return
            source = self.rng.choice(busy)
            p = self.rng.randrange(len(routes[source]))
            visit = routes[source][p]
            targets = sorted(allowed[visit] - {source})
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
        timer, instance = pool.timer, pool.instance
        self.order = order = pool.routes[k]
        self.worker = worker = instance.workers[k]
        self.latest = timer.latest_starts(k, order)
        locations = [worker.start_location, *(instance.location[i] for i in order)]
        locations.append(worker.end_location)
        arc = instance.arc
        # tail[p]: travel of the unchanged route from order[p] (p = len: home) to the end.
        tail = [0.0] * (len(order) + 1)
        for p in range(len(order) - 1, -1, -1):
            tail[p] = tail[p + 1] + arc[locations[p + 1]][locations[p + 2]]
        self.tail = tail
        self.before = tail[0] + arc[locations[0]][locations[1]] if order else 0.0
        self.last_start = instance.windows[visit][-1][1]
        self.excess = (
            None
            if worker.capacity is None
            else sum(instance.load[i] for i in order) + instance.load[visit] - worker.capacity
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
        durations, arc, order = pool.instance.durations, pool.instance.arc, self.order
        most = pool.max_ejected
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
        elif len(removed) == most:
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
            len(removed) < most
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
        timer, durations = self.pool.timer, self.pool.instance.durations
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
            weight, travel + self.pool.instance.arc[location][after] + self.tail[p], removed, placed
        )
        return True

    def _rules_hold(self, removed: tuple[int, ...]) -> bool:
        """Capacity and the visit count once `removed` are out."""
        if self.too_many is not None and len(removed) < self.too_many:
            return False
        if self.excess is not None and self.excess > 0:
            load = self.pool.instance.load
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
