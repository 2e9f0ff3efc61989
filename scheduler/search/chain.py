"""A search process's work: its runs, each OR-Tools then our steps, and how a solve's time
limit is split into those runs.

Each process runs one or two runs (restarts) one after the other, each from its own OR-Tools
start: OR-Tools for its share (`scheduler.model`), then on fixed fleets the ejection pool for
what it left out (`ejection`), then ruin and recreate (`ruin`) and, on days, a descent on
which visits are served (`refill`); a fleet's run that ends with time to spare goes round
once more. Counts (solutions, ejections, rounds) end each step on an
idle machine, so the same input gives the same routes; the clock is the hard cap.
"""

from __future__ import annotations

import gc
import random
import time
from dataclasses import dataclass
from typing import NamedTuple

from scheduler import model
from scheduler.params import SearchConfig, SolveParams
from scheduler.problem import Problem
from scheduler.search import ejection, pairs, recreate, refill, ruin
from scheduler.search.context import Context
from scheduler.search.cost import RouteBounds
from scheduler.search.instance import Routes
from scheduler.search.pool import RoutePool


@dataclass(frozen=True)
class Run:
    """One run of a process: OR-Tools, the ejection pool on fixed fleets, then ruin and
    recreate from its plan, each with its budget."""

    config: SearchConfig
    seconds: float
    moves: int
    recreate_seconds: float = 0.0
    recreate_rounds: int = 0
    seed: int = 0
    ejections: int = 0


def polishes(problem: Problem, params: SolveParams, time_limit: float) -> bool:
    """Whether the chosen plan is polished by OR-Tools (`model.polish_routes`) after the runs:
    a day without visits for two or pinned stops, with the time for it."""
    budget = params.budget
    return (budget.polish_share > 0
            and budget.polish_share * time_limit >= budget.min_polish_seconds
            and _routes_apart(problem))


def recombines(problem: Problem, params: SolveParams, time_limit: float) -> bool:
    """Whether the processes' routes are recombined (`pool.recombine`) after the runs: a day
    of two workers or more, without visits for two or pinned stops, with the time for it."""
    budget = params.budget
    return (budget.recombine_share > 0
            and budget.recombine_share * time_limit >= budget.min_recombine_seconds
            and len(problem.workers) > 1
            and _routes_apart(problem))


def _routes_apart(problem: Problem) -> bool:
    """No visit for two ties two routes' times and no pin holds a visit in place: each route
    may change alone."""
    return not problem.has_pairs and not problem.has_pins


def search_share(problem: Problem, params: SolveParams, time_limit: float) -> float:
    """The share of the time limit the runs may use: `usable`, less the polish's and the
    recombination's when they run."""
    budget = params.budget
    polish = budget.polish_share if polishes(problem, params, time_limit) else 0.0
    recombine = budget.recombine_share if recombines(problem, params, time_limit) else 0.0
    return budget.usable - polish - recombine


def split(
    problem: Problem,
    params: SolveParams,
    *,
    time_limit: float,
    seed: int,
    processes: int,
    max_moves: int | None,
) -> list[list[Run]]:
    """The runs of each process: configurations by seed, and their shares of `time_limit`."""
    budget, portfolio = params.budget, params.portfolio
    nodes = len(problem.visits) + len(problem.workers)
    configs = portfolio.configs
    if len(problem.visits) > portfolio.iterated_max_visits or problem.has_pairs:
        configs = tuple(c for c in configs if not c.iterated) or configs
    restart = any(low <= nodes <= high for low, high in budget.restart_nodes)
    usable = search_share(problem, params, time_limit)
    whole = max(0.05, time_limit * usable - budget.search_reserve - budget.startup)
    # No second run where halving the share would cost both runs their ruin and recreate.
    halving_drops_recreate = whole / 2 < budget.min_recreate_share <= whole
    rounds = 2 if restart and not halving_drops_recreate else 1
    share = whole / rounds
    return [
        [
            _run(problem, params, configs, seed + i + processes * r, share, max_moves)
            for r in range(rounds)
        ]
        for i in range(processes)
    ]


def _run(
    problem: Problem,
    params: SolveParams,
    configs: tuple[SearchConfig, ...],
    index: int,
    share: float,
    max_moves: int | None,
) -> Run:
    config = configs[index % len(configs)]
    budget, visits = params.budget, len(problem.visits)
    nodes = visits + len(problem.workers)
    part = budget.recreate_share if config.recreate_share is None else config.recreate_share
    recreate = share * part if share >= budget.min_recreate_share else 0.0
    search = share - recreate
    speed = config.speed * (params.portfolio.pairs_speed if problem.has_pairs else 1.0)
    moves = params.portfolio.solutions_per_second_node * speed * search / nodes
    moves = max_moves if max_moves is not None else max(params.portfolio.min_moves, int(moves))
    microseconds = budget.round_microseconds_per_visit * max(1, visits)
    if problem.has_pairs:
        microseconds *= budget.pairs_round_factor
    rounds = int(recreate * 1e6 / microseconds)
    ejections = 0
    if params.ejection.share:
        per_second = params.ejection.per_second_visit / max(1, visits)
        ejections = int(per_second * params.ejection.share * recreate)
    return Run(config, search, moves, recreate, rounds, index, ejections)


class Found(NamedTuple):
    """A run's routes as visit ids per worker, and the common start window of each visit for
    two they serve (`Instance.sync_of`): what `scheduler.assemble` makes a plan of, in any
    process (a process's own indices of synchronised halves mean nothing in another)."""

    routes: list[list[str]]
    sync: dict[str, int]


class Searched(NamedTuple):
    """A process's work: each run's routes, and every route it priced when the solve
    recombines (`pool.recombine`)."""

    found: list[Found | None]
    pool: RoutePool | None


def search_chain(ctx: Context, runs: list[Run], finish: float) -> Searched:
    """Run configurations one after the other (restarts), each with its own budget, all
    done by `finish` (a `time.time()`: the one clock every process reads alike)."""
    # The rounds make lists and tuples by the million and no cycles: the collector's passes
    # over them and the remembered route bounds were 6% of ruin and recreate's instructions.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return Searched(_search_chain(ctx, runs, finish), ctx.day.pool)
    finally:
        if collecting:
            gc.enable()


def _search_chain(ctx: Context, runs: list[Run], finish: float) -> list[Found | None]:
    found: list[Found | None] = []
    instance = ctx.instance
    problem, share = instance.problem, ctx.params.ejection.share
    last = time.perf_counter() + finish - time.time()
    for run in runs:
        # OR-Tools overshooting its clock eats into the recreate time, not past the share.
        deadline = min(last, time.perf_counter() + run.seconds + run.recreate_seconds)
        routes = model.search_routes(problem, run.config, run.seconds, run.moves)
        if instance.pairs:
            routes = _with_pairs(ctx, routes, run.seed)
        if routes is not None:
            eject_until = time.perf_counter() + share * run.recreate_seconds
            routes = _improve(ctx, routes, run, run.seed, eject_until, deadline)
        if routes is not None and run.ejections and time.perf_counter() < deadline:
            # Ruin and recreate may end with time to spare: spend most of it on any visits
            # still left out, the rest on polishing what the ejections leave behind.
            left = deadline - time.perf_counter()
            polish = deadline - ctx.params.ejection.polish_share * left
            routes = _improve(ctx, routes, run, run.seed + 1, polish, deadline)
        found.append(
            None if routes is None else Found(instance.to_ids(routes), instance.sync_of(routes))
        )
    return found


def _with_pairs(ctx: Context, routes: Routes | None, seed: int) -> Routes:
    """OR-Tools' routes with each visit for two synchronised (`pairs.synchronise`), every
    visit left out put in where it fits, then those that cost more than they save left out
    again (`pairs.leave_out_dear`).

    OR-Tools' moves take one node in or out at a time, so they never add or drop a pair:
    what its first solution did with a pair stays, and under the pairs' constraints that
    solution may serve nothing at all. Putting everything in first finds the visits that pay
    only together (each alone costs more than its penalty), which one-at-a-time insertion
    never would, and ruin and recreate has nothing to work on when no visit is served.
    """
    instance = ctx.instance
    routes = pairs.synchronise(ctx, routes or [[] for _ in instance.workers])
    if instance.pinned_positions:
        return routes
    served = {instance.base[i] for order in routes for i in order}
    rng = random.Random(seed)
    pending = [i for i in range(instance.n) if i not in served]
    pending.sort(key=recreate.insertion_order(instance, rng))
    cache: dict[int, RouteBounds] = {}
    for i in pending:
        insert = pairs.insert if instance.twin[i] >= 0 else recreate.insert
        insert(ctx, routes, i, None, cache, anyway=True)
    return pairs.leave_out_dear(ctx, routes)


def _improve(
    ctx: Context, routes: Routes, run: Run, seed: int, eject_until: float, deadline: float
) -> Routes:
    """Our steps after OR-Tools: the ejection pool on fixed fleets (until `eject_until`),
    then ruin and recreate and, on days, the refill descent (until `deadline`), each within
    the run's budget."""
    if run.ejections:
        routes = ejection.serve_left_out(
            ctx, routes, seed=seed, iterations=run.ejections, deadline=eject_until
        )
    moves = ctx.params.refill.moves
    if run.recreate_rounds:
        kept = ctx.params.refill.share * run.recreate_seconds if moves else 0.0
        routes = ruin.ruin_and_recreate(
            ctx, routes, seed=seed, iterations=run.recreate_rounds, deadline=deadline - kept
        )
    if moves:
        routes = refill.refill(
            ctx, routes, moves=moves, near=ctx.params.refill.near, deadline=deadline
        )
    return routes
