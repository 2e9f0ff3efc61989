"""An exact CP-SAT model of a planning day, the benchmark's yardstick for small days (issue 25).

Benchmark-only: `scheduler/` plans with its own search; this proves what the best plan of a
day costs, so `benchmarks.quality --proven` can say how far each solve is from it.

    nice -n 15 python -m benchmarks.cpsat_day --visits 20 --day 1 --time-limit 120

The model is the day as `scheduler.validate` accepts it and `scheduler.assemble.objective`
prices it, in the search's integer cost units (`rules.COST_SCALE`):

* per worker a circuit over its depot and the visits it may serve (`rules.allowed_workers`,
  and `rules.partner_workers` for the second of a visit for two); a visit's self-loop means
  "not on this route", the depot's "the worker stays home";
* a service start per worker and visit, its domain the union of the visit's windows (so
  several windows need no booleans); an arc forces the next start after this end, the travel
  and, when the lunch is taken on that leg, the lunch;
* the lunch in exactly one gap of a used worker's day (after the depot or after a visit),
  inside the gap and inside its window: the validator's rule. A lunch before the departure or
  after the return is the same plan with the departure or the return moved, so the gaps cover
  every valid placement;
* each visit on one route or dropped (a visit for two: on two routes, one of them a worker
  allowed to lead it, both starts within its tolerance);
* the cost: travel by arc, the wish for a worker, the busiest worker's travel and service
  (balance), fixed costs and drop penalties (`rules.drop_penalties`).

The solution is read back into our `Plan`, checked by our validator and priced by our
objective; `solve_day` refuses a result whose price differs from CP-SAT's objective.
"""

from __future__ import annotations

import argparse
import itertools
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from benchmarks.township import township_day
from scheduler import solve
from scheduler.assemble import drop_reason, objective
from scheduler.plan import Dropped, Plan, Route, Stop
from scheduler.problem import Problem, Visit, Worker
from scheduler.rules import COST_SCALE, allowed_workers, drop_penalties, partner_workers, teams

DEPOT = 0  # node 0 of every worker's circuit; visit i of the problem is node i + 1


@dataclass
class ExactDay:
    """CP-SAT's answer: the objective in cost units, its proven bound, and the plan."""

    status: str  # "OPTIMAL", "FEASIBLE", "INFEASIBLE" or "UNKNOWN"
    objective: int | None
    bound: int
    seconds: float
    plan: Plan | None

    @property
    def proven(self) -> bool:
        """True when the objective is the day's optimum."""
        return self.status == "OPTIMAL"

    @property
    def cost(self) -> float | None:
        """The objective in the plan's units (`Plan.cost`)."""
        return None if self.objective is None else self.objective / COST_SCALE


@dataclass
class _WorkerVars:
    """One worker's part of the model; visit-indexed dicts hold only the visits it may serve."""

    worker: Worker
    used: cp_model.IntVar
    serves: dict[int, cp_model.IntVar]
    starts: dict[int, cp_model.IntVar]
    arcs: dict[tuple[int, int], cp_model.IntVar]  # (node, node) -> literal, nodes as DEPOT
    departure: cp_model.IntVar
    back: cp_model.IntVar
    lunch: cp_model.IntVar | None
    lunch_after: dict[int, cp_model.IntVar]  # node -> "the lunch is in the gap after it"
    work: cp_model.LinearExpr | None = None  # travel and service seconds, for the balance


def solve_day(problem: Problem, time_limit: float = 120.0, workers: int = 2,
              seed: int = 0, hint: Plan | None = None) -> ExactDay:
    """CP-SAT's best plan of the day within the limit, validated and priced by our code.

    `hint`, a plan our validator accepts (our solver's best), starts the search from it: it
    speeds the proof, never changes what is proven.
    """
    model = cp_model.CpModel()
    routes = [_worker_part(model, problem, w) for w in problem.workers]
    dropped = _coverage(model, problem, routes)
    cost = _objective(model, problem, routes, dropped)
    model.minimize(cost)
    began = time.perf_counter()
    if hint is not None and hint.is_feasible():
        _hint(model, problem, routes, hint)
        if not {d.visit_id for d in hint.dropped} & _mandatory_ids(problem):
            _require_served(model, problem, dropped)
    else:
        _serve_mandatory(model, problem, dropped, time_limit / 10, workers, seed)
    solver = _solver(time_limit - (time.perf_counter() - began), workers, seed)
    # Both workers on the bound: the hint or the first plan is good, the proof is what lacks.
    # Measured on day 1 at 45 s: bound 17 865 (max_lp, core) against 11 637 by default.
    solver.parameters.subsolvers.extend(["max_lp", "core"])
    status = solver.solve(model)
    seconds = time.perf_counter() - began
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ExactDay(name, None, int(solver.best_objective_bound), seconds, None)
    plan = _read_plan(problem, solver, routes)
    value = round(solver.objective_value)
    _check(plan, value)
    return ExactDay(name, value, int(solver.best_objective_bound), seconds, plan)


def _solver(time_limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit, 0.1)
    solver.parameters.num_search_workers = workers
    solver.parameters.random_seed = seed
    # The circuits' LP with cuts: the bound that proves a day comes from it.
    solver.parameters.linearization_level = 2
    # Presolve rewrites the drops so that the LP's bound of a 20-visit day falls below zero
    # (measured: -38 973 against a plan of 22 690 after 30 s; 11 637 without presolve).
    solver.parameters.cp_model_presolve = False
    return solver


def _serve_mandatory(model: cp_model.CpModel, problem: Problem, dropped: dict[int, cp_model.IntVar],
                     time_limit: float, workers: int, seed: int) -> None:
    """Require every urgent and overdue visit served when some valid plan serves them all.

    Exact: their penalties exceed every other cost together (`rules.mandatory_penalties`), so
    once one plan serves them all, no plan leaving one out is optimal. It takes the penalties,
    ten thousand times any other coefficient, out of the LP whose bound proves the optimum.
    """
    mandatory = [d for i, d in dropped.items() if problem.visits[i].priority.mandatory]
    if not mandatory:
        return
    probe = model.clone()
    probe.clear_objective()
    for d in mandatory:
        probe.add(probe.get_bool_var_from_proto_index(d.index) == 0)
    solver = _solver(time_limit, workers, seed)
    if solver.solve(probe) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return  # no witness in time: the penalties stay and price the drops
    _require_served(model, problem, dropped)
    for i in range(len(probe.proto.variables)):
        model.proto.solution_hint.vars.append(i)
        model.proto.solution_hint.values.append(solver.value(probe.get_int_var_from_proto_index(i)))


def _mandatory_ids(problem: Problem) -> set[str]:
    return {v.id for v in problem.visits if v.priority.mandatory}


def _require_served(model: cp_model.CpModel, problem: Problem,
                    dropped: dict[int, cp_model.IntVar]) -> None:
    """Urgent and overdue visits served: exact once a valid plan serves them all (above)."""
    for i, d in dropped.items():
        if problem.visits[i].priority.mandatory:
            model.add(d == 0)


def _hint(model: cp_model.CpModel, problem: Problem, routes: list[_WorkerVars],
          plan: Plan) -> None:
    """The plan's arcs, starts, departures, returns and lunches as CP-SAT's hint."""
    index = {v.id: i for i, v in enumerate(problem.visits)}
    for part in routes:
        route = plan.route(part.worker.id)
        nodes = [DEPOT, *(index[s.visit_id] + 1 for s in route.stops), DEPOT]
        model.add_hint(part.used, bool(route.stops))
        for i, served in part.serves.items():
            model.add_hint(served, any(index[s.visit_id] == i for s in route.stops))
        chosen = set(itertools.pairwise(nodes)) if route.stops else set()
        for arc, literal in part.arcs.items():
            model.add_hint(literal, arc in chosen)
        for stop in route.stops:
            model.add_hint(part.starts[index[stop.visit_id]], stop.start)
        if not route.stops:
            continue
        model.add_hint(part.departure, route.start)
        model.add_hint(part.back, route.end)
        if part.lunch is not None and route.break_start is not None:
            model.add_hint(part.lunch, route.break_start)
            gap = _lunch_gap(route, route.break_start)
            for n, literal in part.lunch_after.items():
                model.add_hint(literal, n == nodes[gap])


def _lunch_gap(route: Route, start: int) -> int:
    """Which gap holds the lunch, counted from the depot: before the first stop's start, or
    the last gap when it is taken after every stop."""
    for gap, stop in enumerate(route.stops):
        if start < stop.start:
            return gap
    return len(route.stops)


def _check(plan: Plan, value: int) -> None:
    """Our validator accepts CP-SAT's plan and our objective prices it as CP-SAT did."""
    broken = plan.violations()
    if broken:
        raise AssertionError(f"CP-SAT's plan breaks our rules: {broken}")
    ours = plan.cost() * COST_SCALE
    if abs(ours - value) > 1e-6 * max(1.0, abs(value)):
        raise AssertionError(f"CP-SAT's objective {value} but our cost of its plan {ours}")


def _travel(problem: Problem, a: int, b: int) -> tuple[int, int]:
    """Seconds and the arc's cost in cost units, as the search prices it."""
    w = problem.weights
    seconds = problem.durations[a][b]
    metres = problem.distances[a][b]
    units = round(COST_SCALE * (w.travel_second * seconds + w.travel_metre * metres))
    return seconds, units


def _location(worker: Worker, visits: list[Visit], node: int, leaving: bool) -> int:
    if node == DEPOT:
        return worker.start_location if leaving else worker.end_location
    return visits[node - 1].location


def _worker_part(model: cp_model.CpModel, problem: Problem, worker: Worker) -> _WorkerVars:
    """The worker's circuit, service starts, departure, return and lunch."""
    mine = [i for i, v in enumerate(problem.visits)
            if worker in allowed_workers(problem, v) or worker in partner_workers(problem, v)]
    shift = worker.shift
    k = worker.id
    part = _WorkerVars(
        worker=worker,
        used=model.new_bool_var(f"{k}_used"),
        serves={i: model.new_bool_var(f"{k}_serves_{i}") for i in mine},
        starts={i: model.new_int_var_from_domain(_windows(problem.visits[i]), f"{k}_s{i}")
                for i in mine},
        arcs={},
        departure=model.new_int_var(shift.start, shift.end, f"{k}_departs"),
        back=model.new_int_var(shift.start, shift.end, f"{k}_back"),
        lunch=None,
        lunch_after={},
    )
    nodes = [DEPOT, *(i + 1 for i in mine)]
    circuit = [(DEPOT, DEPOT, ~part.used)]
    circuit += [(i + 1, i + 1, ~part.serves[i]) for i in mine]
    for a in nodes:
        for b in nodes:
            if a != b and _may_follow(problem, worker, a, b):
                part.arcs[a, b] = model.new_bool_var(f"{k}_{a}_{b}")
                circuit.append((a, b, part.arcs[a, b]))
    model.add_circuit(circuit)
    for i in mine:
        model.add_implication(part.serves[i], part.used)
    model.add(part.departure <= part.back)
    _add_limits(model, problem, part)
    if worker.lunch is not None:
        _add_lunch(model, part, nodes)
    _add_timing(model, problem, part)
    return part


def _windows(visit: Visit) -> cp_model.Domain:
    return cp_model.Domain.from_intervals([[w.start, w.end] for w in visit.windows])


def _may_follow(problem: Problem, worker: Worker, a: int, b: int) -> bool:
    """False for arcs no timing can use (b's last start before a's earliest end plus travel)."""
    if a == DEPOT or b == DEPOT:
        return True
    first, second = problem.visits[a - 1], problem.visits[b - 1]
    earliest_free = min(w.start for w in first.windows) + first.service
    arrival = earliest_free + problem.durations[first.location][second.location]
    return arrival <= max(w.end for w in second.windows)


def _add_limits(model: cp_model.CpModel, problem: Problem, part: _WorkerVars) -> None:
    """Visit cap, capacity and pinned positions (a rank along the route for the last)."""
    worker, serves = part.worker, part.serves
    if worker.max_visits is not None:
        model.add(sum(serves.values()) <= worker.max_visits)
    if worker.capacity is not None:
        model.add(sum(problem.visits[i].load * s for i, s in serves.items()) <= worker.capacity)
    if any(problem.visits[i].pinned_position is not None for i in serves):
        rank = {i: model.new_int_var(0, len(serves), f"{worker.id}_rank{i}") for i in serves}
        for (a, b), arc in part.arcs.items():
            if b == DEPOT:
                continue
            if a == DEPOT:
                model.add(rank[b - 1] == 0).only_enforce_if(arc)
            else:
                model.add(rank[b - 1] == rank[a - 1] + 1).only_enforce_if(arc)
        for i, s in serves.items():
            position = problem.visits[i].pinned_position
            if position is not None:
                model.add(rank[i] == position).only_enforce_if(s)


def _add_lunch(model: cp_model.CpModel, part: _WorkerVars, nodes: list[int]) -> None:
    """A used worker takes the lunch in exactly one gap, inside its window."""
    lunch = part.worker.lunch
    assert lunch is not None
    part.lunch = model.new_int_var(lunch.window.start, lunch.window.end, f"{part.worker.id}_L")
    part.lunch_after = {n: model.new_bool_var(f"{part.worker.id}_L_after{n}") for n in nodes}
    model.add(sum(part.lunch_after.values()) == part.used)
    for i, s in part.serves.items():
        model.add_implication(part.lunch_after[i + 1], s)


def _free_at(problem: Problem, part: _WorkerVars, node: int) -> cp_model.LinearExpr:
    """When the worker may leave a node: the departure, or a visit's end."""
    if node == DEPOT:
        return part.departure
    return part.starts[node - 1] + problem.visits[node - 1].service


def _add_timing(model: cp_model.CpModel, problem: Problem, part: _WorkerVars) -> None:
    """Each arc: the next start (or the return) after this end, the travel and the lunch."""
    worker, visits, lunch = part.worker, problem.visits, part.worker.lunch
    if part.lunch is not None:
        for node, here in part.lunch_after.items():
            model.add(part.lunch >= _free_at(problem, part, node)).only_enforce_if(here)
    for (a, b), arc in part.arcs.items():
        seconds, _ = _travel(problem, _location(worker, visits, a, True),
                             _location(worker, visits, b, False))
        free = _free_at(problem, part, a)
        arrive_by = part.back if b == DEPOT else part.starts[b - 1]
        if lunch is None:
            model.add(arrive_by >= free + seconds).only_enforce_if(arc)
            continue
        assert part.lunch is not None
        here = part.lunch_after[a]
        model.add(arrive_by >= free + seconds + lunch.duration * here).only_enforce_if(arc)
        model.add(part.lunch + lunch.duration <= arrive_by).only_enforce_if([arc, here])


def _coverage(model: cp_model.CpModel, problem: Problem,
              routes: list[_WorkerVars]) -> dict[int, cp_model.IntVar]:
    """Each visit served by one worker (a visit for two by a team) or dropped."""
    dropped = {}
    for i, visit in enumerate(problem.visits):
        dropped[i] = model.new_bool_var(f"dropped_{i}")
        serving = [r for r in routes if i in r.serves]
        if not visit.needs_two:
            model.add(sum(r.serves[i] for r in serving) + dropped[i] == 1)
            continue
        _add_team(model, problem, visit, i, serving, dropped[i])
    return dropped


def _add_team(model: cp_model.CpModel, problem: Problem, visit: Visit, i: int,
              serving: list[_WorkerVars], dropped: cp_model.IntVar) -> None:
    """Two different workers forming one of the visit's teams, starting within its tolerance."""
    pairs = {(a.id, b.id) for a, b in teams(problem, visit)}
    chosen = {}
    for r in serving:
        for q in serving:
            if (r.worker.id, q.worker.id) in pairs:
                team = model.new_bool_var(f"team_{i}_{r.worker.id}_{q.worker.id}")
                chosen[r.worker.id, q.worker.id] = team
                model.add_implication(team, r.serves[i])
                model.add_implication(team, q.serves[i])
                gap = visit.sync_tolerance
                model.add(r.starts[i] - q.starts[i] <= gap).only_enforce_if(team)
                model.add(q.starts[i] - r.starts[i] <= gap).only_enforce_if(team)
    model.add(sum(chosen.values()) + dropped == 1)
    model.add(sum(r.serves[i] for r in serving) == 2 * (1 - dropped))


def _objective(model: cp_model.CpModel, problem: Problem, routes: list[_WorkerVars],
               dropped: dict[int, cp_model.IntVar]) -> cp_model.LinearExprT:
    """Our objective in cost units: travel, wishes, balance, fixed costs and drops."""
    w = problem.weights
    penalties = drop_penalties(problem)
    terms: list[cp_model.LinearExprT] = []
    for r in routes:
        worker, visits = r.worker, problem.visits
        travel: list[cp_model.LinearExprT] = []
        for (a, b), arc in r.arcs.items():
            seconds, units = _travel(problem, _location(worker, visits, a, True),
                                     _location(worker, visits, b, False))
            terms.append(units * arc)
            travel.append(seconds * arc)
        terms.append(round(COST_SCALE * worker.fixed_cost) * r.used)
        services = [visits[i].service * s for i, s in r.serves.items()]
        r.work = work = cp_model.LinearExpr.sum([*travel, *services])
        # Implied by the timing, but the LP sees it only this way: a day holds no more travel,
        # service and lunch than the shift, so the bound knows some visits must be dropped.
        lunch = worker.lunch.duration if worker.lunch else 0
        model.add(r.back - r.departure >= work + lunch * r.used)
    terms += [penalties[problem.visits[i].priority.value] * d for i, d in dropped.items()]
    terms += _wishes(model, problem, routes, round(COST_SCALE * w.not_preferred_worker))
    if w.balance > 0 and len(routes) > 1:
        # Equal, not only above: an unproven plan's objective must still be its price.
        busiest = model.new_int_var(0, 10**7, "busiest")
        model.add_max_equality(busiest, [r.work for r in routes if r.work is not None])
        terms.append(round(COST_SCALE * w.balance) * busiest)
    return sum(terms)


def _wishes(model: cp_model.CpModel, problem: Problem, routes: list[_WorkerVars],
            price: int) -> list[cp_model.LinearExprT]:
    """A visit served, but by none of its workers the preferred one."""
    terms: list[cp_model.LinearExprT] = []
    for i, visit in enumerate(problem.visits):
        if visit.preferred_worker is None or not price:
            continue
        others = [r.serves[i] for r in routes
                  if i in r.serves and r.worker.id != visit.preferred_worker]
        wished = [r.serves[i] for r in routes
                  if i in r.serves and r.worker.id == visit.preferred_worker]
        if not visit.needs_two:
            terms += [price * s for s in others]
            continue
        # A visit for two is with its preferred worker when either of its two is.
        miss = model.new_bool_var(f"not_preferred_{i}")
        served = sum(r.serves[i] for r in routes if i in r.serves)
        model.add(2 * miss >= served - 2 * sum(wished))
        model.add(2 * miss <= served)
        model.add(miss + sum(wished) <= 1)
        terms.append(price * miss)
    return terms


def _read_plan(problem: Problem, solver: cp_model.CpSolver, routes: list[_WorkerVars]) -> Plan:
    """CP-SAT's routes as our Plan: stops in circuit order, times as the validator reads them."""
    timed = [_read_route(problem, solver, r) for r in routes]
    served_by: dict[str, list[str]] = {}
    for route in timed:
        for stop in route.stops:
            served_by.setdefault(stop.visit_id, []).append(route.worker_id)
    for route in timed:
        route.stops = [
            Stop(s.visit_id, s.arrival, s.start, s.end,
                 next((w for w in served_by[s.visit_id] if w != route.worker_id), None))
            if problem.visit(s.visit_id).needs_two else s
            for s in route.stops
        ]
    dropped = [Dropped(v.id, drop_reason(problem, v))
               for v in problem.visits if v.id not in served_by]
    return Plan(timed, dropped, objective(problem, timed, dropped), problem)


def _read_route(problem: Problem, solver: cp_model.CpSolver, part: _WorkerVars) -> Route:
    worker = part.worker
    if not solver.boolean_value(part.used):
        return Route(worker.id, worker.shift.start, worker.shift.start)
    following = {a: b for (a, b), arc in part.arcs.items() if solver.boolean_value(arc)}
    lunch_node = next((n for n, x in part.lunch_after.items() if solver.boolean_value(x)), None)
    lunch_start = None if part.lunch is None else solver.value(part.lunch)
    route = Route(worker.id, solver.value(part.departure), solver.value(part.back),
                  break_start=lunch_start)
    node, free, location = DEPOT, route.start, worker.start_location
    while True:
        nxt = following[node]
        to = worker.end_location if nxt == DEPOT else problem.visits[nxt - 1].location
        route.travel_time += problem.durations[location][to]
        route.distance += problem.distances[location][to]
        if nxt == DEPOT:
            return route
        arrival = free + problem.durations[location][to]
        # The validator's arrival: straight there, the lunch on the way if it is taken first.
        if node == lunch_node and lunch_start is not None and lunch_start < arrival:
            arrival += worker.lunch.duration if worker.lunch else 0
        visit = problem.visits[nxt - 1]
        start = solver.value(part.starts[nxt - 1])
        route.stops.append(Stop(visit.id, arrival, start, start + visit.service))
        node, free, location = nxt, start + visit.service, to


def main(argv: list[str] | None = None) -> int:
    """Prove one township day and print the plan."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=20)
    parser.add_argument("--day", type=int, default=1, help="the township generator's seed")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT search workers")
    parser.add_argument("--hint-seeds", type=int, default=0,
                        help="start CP-SAT from our best plan of this many 1 s solves")
    args = parser.parse_args(argv)
    problem = township_day(args.visits, seed=args.day)
    ours = [solve(problem, time_limit=1.0, seed=s) for s in range(args.hint_seeds)]
    hint = min((p for p in ours if p.is_feasible()), key=Plan.cost, default=None)
    if hint is not None:
        print(f"our best of {len(ours)} seeds at 1 s: {hint.cost():.1f}")
    exact = solve_day(problem, args.time_limit, args.workers, hint=hint)
    if exact.plan is not None:
        print(exact.plan.summary())
    print(f"{exact.status}: objective {exact.cost}, bound {exact.bound / COST_SCALE}, "
          f"{exact.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
