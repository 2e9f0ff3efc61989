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

import itertools
import random
import time

from scheduler.improve import DayCost, Timer, earliest
from scheduler.problem import Problem

# Visits ejected at most to make room for one; Nagata and Bräysy use up to 5 with a
# lexicographic search; 2 keeps the search at a few milliseconds a route in Python.
MAX_EJECTED = 2
# Random relocations tried after each ejection (their I_rand); each is cheap to test.
RELOCATIONS = 100


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


class _Pool:
    """The routes under repair, with each visit's weight (failures to insert it)."""

    def __init__(
        self, problem: Problem, timer: Timer, routes: list[list[int]], rng: random.Random
    ) -> None:
        self.problem, self.timer, self.routes, self.rng = problem, timer, routes, rng
        self.day = DayCost(problem, timer)
        self.weight = [1] * len(problem.visits)
        self.pinned = {i for i, v in enumerate(problem.visits) if v.pinned_worker is not None}

    def insert(self, visit: int) -> bool:
        """Insert the visit at a random feasible place (Nagata and Bräysy: the cheapest place
        fills the slack the next visits need); False when none exists."""
        timer = self.timer
        places = [
            (k, q) for k in sorted(timer.allowed[visit]) for q in range(len(self.routes[k]) + 1)
        ]
        self.rng.shuffle(places)
        for k, q in places:
            order = self.routes[k]
            new = [*order[:q], visit, *order[q:]]
            if timer.feasible(k, new):
                self.routes[k] = new
                return True
        return False

    def eject_for(self, visit: int) -> list[int] | None:
        """Put `visit` in the place that ejects the least total weight (up to MAX_EJECTED
        visits of one route, least added travel among equals); the ejected visits, or None
        when no route can take it even so."""
        timer = self.timer
        best_key, best_move = None, None
        for k in sorted(timer.allowed[visit]):
            order = self.routes[k]
            frees = timer.earliest_frees(k, order)
            latest = timer.latest_starts(k, order)
            if len(frees) <= len(order):
                continue  # the route itself is late somewhere: leave it alone
            movable = [p for p, i in enumerate(order) if i not in self.pinned]
            for size in range(1, MAX_EJECTED + 1):
                for removed in itertools.combinations(movable, size):
                    weight = sum(self.weight[order[p]] for p in removed)
                    if best_key is not None and weight > best_key[0]:
                        continue
                    for q in range(len(order) + 1):
                        new = self._candidate(order, removed, q, visit)
                        if not self._fits(k, order, new, removed, q, frees, latest):
                            continue
                        key = (weight, self._added(k, order, new), self.rng.random())
                        better = best_key is None or key < best_key
                        if better and timer.feasible(k, new):
                            best_key, best_move = key, (k, new, removed)
        if best_move is None:
            return None
        k, new, removed = best_move
        ejected = [self.routes[k][p] for p in removed]
        self.routes[k] = new
        return ejected

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

    @staticmethod
    def _candidate(order: list[int], removed: tuple[int, ...], q: int, visit: int) -> list[int]:
        """The order with positions `removed` taken out and `visit` before base position q."""
        new = []
        for p, i in enumerate(order):
            if p == q:
                new.append(visit)
            if p not in removed:
                new.append(i)
        if q == len(order):
            new.append(visit)
        return new

    def _fits(
        self,
        k: int,
        order: list[int],
        new: list[int],
        removed: tuple[int, ...],
        q: int,
        frees: list[int],
        latest: list[float],
    ) -> bool:
        """Lunch-free test of the changed stretch against the unchanged route around it:
        exact without lunch, a necessary condition with it (lunch only adds delay)."""
        timer, durations = self.timer, self.problem.durations
        worker = self.problem.workers[k]
        a, b = min(q, removed[0]), max(q, removed[-1] + 1)
        # new[a:a + (b - a) - len(removed) + 1] replaces order[a:b].
        middle = new[a : a + (b - a) - len(removed) + 1]
        location = worker.start_location if a == 0 else timer.location[order[a - 1]]
        at = frees[a]
        for i in middle:
            start = earliest(timer.windows[i], at + durations[location][timer.location[i]])
            if start is None:
                return False
            location, at = timer.location[i], start + timer.service[i]
        after = worker.end_location if b == len(order) else timer.location[order[b]]
        return at + durations[location][after] <= latest[b]

    def _added(self, k: int, order: list[int], new: list[int]) -> float:
        """Travel cost of the new order minus the old one."""
        arc = self.day.arc
        worker = self.problem.workers[k]

        def travel(o: list[int]) -> float:
            stops = [worker.start_location, *(self.timer.location[i] for i in o)]
            stops.append(worker.end_location)
            return sum(arc[x][y] for x, y in itertools.pairwise(stops))

        return travel(new) - travel(order)
