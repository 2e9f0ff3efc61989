"""A day's solver budget follows its size, within the configured ceiling."""

from __future__ import annotations

from backend.services.planning.job import MIN_TIME_LIMIT_S, time_limit_for


def test_a_small_day_gets_a_short_budget_and_a_large_day_the_whole_one() -> None:
    assert time_limit_for(0) == time_limit_for(7) == MIN_TIME_LIMIT_S
    assert time_limit_for(20) == 2.0
    assert time_limit_for(50) == time_limit_for(400) == 5.0


def test_the_configured_budget_stays_the_ceiling() -> None:
    assert time_limit_for(7, ceiling=0.5) == 0.5
    assert time_limit_for(400, ceiling=8.0) == 8.0
