"""Trade left-out visits for served ones: the move OR-Tools' local search rarely finds.

On overfull days (more requests than two workers can serve) the plan is mostly a choice of
which visits to leave out. OR-Tools swaps an unserved visit in only where it fits at the same
place; this pass tries every unserved visit at every position of every allowed route, alone
or in place of one served visit of lower priority, and keeps a move when our own objective
(recomputed by `solver.assemble`) says it is better. Feasibility is checked exactly, with the
same timing rules as `schedule.time_route`, on integer arrays so that a pass over a 40-visit
day takes a few tens of milliseconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from scheduler.model import COST_SCALE, allowed_workers, drop_penalty
from scheduler.plan import Plan
from scheduler.problem import Problem

Routes = list[list[str]]


@dataclass(frozen=True)
class _Candidate:
    score: float
    routes: Routes


class _Timer:
    """Exact feasibility of a visit order for one worker, on plain integer data."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.index = {v.id: i for i, v in enumerate(problem.visits)}
        self.location = [v.location for v in problem.visits]
        self.service = [v.service for v in problem.visits]
        self.windows = [sorted((w.start, w.end) for w in v.windows) for v in problem.visits]
        self.load = [v.load for v in problem.visits]
        self.penalty = [drop_penalty(problem, v) for v in problem.visits]
        workers = [w.id for w in problem.workers]
        self.allowed = [
            {workers.index(w.id) for w in allowed_workers(problem, v)} for v in problem.visits
        ]

    def feasible(self, k: int, order: list[int]) -> bool:
        """True when worker k can serve `order` (visit indices) within every hard rule."""
        worker = self.problem.workers[k]
        if worker.max_visits is not None and len(order) > worker.max_visits:
            return False
        if worker.capacity is not None and sum(self.load[i] for i in order) > worker.capacity:
            return False
        lunch = worker.lunch
        if lunch is None:
            return self._forward(k, order, 0, worker.start_location, worker.shift.start, None)
        ws, we, duration = lunch.window.start, lunch.window.end, lunch.duration
        # Lunch-free prefix: when the worker is free before each leg, while it stays feasible.
        free = [worker.shift.start]
        location, at = worker.start_location, worker.shift.start
        durations = self.problem.durations
        for i in order:
            start = _earliest(self.windows[i], at + durations[location][self.location[i]])
            if start is None:
                break
            location, at = self.location[i], start + self.service[i]
            free.append(at)
        if len(free) == len(order) + 1:
            back = at + durations[location][worker.end_location]
            after = max(back, ws)
            if back <= worker.shift.end and after <= we and after + duration <= worker.shift.end:
                return True
        # Lunch in leg j (the trip into stop j, or home): the last leg free by the window's
        # start dominates every earlier one; later legs are tried one by one.
        legs = [j for j, f in enumerate(free) if f <= we]
        early = [j for j in legs if free[j] <= ws]
        tried = ([early[-1]] if early else []) + [j for j in legs if free[j] > ws]
        for j in tried:
            origin = worker.start_location if j == 0 else self.location[order[j - 1]]
            if self._forward(k, order, j, origin, free[j], (max(free[j], ws), duration)):
                return True
        return False

    def _forward(
        self,
        k: int,
        order: list[int],
        j: int,
        location: int,
        at: int,
        lunch: tuple[int, int] | None,
    ) -> bool:
        """Serve order[j:] leaving `location` at `at`, lunch (start, length) in the first leg."""
        worker = self.problem.workers[k]
        durations = self.problem.durations
        for i in order[j:]:
            arrival = at + durations[location][self.location[i]]
            if lunch is not None:
                if lunch[0] < arrival:
                    arrival += lunch[1]
                arrival = max(arrival, lunch[0] + lunch[1])
                lunch = None
            start = _earliest(self.windows[i], arrival)
            if start is None:
                return False
            location, at = self.location[i], start + self.service[i]
        end = at + durations[location][worker.end_location]
        if lunch is not None:
            if lunch[0] < end:
                end += lunch[1]
            end = max(end, lunch[0] + lunch[1])
        return end <= worker.shift.end


def _earliest(windows: list[tuple[int, int]], arrival: int) -> int | None:
    for start, end in windows:
        if arrival <= end:
            return max(arrival, start)
    return None


def exchange_dropped(
    problem: Problem,
    plan: Plan,
    assemble: Callable[[Problem, Routes], Plan],
    deadline: float,
) -> Plan:
    """The plan with unserved visits inserted or traded in while that lowers its cost."""
    if not plan.dropped or any(v.pinned_position is not None for v in problem.visits):
        return plan
    timer = _Timer(problem)
    while time.perf_counter() < deadline:
        better = _best_move(problem, timer, plan, assemble, deadline)
        if better is None:
            return plan
        plan = better
    return plan


def _best_move(
    problem: Problem,
    timer: _Timer,
    plan: Plan,
    assemble: Callable[[Problem, Routes], Plan],
    deadline: float,
) -> Plan | None:
    """The first verified improvement, best estimate first; ejection chains when none."""
    routes = [[timer.index[s.visit_id] for s in r.stops] for r in plan.routes]
    dropped = [timer.index[d.visit_id] for d in plan.dropped]
    for moves in (_insertions, _ejections):
        candidates: list[_Candidate] = []
        for new in dropped:
            for k in sorted(timer.allowed[new]):
                candidates += moves(problem, timer, routes, k, new, timer.penalty[new])
            if time.perf_counter() > deadline:
                return None
        for candidate in sorted(candidates, key=lambda c: -c.score)[:5]:
            tried = assemble(problem, candidate.routes)
            if tried.cost() < plan.cost() - 1e-6 and tried.is_feasible():
                return tried
    return None


def _ejections(
    problem: Problem, timer: _Timer, routes: list[list[int]], k: int, new: int, gain: int
) -> list[_Candidate]:
    """Insert visit `new` into route k in place of one of its visits, which moves to another
    route: the chain that makes room on a fixed fleet."""
    found = []
    ids = [v.id for v in problem.visits]
    for p, moved in enumerate(routes[k]):
        if problem.visits[moved].pinned_worker is not None:
            continue
        base = routes[k][:p] + routes[k][p + 1 :]
        out = _added_travel(problem, timer, k, base, p, moved)
        heads = [
            (gain + out - _added_travel(problem, timer, k, base, q, new), q)
            for q in range(len(base) + 1)
        ]
        fits = [
            (g, q) for g, q in heads if g > 0 and timer.feasible(k, [*base[:q], new, *base[q:]])
        ]
        if not fits:
            continue
        score, q = max(fits)
        for r in sorted(timer.allowed[moved] - {k}):
            for position in range(len(routes[r]) + 1):
                cost = _added_travel(problem, timer, r, routes[r], position, moved)
                order = [*routes[r][:position], moved, *routes[r][position:]]
                if score - cost <= 0 or not timer.feasible(r, order):
                    continue
                changed = [list(o) for o in routes]
                changed[k] = [*base[:q], new, *base[q:]]
                changed[r] = order
                found.append(_Candidate(score - cost, [[ids[i] for i in o] for o in changed]))
    return found


def _insertions(
    problem: Problem, timer: _Timer, routes: list[list[int]], k: int, new: int, gain: int
) -> list[_Candidate]:
    """Insert visit `new` into route k, alone or instead of a cheaper served visit."""
    found = []
    ids = [v.id for v in problem.visits]
    # Removing nothing (-1), or one visit of route r whose penalty is below the gain.
    removals = [(k, -1)] + [
        (r, p)
        for r, order in enumerate(routes)
        for p, i in enumerate(order)
        if timer.penalty[i] < gain and problem.visits[i].pinned_worker is None
    ]
    for r, p in removals:
        lost = 0 if p < 0 else timer.penalty[routes[r][p]]
        base = routes[k] if r != k or p < 0 else routes[k][:p] + routes[k][p + 1 :]
        for position in range(len(base) + 1):
            order = [*base[:position], new, *base[position:]]
            score = gain - lost - _added_travel(problem, timer, k, base, position, new)
            if score <= 0 or not timer.feasible(k, order):
                continue
            if r != k and p >= 0 and not timer.feasible(r, routes[r][:p] + routes[r][p + 1 :]):
                continue
            changed = [list(o) for o in routes]
            if r != k and p >= 0:
                del changed[r][p]
            changed[k] = order
            found.append(_Candidate(score, [[ids[i] for i in o] for o in changed]))
    return found


def _added_travel(
    problem: Problem, timer: _Timer, k: int, base: list[int], position: int, new: int
) -> float:
    """Cost units of the detour through `new` at `position` (travel weights only)."""
    worker = problem.workers[k]
    before = worker.start_location if position == 0 else timer.location[base[position - 1]]
    after = worker.end_location if position == len(base) else timer.location[base[position]]
    here = timer.location[new]
    w = problem.weights
    seconds = (
        problem.durations[before][here]
        + problem.durations[here][after]
        - problem.durations[before][after]
    )
    metres = (
        problem.distances[before][here]
        + problem.distances[here][after]
        - problem.distances[before][after]
    )
    return COST_SCALE * (w.travel_second * seconds + w.travel_metre * metres)
