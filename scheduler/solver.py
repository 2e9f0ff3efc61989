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

from scheduler import ejection, improve, rules
from scheduler import model as model_module
from scheduler.plan import Dropped, DropReason, Plan, Route
from scheduler.problem import Problem, Visit
from scheduler.schedule import time_route


class NoPlanError(RuntimeError):
    """The search found no plan at all (only possible when pinned stops cannot be kept)."""


@dataclass(frozen=True)
class SearchConfig:
    """One search: a first-solution strategy, a metaheuristic and the moves it may use."""

    first_solution: str
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    # Let a multi-armed bandit order the move operators by recent success instead of a fixed
    # round: on days with many dropped visits it finds the make-active moves that pay.
    bandit: bool = False
    # Moves that add visits while moving others, and LNS over inactive visits: they unstick
    # days with many dropped visits, at a fifth of the speed.
    activation_moves: bool = False
    # Without the expensive-chain and insertion-LNS operators: several times more moves per
    # second, which on tight Solomon windows matters more than the big moves.
    light: bool = False
    # OR-Tools' own iterated local search (`SolveWithIteratedLocalSearch`): greedy descent,
    # then string-removal ruins (SISR) recreated by insertion and descended again, accepted
    # by simulated annealing. Measured on township days, 30 s: best of all on 20- and
    # 30-visit days where guided local search stays 1-6% above.
    iterated: bool = False
    # Share of the run left to our ruin and recreate; None: `RECREATE_SHARE` of the kind.
    recreate_share: float | None = None

    @property
    def speed(self) -> float:
        """Solutions per second relative to plain GLS (measured on 40-100 node problems)."""
        return (
            (0.2 if self.activation_moves else 1.0)
            * (0.6 if self.bandit else 1.0)
            * (1.5 if self.light else 1.0)
            * (0.8 if self.iterated else 1.0)
        )


# Measured on township days of 20-40 visits and Solomon 25-100 (benchmarks/README.md): no
# configuration wins everywhere and a single run can stay 10-20% above the best while another
# start finds it, so the processes run different configurations. Process i runs entries
# i, i + P, i + 2P... (P processes), so the first ones are the surest. Days with optional
# visits (a prize-collecting problem: which visits to leave out) are led by insertion in
# penalty order with bandit-ordered moves; all-mandatory fleets (Solomon) by savings and by
# parallel insertion with only the fast moves, the best pair on Solomon 25/50.
DAY_PORTFOLIO = (
    SearchConfig("LOCAL_CHEAPEST_INSERTION", bandit=True),
    SearchConfig("LOCAL_CHEAPEST_INSERTION", iterated=True, recreate_share=0.3),
    SearchConfig("SAVINGS"),
    SearchConfig("PARALLEL_CHEAPEST_INSERTION", bandit=True),
    SearchConfig("SEQUENTIAL_CHEAPEST_INSERTION", bandit=True),
    SearchConfig("LOCAL_CHEAPEST_COST_INSERTION"),
    SearchConfig("PATH_CHEAPEST_ARC"),
)
FLEET_PORTFOLIO = (
    SearchConfig("SAVINGS"),
    SearchConfig("PARALLEL_CHEAPEST_INSERTION", light=True),
    SearchConfig("LOCAL_CHEAPEST_INSERTION"),
    SearchConfig("PARALLEL_CHEAPEST_INSERTION"),
)
# OR-Tools' iterated local search leads on days up to this many visits and trails above:
# measured at 1 s, it found the best plan of a 20-visit day that every other configuration
# missed by 2.2%, while on 40-visit days its plans stayed 4-10% above guided local search
# followed by our ruin and recreate, which could not improve them.
ITERATED_MAX_VISITS = 30
# Two runs per process on problems whose nodes (visits and workers) fall in these ranges, one
# otherwise. Measured: Solomon 25 converges in under a second and gains from a second start,
# while Solomon 50 (75 nodes with the file's 25 vehicles) did better with one run of 1.6 s
# than two of 0.8 s (full suite at 2 s: mean gap 0.55% -> 0.49% and 0.48% in two runs). A
# 20-visit day (22 nodes) needs every round of one run: township days 20 of seeds 1-3 at 1 s,
# 4 solves each, day 3 at +0.00/+0.38/+0.38/+0.38% against +0.65% every time with two. Days
# of 30-40 visits are the other way: ruin and recreate stays in the basin of its start (day
# 40/1 from one start: 3 of 30 runs at its best with ten times the rounds), so a second start
# is worth more than the rounds; 24 solver seeds x the 12 days of up to 40 visits at 1 s
# (2026-12-03, Intel Xeon), against the best plans ever seen: 201 of 288 solves within 0.1%,
# mean gap 0.61%, against 190 and 0.95% with one run from 22 nodes up (days 30/1-30/3 from
# 20, 6 and 14 of 24 within 0.1% to 24, 12 and 15; day 40/3's mean gap 2.21% to 0.92%).
RESTART_NODES = {"day": ((0, 20), (30, 50)), "fleet": ((0, 60),)}

# Share of each run given to ruin and recreate (`improve.ruin_and_recreate`) after OR-Tools.
# Measured on township days of 30-40 visits: from OR-Tools' plan after 40 solutions, half a
# second of it went from 81014 to 67651, 86675 to 77220 and 124186 to 108507 (pyvroom:
# 65637, 81795, 101593), where more OR-Tools time stayed within 1-2% of its start. On Solomon
# 100 with the best-known fleet it serves customers OR-Tools leaves out (10 s: RC101 5
# unserved -> 2, R101 1 -> 0, R105 2 -> 1), while on Solomon 25/50, where every plan serves
# everyone, it neither helped nor hurt. Fixed fleets now give it (with the ejection pool)
# three quarters: on a 10-instance Solomon 100 R1/RC1 sample the ejections, not OR-Tools'
# extra time, served the customers left out (RC105 served at 0.75, not at 0.5).
RECREATE_SHARE = {"day": 0.7, "fleet": 0.75}
# Shares (seconds) too short to split: measured on a busy machine, a 0.3 s Solomon 50 solve
# gave OR-Tools 25 ms and every run ended before its first solution.
MIN_RECREATE_SHARE = 0.3
# Microseconds budgeted for a ruin-and-recreate round, per visit of the problem. On days it
# is set a little above what one core of an idle 2-core machine takes, so that the count,
# not the clock, ends a run there (the same input then gives the same plan): fitted
# (2026-12-03, Intel Xeon) on township days of 10-100 visits, 50 us a round at 10 visits,
# 240 at 40, 570-690 at 100 (each round re-tries half the left-out visits, so the visits
# count, not the routes), and raised by 15%; then lowered with the instructions a round
# executes (callgrind, same rounds before and after remembering places and growing bounds by
# insertion: 2.70 to 1.95 million at 40 visits, -34% at 10, -38% at 100). The earlier rate
# (2 500 000 / visits^2 rounds a second, set on a slower machine) had left 40-60% of each
# run unused there; with the whole share, 72 solves of the 12 days of up to 40 visits at 1 s
# (6 seeds): 47 within 0.1% of the best, mean gap 0.97%, against 44 and 1.22%. Then 5.4 us
# left a third of the share unused on that kind of machine (a round there: 2.5-3.2 us a visit
# at 20 visits, 3.0-4.8 at 30, 3.5-4.6 at 40, 4.2-5.0 at 60), so it is 4.2 us: the count ends
# most runs there and the clock ended 4 of 18 runs of 30-60 visits. Same 72 solves
# against the best plan of each day any 30 s solve found (the yardstick): 57 within
# 0.1%, mean gap 0.49%, against 52 and 0.46% at 5.4 (and 57, 0.33% at 3.3). Fleets keep a
# budget of 10 us a visit, two to four times what a round took there (fitted: 60 + 1.8 *
# visits + 9.4 * route length us, 130-640 us a round on Solomon 25-100; R101's rounds now
# execute 46% fewer instructions, so more still): the run then ends early and
# `search_chain`'s second pass (the ejection pool for what is still left out, then ruin and
# recreate afresh) takes the rest. Budgeting fleets by their fit instead (one long pass,
# little second one) served fewer customers on the 12 hardest Solomon 100 instances at 10 s:
# 7 of 12 all served (6 customers left out) against 9 (4).
ROUND_MICROSECONDS_PER_VISIT = {"day": 4.2, "fleet": 10.0}
# On fixed fleets, the part of the recreate time the ejection pool (`ejection`) may take
# first to serve the visits OR-Tools left out (it stops as soon as all are in), and its
# ejections per second times visits (measured with the depth-first ejection search: 400-1100
# a second at 100 visits on R1/RC1 routes of 8-15 stops, 30-100 on R2/RC2 routes of 25-50,
# where the clock ends the pool first; 800 a second is budgeted). Giving the pool all of the
# recreate time served no more customers on the 12 hardest instances at 10 s (5 of 12 all
# served either way) and left their distances 3-7% longer.
EJECTION_SHARE = 0.7
EJECTIONS_PER_SECOND_VISIT = 80_000

# Seconds of a solve kept for choosing among the processes' plans and the exchange pass,
# and the seconds before a process starts searching (forking it and building the model).
SEARCH_RESERVE = 0.1
STARTUP = 0.03

# Solutions per second times nodes that OR-Tools goes through on one core of an idle 2-core
# machine (measured on township days of 10-60 visits, 0.5 s runs: 12 000-19 000 for guided
# local search with bandit-ordered moves, 15 000-27 000 for its iterated local search; the
# configuration's `speed` scales it). Stopping on a solution count instead of the clock makes
# the same input give the same plan; the count is set so that a run ends at about four
# fifths of its share on an idle machine, and the clock stays a hard cap: when it ends a run
# first (a slower or busier machine), repeated runs may differ.
SOLUTIONS_PER_SECOND_NODE = {"day": 22000, "fleet": 22000}


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
            `SOLUTIONS_PER_SECOND_NODE` per node and second of its share of `time_limit`,
            scaled by the configuration's speed.

    Returns:
        The best plan found, validated by `scheduler.validate` (see `Plan.violations`).

    Raises:
        NoPlanError: when no configuration found any plan (pinned stops that cannot be kept).
    """
    began = time.perf_counter()
    processes = processes or min(2, os.cpu_count() or 1)
    nodes = len(problem.visits) + len(problem.workers)
    kind = "fleet" if all(v.priority.mandatory for v in problem.visits) else "day"
    portfolio = FLEET_PORTFOLIO if kind == "fleet" else DAY_PORTFOLIO
    if len(problem.visits) > ITERATED_MAX_VISITS:
        portfolio = tuple(c for c in portfolio if not c.iterated)
    restart = any(low <= nodes <= high for low, high in RESTART_NODES[kind])
    # The processes stop by one wall-clock moment (forking, or spawning beside threads, comes
    # out of their time, not on top of it), leaving room to time and validate their plans
    # and for the exchange pass: measured at 1 s, 0.01-0.03 s from the processes' end to the
    # choice and 0-0.1 s of exchanges on days of 10-40 visits, which their deadline cuts.
    finish = time.time() + time_limit * 0.95 - SEARCH_RESERVE
    whole = max(0.05, time_limit * 0.95 - SEARCH_RESERVE - STARTUP)
    # No second run where halving the share would cost both runs their ruin and recreate
    # (a run below `MIN_RECREATE_SHARE` gets none): on a 40-visit day at 0.5 s, say.
    halving_drops_recreate = whole / 2 < MIN_RECREATE_SHARE <= whole
    rounds = 2 if restart and not halving_drops_recreate else 1
    share = whole / rounds
    chains = [
        [
            _run(portfolio, seed + i + processes * r, share, problem, kind, max_moves)
            for r in range(rounds)
        ]
        for i in range(processes)
    ]
    if processes == 1:
        found = search_chain(problem, chains[0], finish)
    else:
        jobs = [(problem, chain, finish) for chain in chains]
        with ProcessPoolExecutor(len(jobs), mp_context=_context()) as pool:
            found = [r for chain in pool.map(search_chain, *zip(*jobs, strict=True)) for r in chain]
    plans = [assemble(problem, routes) for routes in found if routes is not None]
    if not plans and not any(
        v.pinned_worker or v.pinned_position is not None for v in problem.visits
    ):
        # OR-Tools found no first solution inside its share (a tiny limit on a busy machine):
        # start from serving nothing and let the exchange pass below insert what fits.
        plans = [assemble(problem, [[] for _ in problem.workers])]
    if not plans:
        raise NoPlanError("no plan keeps every pinned stop in place")
    best = min(plans, key=_rank)  # min() keeps the first of equals: deterministic
    best = improve.exchange_dropped(problem, best, assemble, began + 0.95 * time_limit - 0.03)
    best.solve_seconds = time.perf_counter() - began
    return best


@dataclass(frozen=True)
class _Run:
    """One run of a process: OR-Tools, the ejection pool on fixed fleets, then ruin and
    recreate from its plan."""

    config: SearchConfig
    seconds: float
    moves: int
    recreate_seconds: float = 0.0
    recreate_rounds: int = 0
    seed: int = 0
    ejections: int = 0


def _run(
    portfolio: tuple[SearchConfig, ...],
    index: int,
    share: float,
    problem: Problem,
    kind: str,
    max_moves: int | None,
) -> _Run:
    config = portfolio[index % len(portfolio)]
    nodes = len(problem.visits) + len(problem.workers)
    # Below a few tenths of a second OR-Tools needs all of it to find a first plan at all.
    part = RECREATE_SHARE[kind] if config.recreate_share is None else config.recreate_share
    recreate = share * part if share >= MIN_RECREATE_SHARE else 0.0
    search = share - recreate
    moves = SOLUTIONS_PER_SECOND_NODE[kind] * config.speed * search / nodes
    moves = max_moves if max_moves is not None else max(20, int(moves))
    microseconds = ROUND_MICROSECONDS_PER_VISIT[kind] * max(1, len(problem.visits))
    rounds = int(recreate * 1e6 / microseconds)
    ejections = 0
    if kind == "fleet":
        per_second = EJECTIONS_PER_SECOND_VISIT / max(1, len(problem.visits))
        ejections = int(per_second * EJECTION_SHARE * recreate)
    return _Run(config, search, moves, recreate, rounds, index, ejections)


def _context() -> multiprocessing.context.BaseContext:
    """Fork (fast, no re-import) when safe, i.e. single-threaded; otherwise spawn."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _rank(plan: Plan) -> tuple[bool, float]:
    return (not plan.is_feasible(), plan.cost())


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


def search_chain(problem: Problem, runs: list[_Run], finish: float) -> list[list[list[str]] | None]:
    """Run configurations one after the other (restarts), each with its own budget, all
    done by `finish` (a `time.time()`: the one clock every process reads alike)."""
    found = []
    last = time.perf_counter() + finish - time.time()
    for run in runs:
        # OR-Tools overshooting its clock eats into the recreate time, not past the share.
        deadline = min(last, time.perf_counter() + run.seconds + run.recreate_seconds)
        routes = search_routes(problem, run.config, run.seconds, run.moves)
        if routes is not None:
            eject_until = time.perf_counter() + EJECTION_SHARE * run.recreate_seconds
            routes = _improve(problem, routes, run, run.seed, eject_until, deadline)
        if routes is not None and run.ejections and time.perf_counter() < deadline:
            # Ruin and recreate may end with time to spare: spend most of it on any visits
            # still left out, the rest on polishing what the ejections leave behind.
            polish = deadline - 0.3 * (deadline - time.perf_counter())
            routes = _improve(problem, routes, run, run.seed + 1, polish, deadline)
        found.append(routes)
    return found


def _improve(
    problem: Problem,
    routes: list[list[str]],
    run: _Run,
    seed: int,
    eject_until: float,
    deadline: float,
) -> list[list[str]]:
    """Our moves after OR-Tools: the ejection pool on fixed fleets (until `eject_until`),
    then ruin and recreate (until `deadline`), each within the run's budget."""
    if run.ejections:
        routes = ejection.serve_left_out(
            problem, routes, seed=seed, iterations=run.ejections, deadline=eject_until
        )
    if run.recreate_rounds:
        routes = improve.ruin_and_recreate(
            problem, routes, seed=seed, iterations=run.recreate_rounds, deadline=deadline
        )
    return routes


def search_routes(
    problem: Problem, config: SearchConfig, time_limit: float, moves: int
) -> list[list[str]] | None:
    """Run one configuration; visit ids per worker in order, or None if nothing was found."""
    built = model_module.build(problem)
    params = search_parameters(config, time_limit, moves)
    if config.iterated:
        solution = built.routing.SolveWithIteratedLocalSearch(params)
    else:
        solution = built.routing.SolveWithParameters(params)
    return None if solution is None else built.routes(solution)


def assemble(problem: Problem, routes: list[list[str]]) -> Plan:
    """A Plan from ordered visit ids per worker: exact times, drop reasons, objective parts."""
    timed = [time_route(problem, w, ids)[0] for w, ids in zip(problem.workers, routes, strict=True)]
    served = {vid for ids in routes for vid in ids}
    dropped = [Dropped(v.id, drop_reason(problem, v)) for v in problem.visits if v.id not in served]
    return Plan(timed, dropped, objective(problem, timed, dropped), problem)


def drop_reason(problem: Problem, visit: Visit) -> DropReason:
    """Why a visit could not be served: no skilled worker, no window reachable, or no time left."""
    allowed = rules.allowed_workers(problem, visit)
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
    penalties = rules.drop_penalties(problem)
    drops = (
        sum(penalties[problem.visit(d.visit_id).priority.value] for d in dropped) / rules.COST_SCALE
    )
    return {
        "travel": travel,
        "not_preferred_worker": w.not_preferred_worker * not_preferred,
        "balance": balance,
        "fixed": fixed,
        "dropped": drops,
    }
