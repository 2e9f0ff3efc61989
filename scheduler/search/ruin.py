"""Ruin and recreate (in the manner of SISR), run by each search process after OR-Tools.

Each round takes out a visit's neighbourhood, strings of nearby routes, a string of one
route or a whole route (`RuinParams`), re-inserts the unserved visits most penalised first
(`recreate`), and keeps the result as the next start by a threshold that shrinks to nothing
over the run (`AcceptParams`); seeded, so the same input gives the same routes. A visit for two
is taken out of both its routes and put back as a pair (`pairs`).
"""

from __future__ import annotations

import random
import time

from scheduler.params import RuinParams
from scheduler.search import pairs, recreate, refill
from scheduler.search.context import Context
from scheduler.search.cost import RouteBounds
from scheduler.search.instance import Instance, Routes


def ruin_and_recreate(
    ctx: Context, routes: Routes, *, seed: int, iterations: int, deadline: float
) -> Routes:
    """Improve the routes by removing a cluster of visits and re-inserting every unserved one.

    Each round removes a served visit and its nearest served neighbours, a string of one
    route, strings of nearby routes or a whole route, then inserts the unserved visits, most
    penalised first (among equals in one of SISR's orders, chosen by the seed), each where
    it adds least cost, passing over a feasible place now and then; some rounds leave the
    removed optional visits out (`RecreateParams.rest_share`) and some insert by regret
    (`RecreateParams.regret_share`). A round becomes the next start when it is no worse than
    the best plan so far by a margin that shrinks to nothing over the rounds or the time,
    whichever runs out first, so the search can cross hills early and settles late. Every
    `RefillParams.every` rounds a visit, a best plan not yet refilled goes through the
    refill descent (`refill`), and the rounds go on from what it gives.
    """
    instance, day, params = ctx.instance, ctx.day, ctx.params
    n = instance.n
    if instance.pinned_positions or not n:
        return routes
    if instance.pairs:
        routes = pairs.synchronise(ctx, routes)
    rng = random.Random(seed)
    current = [list(order) for order in routes]
    best, best_cost = current, day.cost(current)
    current_cost = best_cost
    scale = best_cost - day.mandatory_left_out(best)
    near = [_nearest(instance, i) for i in range(n)]
    mandatory = instance.mandatory
    retry, rest = params.recreate.retry_left_out, params.recreate.rest_share
    regret, above_best = params.recreate.regret_share, params.accept.above_best
    began = time.perf_counter()
    stall, improved = params.accept.stall_rounds * n**2, 0
    refills = params.refill
    every, refilled, refilled_cost = refills.every * n, 0, best_cost
    for round_ in range(iterations):
        now = time.perf_counter()
        if now > deadline or round_ - improved > stall:
            break
        trial = [list(o) for o in current]
        served = [i for o in trial for i in o]
        if not served:
            break
        if instance.pairs:
            # Ruin picks visits, and a visit for two leaves both routes.
            base = instance.base
            on_route = {base[i] for i in served}
            view = [[base[i] for i in order] for order in trial]
            out = set(_ruin(view, near, on_route, rng, params.ruin))
            for order in trial:
                order[:] = [i for i in order if base[i] not in out]
        else:
            on_route = set(served)
            out = set(_ruin(trial, near, on_route, rng, params.ruin))
            for order in trial:
                order[:] = [i for i in order if i not in out]
        pending = [
            i
            for i in range(n)
            if i in out or (i not in on_route and (mandatory[i] or rng.random() < retry))
        ]
        if rest and rng.random() < rest:
            # Let what was removed rest for one round (e.g. an optional visit whose detour
            # only exceeds its penalty once the routes are rebuilt around its absence).
            resting = {i for i in out if not mandatory[i]}
            pending = [i for i in pending if i not in resting]
        rng.shuffle(pending)
        pending.sort(key=recreate.insertion_order(instance, rng))
        if regret and rng.random() < regret:
            if instance.pairs:
                # Visits for two first: each needs two places at once, the harder to find.
                for i in [i for i in pending if instance.twin[i] >= 0]:
                    pairs.insert(ctx, trial, i, rng)
                pending = [i for i in pending if instance.twin[i] < 0]
            recreate.insert_by_regret(ctx, trial, pending, rng.choice(params.recreate.regret_k))
        elif instance.pairs:
            cache: dict[int, RouteBounds] = {}
            twin = instance.twin
            for i in pending:
                (pairs.insert if twin[i] >= 0 else recreate.insert)(ctx, trial, i, rng, cache)
        else:
            cache = {}
            for i in pending:
                recreate.insert(ctx, trial, i, rng, cache)
        cost = day.cost(trial)
        if cost < best_cost:
            best, best_cost, improved = trial, cost, round_
            scale = best_cost - day.mandatory_left_out(best)
        # By rounds or by the clock, whichever is further along: where the clock ends a run
        # first (a slower machine), a margin falling by rounds alone never came down.
        clock = (now - began) / max(1e-9, deadline - began)
        progress = max(round_ / iterations, clock)
        threshold = above_best * (1 - progress)
        if cost <= current_cost or cost <= best_cost + scale * threshold:
            current, current_cost = trial, cost
        if every and round_ - refilled >= every and best_cost < refilled_cost:
            best = refill.refill(
                ctx, best, moves=refills.moves, near=refills.near, deadline=deadline
            )
            best_cost = refilled_cost = day.cost(best)
            current, current_cost, refilled = best, best_cost, round_
            scale = best_cost - day.mandatory_left_out(best)
    return best


def _nearest(instance: Instance, i: int) -> list[int]:
    """Visit indices by travel time from visit i, i first."""
    location = instance.location
    row = instance.durations[location[i]]
    return sorted(range(instance.n), key=lambda j: (j != i, row[location[j]]))


def _ruin(
    routes: Routes, near: list[list[int]], served: set[int], rng: random.Random, p: RuinParams
) -> list[int]:
    """Visits to take out: a whole route (rarely), a string of one route, strings of the
    routes nearest a visit (SISR's removal), or a visit's neighbourhood."""
    draw = rng.random()
    busy = [order for order in routes if order]
    if draw < p.whole_route_below:
        return list(rng.choice(busy))
    if draw < p.string_below:
        order = rng.choice(busy)
        size = rng.randint(1, min(p.string_length, len(order)))
        start = rng.randint(0, len(order) - size)
        return order[start : start + size]
    if draw < p.strings_below:
        return _strings(routes, near, served, rng, p)
    seed_visit = rng.choice(sorted(served))
    size = rng.randint(2, max(2, min(p.neighbourhood, len(served) // 3)))
    return [j for j in near[seed_visit] if j in served][:size]


def _strings(
    routes: Routes, near: list[list[int]], served: set[int], rng: random.Random, p: RuinParams
) -> list[int]:
    """One string through each of the routes that serve a visit's nearest neighbours, as in
    SISR (Christiaens and Vanden Berghe, 2020): about `sisr_removed` visits in all, strings
    of at most `sisr_string_length` and at most the average route's length, so long routes
    lose a stretch, not a point."""
    route_of = {i: k for k, order in enumerate(routes) for i in order}
    busy = [order for order in routes if order]
    longest = min(p.sisr_string_length, max(1, len(served) // len(busy)))
    strings = min(len(busy), int(rng.uniform(1, 4 * p.sisr_removed / (1 + longest))))
    removed: list[int] = []
    ruined: set[int] = set()
    for j in near[rng.choice(sorted(served))]:
        if j not in served or route_of[j] in ruined:
            continue
        order = routes[route_of[j]]
        size = rng.randint(1, min(longest, len(order)))
        at = order.index(j)
        start = rng.randint(max(0, at - size + 1), min(at, len(order) - size))
        removed += order[start : start + size]
        ruined.add(route_of[j])
        if len(ruined) >= strings:
            break
    return removed
