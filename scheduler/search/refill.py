"""Refill: a deterministic descent on which visits a plan serves, run on each run's best and,
now and then, on ruin and recreate's best (`RefillParams.every`), which then goes on from it.

A move takes out one served visit, or two near each other, puts every left-out visit back
first (most penalised first, each where it adds least cost, as `recreate.insert`), then the
ones taken out; the first move that lowers the cost is kept, until none does. It trades a
served visit for left-out ones of the same priority that together fit in its place, which
ruin and recreate, putting back what it removed in penalty order, finds only by chance.
A visit for two leaves and returns as a pair (`pairs`).
"""

from __future__ import annotations

import time

from scheduler.search import pairs, recreate
from scheduler.search.context import Context
from scheduler.search.cost import RouteBounds
from scheduler.search.instance import Routes


def refill(ctx: Context, routes: Routes, *, moves: int, near: int, deadline: float) -> Routes:
    """The routes after the descent, trying at most `moves` moves, taking out each served
    visit alone and with each of its `near` nearest served ones, until `deadline`."""
    instance, day = ctx.instance, ctx.day
    if instance.pinned_positions or not instance.n:
        return routes
    base, durations, location = instance.base, instance.durations, instance.location
    cost = day.cost(routes)
    tried = 0
    improved = True
    while improved and tried < moves:
        improved = False
        served = sorted({base[i] for order in routes for i in order} - instance.pinned)
        for out in _outs(served, near, durations, location):
            if tried >= moves or time.perf_counter() > deadline:
                return routes
            tried += 1
            trial = _put_back(ctx, routes, out)
            trial_cost = day.cost(trial)
            if trial_cost < cost - 1e-6:
                routes, cost, improved = trial, trial_cost, True
                break
    return routes


def _outs(
    served: list[int], near: int, durations: list[list[int]], location: list[int]
) -> list[tuple[int, ...]]:
    """Each served visit alone, then with each of its `near` nearest served ones."""
    outs: list[tuple[int, ...]] = [(i,) for i in served]
    for i in served:
        row = durations[location[i]]
        closest = sorted((j for j in served if j != i), key=lambda j: (row[location[j]], j))
        outs += [(i, j) for j in closest[:near] if j > i]
    return outs


def _put_back(ctx: Context, routes: Routes, out: tuple[int, ...]) -> Routes:
    """The routes without `out`, every left-out visit put back first, then `out`."""
    instance = ctx.instance
    base, penalty, twin = instance.base, instance.penalty, instance.twin
    trial = [[i for i in order if base[i] not in out] for order in routes]
    served = {base[i] for order in trial for i in order}
    left = [i for i in range(instance.n) if i not in served and i not in out]
    # Python's sort is stable: equal penalties keep visit order, so the move is deterministic.
    pending = sorted(left, key=lambda i: -penalty[i]) + sorted(out, key=lambda i: -penalty[i])
    cache: dict[int, RouteBounds] = {}
    for i in pending:
        (pairs.insert if twin[i] >= 0 else recreate.insert)(ctx, trial, i, None, cache)
    return trial
