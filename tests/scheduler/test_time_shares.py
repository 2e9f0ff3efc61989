"""How a solve shares its time limit among search runs: one start or two in each process."""

from __future__ import annotations

import pytest

from scheduler import Priority, Problem, solve, solver
from scheduler.search.chain import Searched
from scheduler.search.context import Context
from tests.scheduler.conftest import MakeProblem, visit, worker


def runs_per_process(monkeypatch: pytest.MonkeyPatch, problem: Problem, limit: float) -> list[int]:
    """Solve with the searches replaced by a recorder: how many runs each process was given."""
    chains: list[int] = []

    def record(ctx: Context, chain: list[object], finish: float) -> Searched:
        chains.append(len(chain))
        return Searched([None] * len(chain), None)

    monkeypatch.setattr(solver, "search_chain", record)
    solve(problem, time_limit=limit, seed=0, processes=1)
    return chains


def day_of(make_problem: MakeProblem, visits: int) -> Problem:
    """Two workers and `visits` optional-or-due visits along the road."""
    kinds = (Priority.DUE, Priority.OPTIONAL)
    return make_problem(
        [worker("w1"), worker("w2")],
        [visit(f"v{i}", 1 + i % 9, priority=kinds[i % 2]) for i in range(visits)],
    )


def test_days_of_30_to_40_visits_search_from_two_starts(
    make_problem: MakeProblem, monkeypatch: pytest.MonkeyPatch
) -> None:
    for visits in (30, 40):
        assert runs_per_process(monkeypatch, day_of(make_problem, visits), 1.0) == [2]


def test_a_20_visit_day_keeps_one_run_for_every_round(
    make_problem: MakeProblem, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runs_per_process(monkeypatch, day_of(make_problem, 20), 1.0) == [1]


def test_no_second_start_where_halving_the_time_would_leave_no_ruin_and_recreate(
    make_problem: MakeProblem, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 0.5 s a run has 0.37 s; two would have 0.18 s each, below budget.min_recreate_share.
    assert runs_per_process(monkeypatch, day_of(make_problem, 30), 0.5) == [1]
