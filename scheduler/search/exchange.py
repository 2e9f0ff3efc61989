"""The exchange pass on the chosen plan: every left-out visit at every position, alone, in
place of a served visit of lower priority, or pushing one visit to another route; a left-out
visit for two in its cheapest placement (`pairs`), while served ones stay where they are.

Candidates are estimated on the instance (detour and penalties) and a move is kept only when
the plan assembled from it (`scheduler.assemble`: exact times by `schedule.time_route`) is
cheaper and passes the validator, so this step cannot make a plan worse or wrong.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from scheduler.assemble import assemble
from scheduler.plan import Plan
from scheduler.rules import COST_SCALE
from scheduler.search import pairs
from scheduler.search.context import Context
from scheduler.search.instance import Instance, Routes
from scheduler.search.timing import Timer


@dataclass(frozen=True)
class _Candidate:
    score: float
    routes: Routes


def exchange_dropped(ctx: Context, plan: Plan, deadline: float) -> Plan:
    """The plan with unserved visits inserted or traded in while that lowers its cost."""
    if not plan.dropped or ctx.instance.pinned_positions:
        return plan
    while time.perf_counter() < deadline:
        better = _best_move(ctx, plan, deadline)
        if better is None:
            return plan
        plan = better
    return plan


def _best_move(ctx: Context, plan: Plan, deadline: float) -> Plan | None:
    """The first verified improvement, best estimate first; ejection chains when none."""
    instance, timer = ctx.instance, ctx.timer
    routes = pairs.from_plan(ctx, plan)
    dropped = [instance.index[d.visit_id] for d in plan.dropped]
    twin = instance.twin
    for moves in (_insertions, _ejections):
        candidates: list[_Candidate] = []
        for new in dropped:
            if twin[new] >= 0:
                if moves is _insertions:
                    candidates += _pair_insertion(ctx, routes, new)
                continue
            for k in sorted(instance.allowed[new]):
                candidates += moves(instance, timer, routes, k, new, instance.penalty[new])
            if time.perf_counter() > deadline:
                return None
        for candidate in sorted(candidates, key=lambda c: -c.score)[: ctx.params.exchange.verified]:
            ids, sync = instance.to_ids(candidate.routes), instance.sync_of(candidate.routes)
            tried = assemble(instance.problem, ids, sync)
            if tried.cost() < plan.cost() - 1e-6 and tried.is_feasible():
                return tried
    return None


def _pair_insertion(ctx: Context, routes: Routes, new: int) -> list[_Candidate]:
    """Visit for two `new` in its cheapest placement (`pairs.cheapest`), if that pays."""
    found = pairs.cheapest(ctx, routes, new)
    if found is None or found[0] >= ctx.instance.penalty[new]:
        return []
    return [_Candidate(ctx.instance.penalty[new] - found[0], found[1])]


def _ejections(
    instance: Instance, timer: Timer, routes: Routes, k: int, new: int, gain: int
) -> list[_Candidate]:
    """Insert visit `new` into route k in place of one of its visits, which moves to another
    route: the chain that makes room on a fixed fleet."""
    found = []
    for p, moved in enumerate(routes[k]):
        if moved in instance.pinned or instance.twin[moved] >= 0:
            continue
        base = routes[k][:p] + routes[k][p + 1 :]
        out = _added_travel(instance, k, base, p, moved)
        heads = [
            (gain + out - _added_travel(instance, k, base, q, new), q) for q in range(len(base) + 1)
        ]
        fits = [
            (g, q) for g, q in heads if g > 0 and timer.feasible(k, [*base[:q], new, *base[q:]])
        ]
        if not fits:
            continue
        score, q = max(fits)
        for r in sorted(instance.allowed[moved] - {k}):
            for position in range(len(routes[r]) + 1):
                cost = _added_travel(instance, r, routes[r], position, moved)
                order = [*routes[r][:position], moved, *routes[r][position:]]
                if score - cost <= 0 or not timer.feasible(r, order):
                    continue
                changed = [list(o) for o in routes]
                changed[k] = [*base[:q], new, *base[q:]]
                changed[r] = order
                found.append(_Candidate(score - cost, changed))
    return found


def _insertions(
    instance: Instance, timer: Timer, routes: Routes, k: int, new: int, gain: int
) -> list[_Candidate]:
    """Insert visit `new` into route k, alone or instead of a cheaper served visit."""
    found = []
    # Removing nothing (-1), or one visit of route r whose penalty is below the gain.
    removals = [(k, -1)] + [
        (r, p)
        for r, order in enumerate(routes)
        for p, i in enumerate(order)
        if instance.penalty[i] < gain and i not in instance.pinned and instance.twin[i] < 0
    ]
    for r, p in removals:
        lost = 0 if p < 0 else instance.penalty[routes[r][p]]
        base = routes[k] if r != k or p < 0 else routes[k][:p] + routes[k][p + 1 :]
        for position in range(len(base) + 1):
            order = [*base[:position], new, *base[position:]]
            score = gain - lost - _added_travel(instance, k, base, position, new)
            if score <= 0 or not timer.feasible(k, order):
                continue
            if r != k and p >= 0 and not timer.feasible(r, routes[r][:p] + routes[r][p + 1 :]):
                continue
            changed = [list(o) for o in routes]
            if r != k and p >= 0:
                del changed[r][p]
            changed[k] = order
            found.append(_Candidate(score, changed))
    return found


def _added_travel(instance: Instance, k: int, base: list[int], position: int, new: int) -> float:
    """Cost units of the detour through `new` at `position` (travel weights only), from the
    integer matrices (not `Instance.arc`, whose sums would round differently)."""
    worker = instance.workers[k]
    location = instance.location
    before = worker.start_location if position == 0 else location[base[position - 1]]
    after = worker.end_location if position == len(base) else location[base[position]]
    here = location[new]
    w, durations, distances = instance.weights, instance.durations, instance.distances
    seconds = durations[before][here] + durations[here][after] - durations[before][after]
    metres = distances[before][here] + distances[here][after] - distances[before][after]
    return COST_SCALE * (w.travel_second * seconds + w.travel_metre * metres)
