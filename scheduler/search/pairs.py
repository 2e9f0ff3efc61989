"""Visits for two in our search: both halves go in together, on two workers, synchronised.

A visit for two goes into two routes at once, as a pair of synchronised halves
(`instance.Instance.synchronised`): the visit with its start window narrowed to
[t, t + tolerance], where t lets both routes keep every other stop. From then on each
route is timed alone, as every other step times it; taking either half out takes out both
(ruin works on visits, not halves), and the next insertion picks a new t.

t is found from each half's earliest start in its place (lunch not taken, taken in the leg
into it, or taken before): the later of the two, less the tolerance, is the earliest common
window, and the exact timing (`timing.Timer.feasible`) decides.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import NamedTuple

from scheduler.plan import Plan
from scheduler.rules import COST_SCALE
from scheduler.schedule import sync_windows
from scheduler.search.context import Context
from scheduler.search.cost import RouteBounds
from scheduler.search.instance import Instance, Routes
from scheduler.search.recreate import places
from scheduler.search.timing import INFINITY, earliest


class Placement(NamedTuple):
    """Where the two halves of a visit for two go: added cost, first half's route and
    position, second half's route and position."""

    added: float
    k1: int
    p1: int
    k2: int
    p2: int


def synchronise(ctx: Context, routes: Routes) -> Routes:
    """The routes with every visit for two given as its two base halves (as OR-Tools or
    `Instance.to_indices` give them) synchronised in place, or taken out where it cannot be
    (half of it served, both halves on one route, or no common start keeps both routes)."""
    instance = ctx.instance
    if not instance.pairs:
        return routes
    routes = [list(order) for order in routes]
    where: dict[int, list[tuple[int, int]]] = {}
    for k, order in enumerate(routes):
        for i in order:
            if instance.twin[i] >= 0 and instance.sync[i] is None:
                where.setdefault(instance.base[i], []).append((k, i))
    for visit, at in sorted(where.items()):
        if len(at) == 2 and at[0][0] != at[1][0] and _synchronise_one(ctx, routes, visit, at):
            continue
        for k, i in at:
            routes[k].remove(i)
    return routes


def _synchronise_one(ctx: Context, routes: Routes, visit: int, at: list[tuple[int, int]]) -> bool:
    instance, timer = ctx.instance, ctx.timer
    (k1, first), (k2, second) = sorted(at, key=lambda place: place[1] != visit)
    p1, p2 = routes[k1].index(first), routes[k2].index(second)
    b1, b2 = ctx.day.bounds(k1, routes[k1]), ctx.day.bounds(k2, routes[k2])
    if len(b1.frees) <= p1 or len(b2.frees) <= p2:
        return False  # a route already late before the visit
    with_preferred = instance.preferred[visit] in (k1, k2)
    for t in _common_starts(
        ctx, visit, _starts(ctx, k1, first, p1, b1), _starts(ctx, k2, second, p2, b2)
    ):
        halves = instance.synchronised(visit, t, with_preferred)
        if halves is None:
            continue
        a = [*routes[k1][:p1], halves[0], *routes[k1][p1 + 1 :]]
        b = [*routes[k2][:p2], halves[1], *routes[k2][p2 + 1 :]]
        if timer.feasible(k1, a) and timer.feasible(k2, b):
            routes[k1], routes[k2] = a, b
            return True
    return False


def _starts(ctx: Context, k: int, half: int, p: int, bounds: RouteBounds) -> list[int]:
    """Earliest starts of `half` as the (p+1)-th stop of route k's bounds (the stop at p, or
    a new one there), with lunch not yet taken, taken in the leg into it or taken before."""
    timer, worker = ctx.timer, ctx.instance.workers[k]
    travel = ctx.instance.durations[bounds.stops[p]][timer.location[half]]
    free = bounds.frees[p]
    readies: list[float] = [free + travel]
    lunch = worker.lunch
    if lunch is not None:
        if bounds.lunched[p] < INFINITY:
            readies.append(bounds.lunched[p] + travel)
        if free <= lunch.window.end:
            readies.append(max(free + travel, lunch.window.start) + lunch.duration)
    starts = {timer.start_at(half, ready) for ready in readies}
    return sorted(int(s) for s in starts if s is not None)


def _common_starts(ctx: Context, visit: int, first: list[int], second: list[int]) -> list[int]:
    """Candidate t, earliest first: each pair of starts' later one, less the tolerance."""
    tolerance = ctx.instance.tolerance[visit]
    return sorted({max(a, b) - tolerance for a in first for b in second})


def leave_out_dear(ctx: Context, routes: Routes) -> Routes:
    """The routes without each visit that may be dropped and costs more served than left out
    (one at a time, dearest first, each judged on the routes the last left); a visit for two
    leaves both its routes."""
    instance, day = ctx.instance, ctx.day
    base, mandatory = instance.base, instance.mandatory
    served = sorted({base[i] for order in routes for i in order if not mandatory[base[i]]})
    cost = day.cost(routes)
    while served:
        options = []
        for visit in served:
            without = [[i for i in order if base[i] != visit] for order in routes]
            options.append((day.cost(without), visit, without))
        if min(options)[0] >= cost:
            break
        cost, visit, routes = min(options)
        served.remove(visit)
    return routes


def insert(
    ctx: Context,
    routes: Routes,
    new: int,
    rng: random.Random | None = None,
    cache: dict[int, RouteBounds] | None = None,
    anyway: bool = False,
) -> bool:
    """Put visit for two `new` (its first half's index) where its two halves add least cost,
    on two workers, synchronised; False if it fits nowhere or, when it may be dropped, if
    every placement costs more than leaving it out (unless `anyway`). As `recreate.insert`
    otherwise (blink, `cache` of route bounds renewed for the routes that take it)."""
    cache = {} if cache is None else cache
    instance, day = ctx.instance, ctx.day
    optional = not (instance.mandatory[new] or anyway)
    blink = ctx.params.recreate.blink
    for option in placements(ctx, routes, new, cache):
        if optional and option.added >= instance.penalty[new]:
            return False
        if rng is not None and rng.random() < blink:
            continue
        halves = fit(ctx, routes, new, option, cache)
        if halves is None:
            continue
        for k, p, half in ((option.k1, option.p1, halves[0]), (option.k2, option.p2, halves[1])):
            routes[k].insert(p, half)
            cache[k] = day.bounds(k, routes[k], (p, cache[k]))
        return True
    return False


def placements(
    ctx: Context, routes: Routes, new: int, cache: dict[int, RouteBounds]
) -> list[Placement]:
    """Every pair of places, one for each half on two different routes, each feasible alone
    (`recreate.places`), cheapest first: both detours, the wish (none when either worker is
    the preferred one) and the rise in the busiest worker's hours."""
    instance, day = ctx.instance, ctx.day
    second = instance.twin[new]
    balance = COST_SCALE * instance.weights.balance if len(routes) > 1 else 0.0
    firsts = _routes_for(instance, routes, instance.allowed[new])
    seconds = _routes_for(instance, routes, instance.allowed[second])
    for k in range(len(routes)) if balance else {*firsts, *seconds}:
        if k not in cache:
            cache[k] = day.bounds(k, routes[k])
    busiest = max(cache[k].work for k in range(len(routes))) if balance else 0
    service, preferred = instance.service[new], instance.preferred[new]
    options = []
    for k1 in firsts:
        found = places(ctx, k1, new, cache[k1])
        work1 = cache[k1].work + service
        for k2 in seconds if found else ():
            if k2 == k1:
                continue
            waived = instance.wish[k1][new] if preferred == k2 else 0.0
            work2 = cache[k2].work + service
            for added2, p2, longer2 in places(ctx, k2, second, cache[k2]):
                for added1, p1, longer1 in found:
                    added = added1 + added2 - waived
                    top = max(work1 + longer1, work2 + longer2)
                    if balance and top > busiest:
                        added += balance * (top - busiest)
                    options.append(Placement(added, k1, p1, k2, p2))
    options.sort()
    return options


def _routes_for(instance: Instance, routes: Routes, allowed: set[int]) -> list[int]:
    """The routes worth trying for one half: every busy one and the first two empty ones of
    each kind of worker (two, since the other half may take one)."""
    seen: Counter[int] = Counter()
    found = []
    for k in sorted(allowed):
        if not routes[k]:
            if seen[instance.kind[k]] >= 2:
                continue
            seen[instance.kind[k]] += 1
        found.append(k)
    return found


def fit(
    ctx: Context, routes: Routes, new: int, option: Placement, cache: dict[int, RouteBounds]
) -> tuple[int, int] | None:
    """The synchronised halves of `new` that fit this placement (the earliest common start
    that does), or None."""
    instance, timer = ctx.instance, ctx.timer
    second = instance.twin[new]
    k1, p1, k2, p2 = option.k1, option.p1, option.k2, option.p2
    b1, b2 = cache[k1], cache[k2]
    visit = instance.problem.visits[new]
    with_preferred = instance.preferred[new] in (k1, k2)
    starts = _common_starts(
        ctx, new, _starts(ctx, k1, new, p1, b1), _starts(ctx, k2, second, p2, b2)
    )
    for t in starts:
        windows = sorted((w.start, w.end) for w in sync_windows(visit, t))
        if not windows:
            continue
        if not (_quick(ctx, k1, new, p1, b1, windows) and _quick(ctx, k2, second, p2, b2, windows)):
            continue
        halves = instance.synchronised(new, t, with_preferred)
        if halves is None:
            continue
        if timer.feasible(k1, [*routes[k1][:p1], halves[0], *routes[k1][p1:]]) and timer.feasible(
            k2, [*routes[k2][:p2], halves[1], *routes[k2][p2:]]
        ):
            return halves
    return None


def _quick(
    ctx: Context, k: int, half: int, p: int, bounds: RouteBounds, windows: list[tuple[int, int]]
) -> bool:
    """Whether `half`, with these windows, could go in at p were lunch no obstacle (lunch
    only delays, so a place failing this fails): the exact test comes after."""
    instance = ctx.instance
    here, before, after = instance.location[half], bounds.stops[p], bounds.stops[p + 1]
    start = earliest(windows, bounds.frees[p] + instance.durations[before][here])
    if start is None:
        return False
    return start + instance.service[half] + instance.durations[here][after] <= bounds.latest[p]


def cheapest(ctx: Context, routes: Routes, new: int) -> tuple[float, Routes] | None:
    """The added cost and the routes with visit for two `new` in its cheapest placement that
    fits (the routes given are left alone), or None."""
    cache: dict[int, RouteBounds] = {}
    for option in placements(ctx, routes, new, cache):
        halves = fit(ctx, routes, new, option, cache)
        if halves is not None:
            changed = [list(order) for order in routes]
            changed[option.k1].insert(option.p1, halves[0])
            changed[option.k2].insert(option.p2, halves[1])
            return option.added, changed
    return None


def from_plan(ctx: Context, plan: Plan) -> Routes:
    """A plan's routes in visit indices, each visit for two synchronised at the earlier of
    its two starts (both lie within its tolerance of that, so the times stay as they are)."""
    instance = ctx.instance
    routes = instance.to_indices([[s.visit_id for s in r.stops] for r in plan.routes])
    if not instance.pairs:
        return routes
    starts = {(k, p): s.start for k, r in enumerate(plan.routes) for p, s in enumerate(r.stops)}
    where: dict[int, list[tuple[int, int]]] = {}
    for k, order in enumerate(routes):
        for p, i in enumerate(order):
            if instance.twin[i] >= 0:
                where.setdefault(instance.base[i], []).append((k, p))
    for visit, at in where.items():
        if len(at) != 2 or at[0][0] == at[1][0]:
            continue
        t = min(starts[place] for place in at)
        halves = instance.synchronised(visit, t, instance.preferred[visit] in (at[0][0], at[1][0]))
        if halves is None:
            continue
        for k, p in at:
            routes[k][p] = halves[0] if routes[k][p] == visit else halves[1]
    return routes
