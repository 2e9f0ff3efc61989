"""The pipeline: problem → model → search parameters → solve (a small portfolio) → Plan.

Two cores are the norm, so the search runs a portfolio of configurations, one per process,
and keeps the best plan by our own cost (ties go to the earlier configuration): starts matter
more than the time limit on these problems, so different first solutions are the cheapest
diversity there is.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from scheduler import model as model_module
from scheduler.plan import Dropped, DropReason, Plan, Route
from scheduler.problem import Problem, Visit
from scheduler.schedule import time_route


class NoPlanError(RuntimeError):
    """The search found no plan at all (only possible when pinned stops cannot be kept)."""


@dataclass(frozen=True)
class SearchConfig:
    """One search: a first-solution strategy followed by a metaheuristic."""

    first_solution: str
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    # Moves that add visits while moving others: they unstick days with many dropped visits.
    activation_moves: bool = False


# Measured: the DEFAULT first solution finds nothing on tight-window days; insertion heuristics
# (which respect drop penalties) always do. The seed rotates which configurations run.
# Measured on township days of 30-40 visits: the best configuration changes from day to day
# and plain GLS from one start stays 20-40% above the best, so small problems get restarts.
PORTFOLIO = (
    SearchConfig("PARALLEL_CHEAPEST_INSERTION"),
    SearchConfig("LOCAL_CHEAPEST_INSERTION", activation_moves=True),
    SearchConfig("SAVINGS"),
    SearchConfig("PATH_CHEAPEST_ARC"),
    SearchConfig("LOCAL_CHEAPEST_INSERTION"),
    SearchConfig("SAVINGS", activation_moves=True),
)
# Up to this many nodes a run converges well inside its share, so restarts pay for themselves.
RESTART_NODES = 60
RESTARTS = 3

# Improving solutions per second and per node that guided local search reaches on one core
# of the development machine (measured on Solomon 25-100: about 5000/n per second). Stopping
# on a solution count instead of the clock makes the same input give the same plan; the clock
# stays a hard cap, and when it ends the search first (a slower or busier machine), repeated
# runs may differ.
SOLUTIONS_PER_SECOND_NODE = 4000


def solve(
    problem: Problem,
    *,
    time_limit: float,
    seed: int = 0,
    processes: int | None = None,
    max_moves: int | None = None,
) -> Plan:
    """Plan the day: routes for the workers, and every other visit dropped with its reason.

    Args:
        problem: workers, visits, travel matrices and cost weights.
        time_limit: wall-clock seconds for the whole solve (a hard cap).
        seed: selects which search configurations of the portfolio run; with the same seed the
            same input gives the same plan as long as the move budget, not the clock, ends the
            search.
        processes: how many configurations run side by side (default: up to 2, one per core).
        max_moves: solutions each configuration may go through before it stops; by default
            `SOLUTIONS_PER_SECOND_NODE` per node and second of `time_limit`.

    Returns:
        The best plan found, validated by `scheduler.validate` (see `Plan.violations`).

    Raises:
        NoPlanError: when no configuration found any plan (pinned stops that cannot be kept).
    """
    began = time.perf_counter()
    processes = processes or min(2, os.cpu_count() or 1)
    nodes = len(problem.visits) + len(problem.workers)
    rounds = RESTARTS if nodes <= RESTART_NODES else 1
    configs = [
        [PORTFOLIO[(seed + i + processes * r) % len(PORTFOLIO)] for r in range(rounds)]
        for i in range(processes)
    ]
    default_moves = int(SOLUTIONS_PER_SECOND_NODE * time_limit / nodes / rounds)
    moves = max_moves if max_moves is not None else max(20, default_moves)
    # Leave room for process start-up and reading the plan back.
    budget = max(0.05, time_limit * 0.95 - 0.05) / rounds
    jobs = [(problem, chain, budget, moves) for chain in configs]
    if processes == 1:
        found = search_chain(*jobs[0])
    else:
        with ProcessPoolExecutor(len(jobs), mp_context=_context()) as pool:
            found = [r for chain in pool.map(search_chain, *zip(*jobs, strict=True)) for r in chain]
    plans = [assemble(problem, routes) for routes in found if routes is not None]
    if not plans:
        raise NoPlanError("no plan keeps every pinned stop in place")
    best = min(plans, key=_rank)  # min() keeps the first of equals: deterministic
    best.solve_seconds = time.perf_counter() - began
    return best


def _context() -> multiprocessing.context.BaseContext:
    """Fork (fast, no re-import) when safe, i.e. single-threaded; otherwise spawn."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _rank(plan: Plan) -> tuple[bool, float]:
    return (not plan.is_feasible(), plan.cost())


def search_parameters(config: SearchConfig, time_limit: float, moves: int) -> object:
    """OR-Tools search parameters: strategy, metaheuristic, time cap and move budget."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, config.first_solution
    )
    params.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, config.metaheuristic
    )
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    params.solution_limit = moves
    # Sub-searches of LNS operators are otherwise cut by the clock, which breaks determinism.
    params.lns_time_limit.FromSeconds(max(1, int(time_limit) + 1))
    if config.activation_moves:
        true = optional_boolean_pb2.BOOL_TRUE
        operators = params.local_search_operators
        operators.use_relocate_and_make_active = true
        operators.use_exchange_and_make_active = true
        operators.use_extended_swap_active = true
        operators.use_inactive_lns = true
        operators.use_path_lns = true
    return params


def search_chain(
    problem: Problem, configs: list[SearchConfig], time_limit: float, moves: int
) -> list[list[list[str]] | None]:
    """Run configurations one after the other (restarts), each with the same budget."""
    return [search_routes(problem, config, time_limit, moves) for config in configs]


def search_routes(
    problem: Problem, config: SearchConfig, time_limit: float, moves: int
) -> list[list[str]] | None:
    """Run one configuration; visit ids per worker in order, or None if nothing was found."""
    built = model_module.build(problem)
    solution = built.routing.SolveWithParameters(search_parameters(config, time_limit, moves))
    return None if solution is None else built.routes(solution)


def assemble(problem: Problem, routes: list[list[str]]) -> Plan:
    """A Plan from ordered visit ids per worker: exact times, drop reasons, objective parts."""
    timed = [time_route(problem, w, ids)[0] for w, ids in zip(problem.workers, routes, strict=True)]
    served = {vid for ids in routes for vid in ids}
    dropped = [Dropped(v.id, drop_reason(problem, v)) for v in problem.visits if v.id not in served]
    return Plan(timed, dropped, objective(problem, timed, dropped), problem)


def drop_reason(problem: Problem, visit: Visit) -> DropReason:
    """Why a visit could not be served: no skilled worker, no window reachable, or no time left."""
    allowed = model_module.allowed_workers(problem, visit)
    if not allowed:
        return DropReason.NO_WORKER_HAS_SKILL
    if not any(time_route(problem, w, [visit.id])[1] for w in allowed):
        return DropReason.NO_TIME_WINDOW_FITS
    return DropReason.NO_TIME_LEFT


def objective(problem: Problem, routes: list[Route], dropped: list[Dropped]) -> dict[str, float]:
    """The objective's parts recomputed from the plan, in the weights' units."""
    w = problem.weights
    travel = sum(w.travel_second * r.travel_time + w.travel_metre * r.distance for r in routes)
    not_preferred = sum(
        1
        for r in routes
        for s in r.stops
        if problem.visit(s.visit_id).preferred_worker not in (None, r.worker_id)
    )
    work = [r.travel_time + sum(s.end - s.start for s in r.stops) for r in routes if r.stops]
    balance = w.balance * max(work) if work and len(problem.workers) > 1 else 0.0
    fixed = sum(problem.worker(r.worker_id).fixed_cost for r in routes if r.stops)
    drops = (
        sum(model_module.drop_penalty(problem, problem.visit(d.visit_id)) for d in dropped)
        / model_module.COST_SCALE
    )
    return {
        "travel": travel,
        "not_preferred_worker": w.not_preferred_worker * not_preferred,
        "balance": balance,
        "fixed": fixed,
        "dropped": drops,
    }
