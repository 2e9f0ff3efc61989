"""A day's solver budget follows its size, within the configured ceiling; the processes a solve
runs follow the worker's setting."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

import scheduler
from backend import runtime
from backend.config import ConfigurationError, load_settings
from backend.services.planning.job import MIN_TIME_LIMIT_S, time_limit_for
from tests.conftest import Api
from tests.planning.conftest import TownshipDay


def test_a_small_day_gets_a_short_budget_and_a_large_day_the_whole_one() -> None:
    assert time_limit_for(0) == time_limit_for(7) == MIN_TIME_LIMIT_S
    assert time_limit_for(20) == 2.0
    assert time_limit_for(50) == time_limit_for(400) == 5.0


def test_the_configured_budget_stays_the_ceiling() -> None:
    assert time_limit_for(7, ceiling=0.5) == 0.5
    assert time_limit_for(400, ceiling=8.0) == 8.0


def test_planning_processes_come_from_the_environment() -> None:
    assert load_settings({"APP_ENV": "test"}).planning_processes == 0  # the solver's default
    assert load_settings({"APP_ENV": "test", "PLANNING_PROCESSES": "1"}).planning_processes == 1
    with pytest.raises(ConfigurationError):
        load_settings({"APP_ENV": "test", "PLANNING_PROCESSES": "two"})


@pytest.mark.parametrize(("setting", "asked"), [(1, 1), (2, 2), (0, None)])
def test_the_solve_runs_the_processes_the_worker_is_set_to(
    api: Api, township_day: TownshipDay, monkeypatch: pytest.MonkeyPatch,
    setting: int, asked: int | None,
) -> None:
    runtime.configure(replace(runtime.settings(), planning_processes=setting))
    seen: list[int | None] = []
    solve = scheduler.solve

    def watched(problem: scheduler.Problem, **kwargs: Any) -> scheduler.Plan:
        seen.append(kwargs["processes"])
        return solve(problem, **{**kwargs, "processes": 1})

    monkeypatch.setattr(scheduler, "solve", watched)
    created = api.post("/api/v1/plans", "ts-a", json={
        "township_id": township_day.township_id, "date": township_day.day.isoformat()})
    assert created.status_code == 201, created.json
    assert seen == [asked]  # None: the solver's own default (up to 2, one per core)
