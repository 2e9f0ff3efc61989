"""Recreate: put visits back into visit-index routes where each adds least cost.

`places` finds every feasible place of a visit in a route exactly, in O(1) a place, from the
route's bounds (`cost.RouteBounds`); `insert` takes the cheapest (now and then passing one
over: a blink), and leaves an optional visit out when every place costs more than its drop
penalty; `insert_by_regret` serves first the visits that lose most by waiting.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable

from scheduler.problem import Break
from scheduler.rules import COST_SCALE
from scheduler.search.context import Context
from scheduler.search.cost import RouteBounds
from scheduler.search.instance import Instance, Routes
from scheduler.search.timing import INFINITY, Timer, earliest

Place = tuple[float, int, int]


def candidates(instance: Instance, routes: Routes, allowed: set[int]) -> list[int]:
    """The routes worth trying for a visit its rules allow on `allowed`: every busy one
    and the first empty one of each kind of worker."""
    seen: set[int] = set()
    found = []
    for k in sorted(allowed):
        if not routes[k]:
            if instance.kind[k] in seen:
                continue
            seen.add(instance.kind[k])
        found.append(k)
    return found


def cheapest(ctx: Context, k: int, new: int, bounds: RouteBounds) -> Place | None:
    """The cheapest feasible place for `new` in route k, as `places` gives them."""
    return min(places(ctx, k, new, bounds), default=None)


def places(ctx: Context, k: int, new: int, bounds: RouteBounds) -> list[Place]:
    """(added cost, position, added seconds of travel) of every feasible place for `new`
    in route k.

    Exact in O(1) a place: being free earlier never hurts what follows (waiting is
    allowed), so a place fits when the visit can start in its window after the earliest
    free time before it and the next stop is still reached by its latest start; with a
    lunch break, the break goes before the place, into one of its two legs, or after it,
    each checked against the bounds of that case. Remembered in the bounds: a visit's
    places in a route never change.
    """
    found = bounds.places.get(new)
    if found is None:
        found = bounds.places[new] = _places(ctx, k, new, bounds)
    return found


def _places(ctx: Context, k: int, new: int, bounds: RouteBounds) -> list[Place]:
    instance, timer = ctx.instance, ctx.timer
    worker = instance.workers[k]
    frees, latest, _, stops, load, lunched, latest_lunch, _, _ = bounds
    if worker.max_visits is not None and len(stops) - 2 >= worker.max_visits:
        return []
    if worker.capacity is not None and load + instance.load[new] > worker.capacity:
        return []
    lunch = worker.lunch
    here, service, single = instance.location[new], instance.service[new], instance.single[new]
    windows = instance.windows[new]
    wish = instance.wish[k][new]
    # Rows and columns of the matrices at the visit's place: one lookup a leg, not two.
    durations = instance.durations
    inward, onwards = instance.into[here], durations[here]
    arc_in, arc_out = instance.arc_into[here], instance.arc[here]
    legs = bounds.legs
    # Free times and latest starts only grow along a route, so the places that can
    # open the visit's windows in time form one stretch: before it the next stop's
    # latest start leaves no room for the visit, after it the worker is free too late.
    first = bisect.bisect_left(latest, windows[0][0] + service)
    last = bisect.bisect_right(frees, windows[-1][1], first)
    options = []
    for p in range(first, min(len(stops) - 1, last)):
        a, b = stops[p], stops[p + 1]
        arrival = frees[p] + inward[a]
        if single is None:
            start = earliest(windows, arrival)
            if start is None:
                continue
        elif arrival > single[1]:
            continue
        else:
            start = arrival if arrival > single[0] else single[0]
        leave, onward = start + service, onwards[b]
        # Lunch only delays: a place too late without it is too late with it.
        if leave + onward > latest[p]:
            continue
        if (
            lunch is not None
            and leave + onward > latest_lunch[p]
            and not _lunch_fits(
                timer, lunch, frees[p], lunched[p], inward[a], leave, onward, latest[p], new
            )
        ):
            continue
        longer = inward[a] + onward - durations[a][b]
        options.append((arc_in[a] + arc_out[b] - legs[p] + wish, p, longer))
    return options


def _lunch_fits(
    timer: Timer,
    lunch: Break,
    free: int,
    lunched: float,
    inward: int,
    leave: int,
    onward: int,
    latest: float,
    new: int,
) -> bool:
    """Whether lunch fits before a place, in the leg into it or in the leg out of it (the
    case "after it" is the caller's): `free` and `lunched` are the earliest free times
    before the place without and with lunch, `leave` when the visit ends without lunch
    before it, and `latest` the latest start at the next stop with no lunch left."""
    ws, we, length = lunch.window.start, lunch.window.end, lunch.duration
    after = timer.service[new] + onward
    start = timer.start_at(new, lunched + inward)
    if start is not None and start + after <= latest:
        return True
    if free <= we:
        start = timer.start_at(new, max(free + inward, ws) + length)
        if start is not None and start + after <= latest:
            return True
    # In the leg out of the visit.
    return leave <= we and max(leave + onward, ws) + length <= latest


def insert_by_regret(ctx: Context, routes: Routes, pending: list[int], k_regret: int) -> None:
    """Insert the pending visits, most penalised first and, among equals, the one that
    would lose most by waiting (regret-k: the sum of its k-1 next-best routes' extra
    cost over its best route's); each goes to its cheapest feasible place. Visits that
    fit nowhere stay out. Ties fall to the order of `pending`, so a seed fixes the result.
    """
    instance, day = ctx.instance, ctx.day
    workers = range(len(routes))
    bounds = {k: day.bounds(k, routes[k]) for k in workers}
    best = {
        i: {
            k: cheapest(ctx, k, i, bounds[k])
            for k in candidates(instance, routes, instance.allowed[i])
        }
        for i in pending
    }
    left = list(pending)
    big = COST_SCALE * 1e9
    while left:
        chosen, chosen_key = None, None
        for rank, i in enumerate(left):
            costs = sorted(c[0] for c in best[i].values() if c is not None)
            if not costs:
                continue
            costs += [big] * (k_regret - len(costs))
            regret = sum(c - costs[0] for c in costs[1:k_regret])
            key = (instance.penalty[i], regret, -costs[0], -rank)
            if chosen_key is None or key > chosen_key:
                chosen, chosen_key = i, key
        if chosen is None:
            return
        place = min((c, k) for k, c in best[chosen].items() if c is not None)
        k, p = place[1], place[0][1]
        routes[k].insert(p, chosen)
        left.remove(chosen)
        del best[chosen]
        bounds[k] = day.bounds(k, routes[k], (p, bounds[k]))
        opened = len(routes[k]) == 1  # the next empty route of its kind is now a candidate
        for i in left:
            if k in best[i]:
                best[i][k] = cheapest(ctx, k, i, bounds[k])
            for other in candidates(instance, routes, instance.allowed[i]) if opened else ():
                if other not in best[i]:
                    best[i][other] = cheapest(ctx, other, i, bounds[other])


def insert(
    ctx: Context,
    routes: Routes,
    new: int,
    rng: random.Random | None = None,
    cache: dict[int, RouteBounds] | None = None,
    anyway: bool = False,
) -> bool:
    """Put visit `new` where it adds least cost; False if it fits nowhere or, for a visit
    that may be dropped, if every place costs more than leaving it out (unless `anyway`).

    The added cost is the detour, the wish and the rise in the busiest worker's hours
    (balance), so a long optional visit that would cost more than its drop penalty stays
    out. With `rng`, a place is passed over with the chance `RecreateParams.blink`. `cache`
    keeps each route's bounds between insertions (callers change no route in between:
    the one that takes the visit has its bounds renewed here).
    """
    instance, day = ctx.instance, ctx.day
    cache = {} if cache is None else cache
    balance = COST_SCALE * instance.weights.balance if len(routes) > 1 else 0.0
    routes_to_try = candidates(instance, routes, instance.allowed[new])
    # Balance weighs the busiest route, so it needs them all; otherwise the candidates.
    for k in range(len(routes)) if balance else routes_to_try:
        if k not in cache:
            cache[k] = day.bounds(k, routes[k])
    busiest = max(cache[k].work for k in range(len(routes))) if balance else 0
    service = instance.service[new]
    # An optional visit is left out at its first place dearer than its penalty: such places
    # are never taken, so they are not sorted either.
    dearest = INFINITY if instance.mandatory[new] or anyway else instance.penalty[new]
    options: list[tuple[float, int, int]] = []
    for k in routes_to_try:
        bounds = cache[k]
        found = places(ctx, k, new, bounds)
        if not found:
            continue
        if not balance:
            options += [(added, k, p) for added, p, _ in found if added < dearest]
            continue
        slack = busiest - bounds.work - service
        for added, p, longer in found:
            if longer > slack:
                added += balance * (longer - slack)
            if added < dearest:
                options.append((added, k, p))
    options.sort()
    blink = ctx.params.recreate.blink
    for _, k, p in options:
        if rng is not None and rng.random() < blink:
            continue
        routes[k].insert(p, new)
        cache[k] = day.bounds(k, routes[k], (p, cache[k]))
        return True
    return False


def insertion_order(instance: Instance, rng: random.Random) -> Callable[[int], tuple[int, float]]:
    """Most penalised first; among equals, a seeded choice of random (the caller's shuffle),
    tightest window first, longest service first or farthest from the first worker's start
    (SISR's sort orders: varying them is what lets the recreate build different plans)."""
    mode = rng.randrange(4)
    far = instance.durations[instance.workers[0].start_location]
    windows, service, location, penalty = (
        instance.windows,
        instance.service,
        instance.location,
        instance.penalty,
    )

    def key(i: int) -> tuple[int, float]:
        second = (0.0, windows[i][-1][1], -service[i], -far[location[i]])[mode]
        return -penalty[i], second

    return key
