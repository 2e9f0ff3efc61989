"""Problem → OR-Tools routing model. Index ↔ node conversion lives here and nowhere else.

Node layout: visits are nodes 0..V-1 in problem order; worker w starts at node V + 2w and ends
at node V + 2w + 1 (own nodes even when offices coincide, so the layout never depends on data).
Every transit is registered as a matrix or a unary vector, never as a Python callback: the
solver then evaluates arcs in C++, which is what makes local search fast.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp

from scheduler.problem import Problem, Visit
from scheduler.rules import COST_SCALE, allowed_workers, drop_penalties


@dataclass
class Model:
    """A built routing model with the handles needed to read a solution back."""

    problem: Problem
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension

    def visit_index(self, i: int) -> int:
        """Routing index of the i-th visit."""
        return int(self.manager.NodeToIndex(i))

    def visit_of_index(self, index: int) -> Visit:
        """The visit at a routing index (which must be a visit node)."""
        return self.problem.visits[self.manager.IndexToNode(index)]

    def routes(self, solution: pywrapcp.Assignment) -> list[list[str]]:
        """Visit ids per worker, in order, read from a solution."""
        routes = []
        for w in range(len(self.problem.workers)):
            index, ids = self.routing.Start(w), []
            index = solution.Value(self.routing.NextVar(index))
            while not self.routing.IsEnd(index):
                ids.append(self.visit_of_index(index).id)
                index = solution.Value(self.routing.NextVar(index))
            routes.append(ids)
        return routes


def build(problem: Problem) -> Model:
    """Build the routing model: costs, time with waiting and lunch, rules, drop penalties."""
    n_visits, workers = len(problem.visits), problem.workers
    starts = [n_visits + 2 * w for w in range(len(workers))]
    ends = [s + 1 for s in starts]
    manager = pywrapcp.RoutingIndexManager(n_visits + 2 * len(workers), len(workers), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    locations = [v.location for v in problem.visits]
    for wk in workers:
        locations += [wk.start_location, wk.end_location]
    services = [v.service for v in problem.visits] + [0] * (2 * len(workers))
    _add_arc_costs(problem, routing, locations)
    time = _add_time(problem, manager, routing, locations, services)
    count = _add_counts_and_loads(problem, routing)
    _add_balance(problem, routing, locations, services)
    _add_rules_and_drops(problem, manager, routing, count)
    return Model(problem, manager, routing, time)


def _node_matrix(
    problem: Problem, locations: list[int], matrix: list[list[int]]
) -> list[list[int]]:
    """A location matrix re-indexed by node (arcs into starts and out of ends cost nothing)."""
    n_visits = len(problem.visits)
    starts = {n_visits + 2 * w for w in range(len(problem.workers))}
    ends = {s + 1 for s in starts}
    rows = []
    for i, a in enumerate(locations):
        row = matrix[a]
        rows.append([0 if i in ends or j in starts else row[b] for j, b in enumerate(locations)])
    return rows


def _add_arc_costs(problem: Problem, routing: pywrapcp.RoutingModel, locations: list[int]) -> None:
    w = problem.weights
    seconds = _node_matrix(problem, locations, problem.durations)
    metres = _node_matrix(problem, locations, problem.distances)
    base = [
        [
            round(COST_SCALE * (w.travel_second * s + w.travel_metre * m))
            for s, m in zip(rs, rm, strict=True)
        ]
        for rs, rm in zip(seconds, metres, strict=True)
    ]
    preferred = [v.preferred_worker for v in problem.visits]
    if not any(preferred):
        routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(base))
        return
    # Continuity of care: serving a visit with another worker costs extra on every arc into it.
    extra = round(COST_SCALE * w.not_preferred_worker)
    for k, worker in enumerate(problem.workers):
        into = [extra if p is not None and p != worker.id else 0 for p in preferred]
        into += [0] * (len(locations) - len(into))
        matrix = [[c + into[j] for j, c in enumerate(row)] for row in base]
        routing.SetArcCostEvaluatorOfVehicle(routing.RegisterTransitMatrix(matrix), k)


def _add_time(
    problem: Problem,
    manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel,
    locations: list[int],
    services: list[int],
) -> pywrapcp.RoutingDimension:
    travel = _node_matrix(problem, locations, problem.durations)
    transit = [[services[i] + t for t in row] for i, row in enumerate(travel)]
    horizon = max(w.shift.end for w in problem.workers)
    routing.AddDimension(routing.RegisterTransitMatrix(transit), horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for i, visit in enumerate(problem.visits):
        cumul = time.CumulVar(manager.NodeToIndex(i))
        windows = sorted(visit.windows, key=lambda tw: tw.start)
        cumul.SetRange(windows[0].start, max(tw.end for tw in windows))
        for a, b in itertools.pairwise(windows):
            if b.start > a.end + 1:
                cumul.RemoveInterval(a.end + 1, b.start - 1)
    solver = routing.solver()
    # Breaks may not overlap a visit's service: its "visit transit" is the service time.
    visit_transits = [services[manager.IndexToNode(i)] for i in range(routing.Size())]
    for k, worker in enumerate(problem.workers):
        time.CumulVar(routing.Start(k)).SetRange(worker.shift.start, worker.shift.end)
        time.CumulVar(routing.End(k)).SetRange(worker.shift.start, worker.shift.end)
        if worker.lunch:
            lunch = solver.FixedDurationIntervalVar(
                worker.lunch.window.start,
                worker.lunch.window.end,
                worker.lunch.duration,
                False,
                f"lunch {worker.id}",
            )
            time.SetBreakIntervalsOfVehicle([lunch], k, visit_transits)
    return time


def _add_counts_and_loads(
    problem: Problem, routing: pywrapcp.RoutingModel
) -> pywrapcp.RoutingDimension | None:
    """Visit count (max visits, pinned positions) and load (capacity) dimensions, when used."""
    n_extra = 2 * len(problem.workers)
    needs_count = any(w.max_visits is not None for w in problem.workers) or any(
        v.pinned_position is not None for v in problem.visits
    )
    if needs_count:
        ones = routing.RegisterUnaryTransitVector([1] * len(problem.visits) + [0] * n_extra)
        limits = [
            len(problem.visits) if w.max_visits is None else w.max_visits for w in problem.workers
        ]
        routing.AddDimensionWithVehicleCapacity(ones, 0, limits, True, "count")
        count = routing.GetDimensionOrDie("count")
    if problem.has_loads:
        loads = routing.RegisterUnaryTransitVector([v.load for v in problem.visits] + [0] * n_extra)
        total = sum(v.load for v in problem.visits)
        caps = [total if w.capacity is None else w.capacity for w in problem.workers]
        routing.AddDimensionWithVehicleCapacity(loads, 0, caps, True, "load")
    return count if needs_count else None


def _add_balance(
    problem: Problem, routing: pywrapcp.RoutingModel, locations: list[int], services: list[int]
) -> None:
    """Work (travel + service, no waiting) from zero; its global span is the busiest worker's."""
    if problem.weights.balance <= 0 or len(problem.workers) < 2:
        return
    travel = _node_matrix(problem, locations, problem.durations)
    work = [[services[i] + t for t in row] for i, row in enumerate(travel)]
    horizon = sum(max(row) for row in work)
    routing.AddDimension(routing.RegisterTransitMatrix(work), 0, horizon, True, "work")
    coefficient = round(COST_SCALE * problem.weights.balance)
    routing.GetDimensionOrDie("work").SetGlobalSpanCostCoefficient(coefficient)


def _add_rules_and_drops(
    problem: Problem,
    manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel,
    count: pywrapcp.RoutingDimension | None,
) -> None:
    for k, worker in enumerate(problem.workers):
        routing.SetFixedCostOfVehicle(round(COST_SCALE * worker.fixed_cost), k)
    penalties = drop_penalties(problem)
    for i, visit in enumerate(problem.visits):
        index = manager.NodeToIndex(i)
        routing.AddDisjunction([index], penalties[visit.priority.value])
        allowed = allowed_workers(problem, visit)
        if not allowed:
            routing.ActiveVar(index).SetValue(0)
        elif len(allowed) < len(problem.workers):
            # -1 keeps "not served" open; the disjunction prices that choice.
            vehicles = [-1, *(problem.workers.index(w) for w in allowed)]
            routing.VehicleVar(index).SetValues(vehicles)
        if visit.pinned_position is not None and count is not None:
            # Pinned stops are facts (already done or started): they are served, in place.
            routing.ActiveVar(index).SetValue(1)
            count.CumulVar(index).SetValue(visit.pinned_position)
    _chain_pinned_prefixes(problem, manager, routing)


def _chain_pinned_prefixes(
    problem: Problem, manager: pywrapcp.RoutingIndexManager, routing: pywrapcp.RoutingModel
) -> None:
    """Fix the arcs of a route's pinned head (positions 0..k-1) so construction starts from it."""
    for k, worker in enumerate(problem.workers):
        pinned = {
            v.pinned_position: i
            for i, v in enumerate(problem.visits)
            if v.pinned_worker == worker.id and v.pinned_position is not None
        }
        previous = routing.Start(k)
        for position in range(len(pinned)):
            if position not in pinned:
                break
            index = manager.NodeToIndex(pinned[position])
            routing.NextVar(previous).SetValue(index)
            previous = index
