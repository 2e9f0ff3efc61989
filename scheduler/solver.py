"""The pipeline: problem → parameters → search processes (OR-Tools, then our steps) →
assembled plans → the best one, recombined with the routes every process priced, polished by
OR-Tools (days, at the planning job's budgets), exchanged and validated.

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

from scheduler import model
from scheduler.assemble import assemble
from scheduler.params import SolveParams, preset_for
from scheduler.plan import Plan
from scheduler.problem import Problem
from scheduler.search.chain import (
    Run,
    Searched,
    polishes,
    recombines,
    search_chain,
    search_share,
    split,
)
from scheduler.search.context import Context
from scheduler.search.exchange import exchange_dropped
from scheduler.search.pool import recombine


class NoPlanError(RuntimeError):
    """The search found no plan at all (only possible when pinned stops cannot be kept)."""


def solve(
    problem: Problem,
    *,
    time_limit: float,
    seed: int = 0,
    processes: int | None = None,
    max_moves: int | None = None,
    params: SolveParams | None = None,
) -> Plan:
    """Plan the day: routes for the workers, and every other visit dropped with its reason.

    Args:
        problem: workers, visits, travel matrices and cost weights.
        time_limit: wall-clock seconds for the whole solve (a hard cap).
        seed: selects which search configurations of the portfolio run; with the same seed the
            same input gives the same plan as long as the move budget, not the clock, ends the
            search. (A day's recombination and polish, `BudgetParams.recombine_share` and
            `polish_share`, are ended by the clock: solves they run in may differ run to run
            where they find something.)
        processes: how many configurations run side by side (default: up to 2, one per core).
        max_moves: solutions each configuration may go through before it stops; by default
            `PortfolioParams.solutions_per_second_node` per node and second of its share of
            `time_limit`, scaled by the configuration's speed.
        params: the tuned parameters (`scheduler.params`); by default the problem's preset.

    Returns:
        The best plan found, validated by `scheduler.validate` (see `Plan.violations`).

    Raises:
        NoPlanError: when no configuration found any plan (pinned stops that cannot be kept).
    """
    began = time.perf_counter()
    processes = processes or min(2, os.cpu_count() or 1)
    params = params or preset_for(problem)
    budget = params.budget
    # The processes stop by one wall-clock moment (forking, or spawning beside threads, comes
    # out of their time, not on top of it), leaving room to time and validate their plans,
    # for a day's recombination and polish and for the exchange pass, which their own
    # deadlines cut.
    share = search_share(problem, params, time_limit)
    finish = time.time() + time_limit * share - budget.search_reserve
    chains = split(
        problem, params, time_limit=time_limit, seed=seed, processes=processes, max_moves=max_moves
    )
    ctx = Context.of(problem, params)
    recombining = recombines(problem, params, time_limit)
    if recombining:
        ctx.day.pooling()  # in every process: they fork (or unpickle) this context
    searched = _search(ctx, chains, finish)
    plans = [assemble(problem, f.routes, f.sync)
             for s in searched for f in s.found if f is not None]
    if not plans and not problem.has_pins:
        # OR-Tools found no first solution inside its share (a tiny limit on a busy machine):
        # start from serving nothing and let the exchange pass below insert what fits.
        plans = [assemble(problem, [[] for _ in problem.workers])]
    if not plans:
        raise NoPlanError("no plan keeps every pinned stop in place")
    best = min(plans, key=_rank)  # min() keeps the first of equals: deterministic
    if recombining:
        # Its share from when it starts: the processes' return and their plans' validation
        # take 30-80 ms past their finish, which would leave it little; the polish and the
        # exchange pass after it have their own deadlines and take what is left.
        until = min(time.perf_counter() + budget.recombine_share * time_limit,
                    began + budget.usable * time_limit - budget.exchange_reserve)
        best = recombine_plan(ctx, best, searched, until)
    if polishes(problem, params, time_limit):
        until = began + budget.usable * time_limit - budget.search_reserve
        best = polish_plan(problem, best, until)
    deadline = began + budget.usable * time_limit - budget.exchange_reserve
    best = exchange_dropped(ctx, best, deadline)
    best.solve_seconds = time.perf_counter() - began
    return best


def polish_plan(problem: Problem, plan: Plan, until: float) -> Plan:
    """The plan after OR-Tools' guided local search from it (until the `perf_counter` moment
    `until`), when that is better by our own cost; otherwise the plan itself."""
    seconds = until - time.perf_counter()
    if seconds <= 0.01:
        return plan
    index = {v.id: i for i, v in enumerate(problem.visits)}
    ids = plan.visit_ids([w.id for w in problem.workers])
    routes = [[index[v] for v in order] for order in ids]
    found = model.polish_routes(problem, routes, seconds)
    if found is None:
        return plan
    polished = assemble(problem, [[problem.visits[i].id for i in r] for r in found])
    return polished if _rank(polished) < _rank(plan) else plan


def recombine_plan(ctx: Context, plan: Plan, searched: list[Searched], until: float) -> Plan:
    """The plan recombined from the routes every process priced (`pool.recombine`, until the
    `perf_counter` moment `until`), when that is better by our own cost; otherwise the plan."""
    pools = [s.pool for s in searched if s.pool is not None]
    if not pools:
        return plan
    pool = pools[0]
    for other in pools[1:]:
        pool.merge(other)
    instance, problem = ctx.instance, ctx.instance.problem
    ids = plan.visit_ids([w.id for w in problem.workers])
    found = recombine(ctx, pool, instance.to_indices(ids), until)
    if found is None:
        return plan
    recombined = assemble(problem, instance.to_ids(found))
    return recombined if _rank(recombined) < _rank(plan) else plan


def _search(ctx: Context, chains: list[list[Run]], finish: float) -> list[Searched]:
    """Every process's work, in process order: here when there is one, else in a pool."""
    if len(chains) == 1:
        return [search_chain(ctx, chains[0], finish)]
    jobs = [(ctx, chain, finish) for chain in chains]
    with ProcessPoolExecutor(len(jobs), mp_context=_context()) as pool:
        return list(pool.map(search_chain, *zip(*jobs, strict=True)))


def _context() -> multiprocessing.context.BaseContext:
    """Fork (fast, no re-import) when safe, i.e. single-threaded; otherwise spawn."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _rank(plan: Plan) -> tuple[bool, float]:
    return (not plan.is_feasible(), plan.cost())
