"""The solver finds the optimum of a small day, checked by enumerating every plan."""

from __future__ import annotations

import itertools
import time

from scheduler import Plan, Problem, solve, solver
from scheduler.assemble import assemble
from scheduler.validate import violations


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
