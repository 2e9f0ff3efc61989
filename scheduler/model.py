"""The OR-Tools adapter: problem → routing model, a search configuration → its parameters,
and a solution → routes. Node ↔ index conversion lives here and nowhere else.

Node layout: visits are nodes 0..V-1 in problem order and the second halves of visits for
two follow (`rules.halves`: H nodes in all), so a route read back is already in the search's
visit indices; worker w starts at node H + 2w and ends at node H + 2w + 1 (own nodes even
when offices coincide, so the layout never depends on data). The two halves of a visit for
two are served both or neither, by different workers, starting within its tolerance.

Every transit is registered as a matrix or a unary vector, never as a Python callback: the
solver then evaluates arcs in C++, which is what makes local search fast.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from scheduler.params import SearchConfig
from scheduler.problem import Problem
from scheduler.rules import (
    COST_SCALE,
    allowed_workers,
    drop_penalties,
    halves,
    partner_workers,
    teams,
)


@dataclass
class Model:
    """A built routing model with the handles needed to read a solution back."""

    problem: Problem
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension

    def routes(self, solution: pywrapcp.Assignment) -> list[list[int]]:
        """Visit indices per worker, in order, read from a solution."""
        routes = []
        for w in range(len(self.problem.workers)):
            index, visits = self.routing.Start(w), []
            index = solution.Value(self.routing.NextVar(index))
            while not self.routing.IsEnd(index):
                visits.append(int(self.manager.IndexToNode(index)))
                index = solution.Value(self.routing.NextVar(index))
            routes.append(visits)
        return routes


def search_routes(
    problem: Problem, config: SearchConfig, time_limit: float, moves: int
) -> list[list[int]] | None:
    """Run one configuration; visit indices per worker in order, or None if none was found."""
    built = build(problem)
    params = search_parameters(config, time_limit, moves)
    if config.iterated:
        solution = built.routing.SolveWithIteratedLocalSearch(params)
    else:
        solution = built.routing.SolveWithParameters(params)
    return None if solution is None else built.routes(solution)


def polish_routes(
    problem: Problem, routes: list[list[int]], time_limit: float
) -> list[list[int]] | None:
    """OR-Tools' guided local search started from the given routes (visit indices per worker):
    its moves relocate, exchange and reverse chains of visits within and across routes, which
    ruin and recreate, inserting one visit at a time, reaches only by chance."""
    built = build(problem)
    indices = [[built.manager.NodeToIndex(v) for v in route] for route in routes]
    initial = built.routing.ReadAssignmentFromRoutes(indices, True)
    if initial is None:
        return None
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    solution = built.routing.SolveFromAssignmentWithParameters(initial, params)
    return None if solution is None else built.routes(solution)


_HEAVY_OPERATORS = (
    "use_relocate_expensive_chain",
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
)
_ACTIVATION_OPERATORS = (
    "use_relocate_and_make_active",
    "use_exchange_and_make_active",
    "use_extended_swap_active",
    "use_inactive_lns",
    "use_path_lns",
)


def search_parameters(config: SearchConfig, time_limit: float, moves: int) -> object:
    """OR-Tools search parameters: strategy, metaheuristic, operators, time cap, move budget."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    if config.iterated:
        _iterated_local_search(params)
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, config.first_solution
    )
    params.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic,
        "GREEDY_DESCENT" if config.iterated else config.metaheuristic,
    )
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    params.solution_limit = moves
    # Sub-searches of LNS operators are otherwise cut by the clock, which breaks determinism.
    params.lns_time_limit.FromSeconds(max(1, int(time_limit) + 1))
    params.use_multi_armed_bandit_concatenate_operators = config.bandit
    operators = params.local_search_operators
    for name in _HEAVY_OPERATORS if config.light else ():
        setattr(operators, name, optional_boolean_pb2.BOOL_FALSE)
    for name in _ACTIVATION_OPERATORS if config.activation_moves else ():
        setattr(operators, name, optional_boolean_pb2.BOOL_TRUE)
    return params


def _iterated_local_search(params: object) -> None:
    """Ruin by SISR strings (up to 10 visits, 10 removed on average), descend after each."""
    params.use_iterated_local_search = True  # type: ignore[attr-defined]
    ils = params.iterated_local_search_parameters  # type: ignore[attr-defined]
    sisr = ils.ruin_recreate_parameters.ruin_strategies.add().sisr
    sisr.max_removed_sequence_size = 10
    sisr.avg_num_removed_visits = 10
    sisr.bypass_factor = 0.01
    ils.improve_perturbed_solution = True


def build(problem: Problem) -> Model:
    """Build the routing model: costs, time with waiting and lunch, rules, drop penalties."""
    nodes, workers = halves(problem), problem.workers
    starts = [len(nodes) + 2 * w for w in range(len(workers))]
    ends = [s + 1 for s in starts]
    manager = pywrapcp.RoutingIndexManager(
        len(nodes) + 2 * len(workers), len(workers), starts, ends
    )
    routing = pywrapcp.RoutingModel(manager)
    locations = [v.location for v in nodes]
    for wk in workers:
        locations += [wk.start_location, wk.end_location]
    services = [v.service for v in nodes] + [0] * (2 * len(workers))
    _add_arc_costs(problem, routing, locations)
    time = _add_time(problem, manager, routing, locations, services)
    count = _add_counts_and_loads(problem, routing)
    _add_balance(problem, routing, locations, services)
    _add_rules_and_drops(problem, manager, routing, count)
    _add_pairs(problem, manager, routing, time)
    return Model(problem, manager, routing, time)


def _node_matrix(
    problem: Problem, locations: list[int], matrix: list[list[int]]
) -> list[list[int]]:
    """A location matrix re-indexed by node (arcs into starts and out of ends cost nothing)."""
    n_visits = len(locations) - 2 * len(problem.workers)
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
    for i, visit in enumerate(halves(problem)):
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
    nodes = halves(problem)
    needs_count = any(w.max_visits is not None for w in problem.workers) or any(
        v.pinned_position is not None for v in problem.visits
    )
    if needs_count:
        ones = routing.RegisterUnaryTransitVector([1] * len(nodes) + [0] * n_extra)
        limits = [len(nodes) if w.max_visits is None else w.max_visits for w in problem.workers]
        routing.AddDimensionWithVehicleCapacity(ones, 0, limits, True, "count")
        count = routing.GetDimensionOrDie("count")
    if problem.has_loads:
        loads = routing.RegisterUnaryTransitVector([v.load for v in nodes] + [0] * n_extra)
        total = sum(v.load for v in nodes)
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
        if not allowed or (visit.needs_two and not teams(problem, visit)):
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


def _add_pairs(
    problem: Problem,
    manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel,
    time: pywrapcp.RoutingDimension,
) -> None:
    """Each visit for two (node i) and its second half (node j): both served or neither, by
    different workers, the second by one with the partner skills, starts within tolerance."""
    pairs = [i for i, v in enumerate(problem.visits) if v.needs_two]
    solver = routing.solver()
    for j, i in enumerate(pairs, start=len(problem.visits)):
        visit = problem.visits[i]
        first, second = manager.NodeToIndex(i), manager.NodeToIndex(j)
        routing.AddDisjunction([second], 0)  # priced by the first half's disjunction
        partners = partner_workers(problem, visit)
        if len(partners) < len(problem.workers):
            routing.VehicleVar(second).SetValues(
                [-1, *(problem.workers.index(w) for w in partners)]
            )
        active = routing.ActiveVar(first)
        solver.Add(active == routing.ActiveVar(second))
        # Unserved, both vehicles are -1: the term (1 - active) keeps that case apart.
        solver.Add(routing.VehicleVar(first) - routing.VehicleVar(second) + 1 - active != 0)
        gap = active * (time.CumulVar(first) - time.CumulVar(second))
        solver.Add(gap <= visit.sync_tolerance)
        solver.Add(gap >= -visit.sync_tolerance)


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
