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
    """Every assignment of visits to (drop, w1, w2, ...) in every order, as timed plans."""
    ids = [v.id for v in problem.visits]
    workers = range(1, len(problem.workers) + 1)
    plans = []
    for owners in itertools.product(range(len(workers) + 1), repeat=len(ids)):
        groups = [[vid for vid, o in zip(ids, owners, strict=True) if o == k] for k in workers]
        for orders in itertools.product(*(itertools.permutations(g) for g in groups)):
            plans.append(assemble(problem, [list(order) for order in orders]))
    return plans


def feasible_plans(problem: Problem) -> list[Plan]:
    """Every plan of `every_plan` our validator accepts."""
    return [p for p in every_plan(problem) if not violations(problem, p)]


def pooled(problem: Problem, plans: list[Plan]) -> tuple[Context, RoutePool]:
    """A search context whose route pool holds every route of these plans, priced as the
    search's rounds price theirs."""
    ctx = Context.of(problem)
    ctx.day.pooling()
    for plan in plans:
        ctx.day.cost(ctx.instance.to_indices(ids_of(problem, plan)))
    assert ctx.day.pool is not None
    return ctx, ctx.day.pool


def test_the_solver_matches_brute_force_on_a_two_worker_day(two_worker_day: Problem) -> None:
    feasible = feasible_plans(two_worker_day)
    best = min(p.cost() for p in feasible)
    plan = solve(two_worker_day, time_limit=1.0)
    assert plan.is_feasible()
    assert plan.cost() == best


def test_the_polish_takes_the_worst_plan_of_a_small_day_to_its_optimum(
    two_worker_day: Problem,
) -> None:
    feasible = feasible_plans(two_worker_day)
    best = min(p.cost() for p in feasible)
    worst = max(feasible, key=Plan.cost)
    polished = solver.polish_plan(two_worker_day, worst, time.perf_counter() + 0.5)
    assert polished.is_feasible()
    assert polished.cost() == best < worst.cost()


def test_recombining_the_routes_of_every_plan_of_a_small_day_gives_its_optimum(
    two_worker_day: Problem,
) -> None:
    assert_recombined_from_worst_to_optimum(two_worker_day)


def test_the_recombination_keeps_a_plan_no_pooled_routes_improve(two_worker_day: Problem) -> None:
    feasible = feasible_plans(two_worker_day)
    ctx, pool = pooled(two_worker_day, feasible)
    start = ctx.instance.to_indices(ids_of(two_worker_day, min(feasible, key=Plan.cost)))
    assert recombine(ctx, pool, start, time.perf_counter() + 5) is None


def ids_of(problem: Problem, plan: Plan) -> list[list[str]]:
    """The plan's visit ids per worker, in the problem's worker order."""
    return plan.visit_ids([w.id for w in problem.workers])


def assert_recombined_from_worst_to_optimum(problem: Problem) -> None:
    """From the day's worst feasible plan, with every feasible route pooled, the recombination
    reaches the enumerated optimum."""
    feasible = feasible_plans(problem)
    ctx, pool = pooled(problem, feasible)
    worst = max(feasible, key=Plan.cost)
    found = recombine(ctx, pool, ctx.instance.to_indices(ids_of(problem, worst)),
                      time.perf_counter() + 5)
    assert found is not None
    recombined = assemble(problem, ctx.instance.to_ids(found))
    assert recombined.is_feasible()
    assert recombined.cost() == min(p.cost() for p in feasible) < worst.cost()


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
    assert_recombined_from_worst_to_optimum(day)
