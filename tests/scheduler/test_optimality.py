"""The solver finds the optimum of a small day, checked by enumerating every plan."""

from __future__ import annotations

import itertools
import time

from scheduler import Plan, Priority, Problem, TimeWindow, solve, solver
from scheduler.assemble import assemble
from scheduler.search.context import Context
from scheduler.search.pool import RoutePool, recombine
from scheduler.validate import violations
from tests.scheduler.conftest import HOUR, MakeProblem, visit, worker


def every_plan(problem: Problem) -> list[Plan]:
    """Every assignment of visits to (drop, w1, w2) in every order, as timed plans."""
    ids = [v.id for v in problem.visits]
    plans = []
    for owners in itertools.product(range(3), repeat=len(ids)):
        groups = [[vid for vid, o in zip(ids, owners, strict=True) if o == k] for k in (1, 2)]
        for first in itertools.permutations(groups[0]):
            for second in itertools.permutations(groups[1]):
                plans.append(assemble(problem, [list(first), list(second)]))
    return plans


def test_the_solver_matches_brute_force_on_a_two_worker_day(two_worker_day: Problem) -> None:
    feasible = [p for p in every_plan(two_worker_day) if not violations(two_worker_day, p)]
    best = min(p.cost() for p in feasible)
    plan = solve(two_worker_day, time_limit=1.0)
    assert plan.is_feasible()
    assert plan.cost() == best


def test_the_polish_takes_the_worst_plan_of_a_small_day_to_its_optimum(
    two_worker_day: Problem,
) -> None:
    feasible = [p for p in every_plan(two_worker_day) if not violations(two_worker_day, p)]
    best = min(p.cost() for p in feasible)
    worst = max(feasible, key=Plan.cost)
    polished = solver.polish_plan(two_worker_day, worst, time.perf_counter() + 0.5)
    assert polished.is_feasible()
    assert polished.cost() == best < worst.cost()


def test_recombining_the_routes_of_every_plan_of_a_small_day_gives_its_optimum(
    two_worker_day: Problem,
) -> None:
    feasible = [p for p in every_plan(two_worker_day) if not violations(two_worker_day, p)]
    best = min(p.cost() for p in feasible)
    ctx = Context.of(two_worker_day)
    ctx.day.pooling()
    for plan in feasible:  # pricing a plan pools its routes, as the search's rounds do
        ctx.day.cost(ctx.instance.to_indices(ids_of(two_worker_day, plan)))
    worst = max(feasible, key=Plan.cost)
    start = ctx.instance.to_indices(ids_of(two_worker_day, worst))
    found = recombine(ctx, pool_of(ctx), start, time.perf_counter() + 5)
    assert found is not None
    recombined = assemble(two_worker_day, ctx.instance.to_ids(found))
    assert recombined.is_feasible()
    assert recombined.cost() == best < worst.cost()


def test_the_recombination_keeps_a_plan_no_pooled_routes_improve(two_worker_day: Problem) -> None:
    feasible = [p for p in every_plan(two_worker_day) if not violations(two_worker_day, p)]
    best = min(feasible, key=Plan.cost)
    ctx = Context.of(two_worker_day)
    ctx.day.pooling()
    for plan in feasible:
        ctx.day.cost(ctx.instance.to_indices(ids_of(two_worker_day, plan)))
    start = ctx.instance.to_indices(ids_of(two_worker_day, best))
    assert recombine(ctx, pool_of(ctx), start, time.perf_counter() + 5) is None


def ids_of(problem: Problem, plan: Plan) -> list[list[str]]:
    """The plan's visit ids per worker, in the problem's worker order."""
    return plan.visit_ids([w.id for w in problem.workers])


def pool_of(ctx: Context) -> RoutePool:
    """The routes the context's costs pooled."""
    assert ctx.day.pool is not None
    return ctx.day.pool


def test_recombining_three_workers_two_at_a_time_reaches_the_optimum_of_a_small_day(
    make_problem: MakeProblem,
) -> None:
    # Short shifts: five visits do not all fit, so which worker serves what, and what is left
    # out, decides the cost.
    shift = TimeWindow(8 * HOUR, 10 * HOUR)
    day = make_problem(
        [worker(f"w{k}", shift=shift) for k in (1, 2, 3)],
        [visit(f"v{i}", 1 + 2 * i, priority=(Priority.DUE, Priority.OPTIONAL)[i % 2])
         for i in range(5)],
    )
    plans = []
    for owners in itertools.product(range(4), repeat=5):
        groups = [[f"v{i}" for i in range(5) if owners[i] == k] for k in (1, 2, 3)]
        for orders in itertools.product(*(itertools.permutations(g) for g in groups)):
            plans.append(assemble(day, [list(o) for o in orders]))
    feasible = [p for p in plans if not violations(day, p)]
    ctx = Context.of(day)
    ctx.day.pooling()
    for plan in feasible:
        ctx.day.cost(ctx.instance.to_indices(ids_of(day, plan)))
    worst = max(feasible, key=Plan.cost)
    found = recombine(ctx, pool_of(ctx), ctx.instance.to_indices(ids_of(day, worst)),
                      time.perf_counter() + 5)
    assert found is not None
    recombined = assemble(day, ctx.instance.to_ids(found))
    assert recombined.is_feasible()
    assert recombined.cost() == min(p.cost() for p in feasible) < worst.cost()
