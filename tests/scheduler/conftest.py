"""Fixtures: small problems on a straight road whose best plans can be worked out by hand.

Location k sits k km east of the office (location 0); a km takes 300 s, so travel between
locations i and j is 300 * |i - j| seconds and 1000 * |i - j| metres.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scheduler import Break, CostWeights, Priority, Problem, TimeWindow, Visit, Worker
from scheduler.search.context import Context

HOUR = 3600
DAY = TimeWindow(8 * HOUR, 17 * HOUR)
SECONDS_PER_KM = 300


def road(n: int) -> tuple[list[list[int]], list[list[int]]]:
    """Durations and distances for n locations along one road."""
    durations = [[SECONDS_PER_KM * abs(i - j) for j in range(n)] for i in range(n)]
    distances = [[1000 * abs(i - j) for j in range(n)] for i in range(n)]
    return durations, distances


def worker(wid: str = "w1", **kwargs: Any) -> Worker:
    """A worker based at the office with a full day shift unless told otherwise."""
    kwargs.setdefault("shift", DAY)
    return Worker(wid, kwargs.pop("start_location", 0), kwargs.pop("end_location", 0), **kwargs)


def visit(vid: str, location: int, **kwargs: Any) -> Visit:
    """A 30-minute visit open all day unless told otherwise."""
    kwargs.setdefault("windows", (DAY,))
    kwargs.setdefault("service", 1800)
    return Visit(vid, location, **kwargs)


MakeProblem = Callable[..., Problem]
IndexRoutes = list[list[int]]


def on_ids(
    step: Callable[..., IndexRoutes], problem: Problem, routes: list[list[str]], **budget: Any
) -> list[list[str]]:
    """Run a search step, which works on visit indices, on routes of visit ids."""
    ctx = Context.of(problem)
    return ctx.instance.to_ids(step(ctx, ctx.instance.to_indices(routes), **budget))


@pytest.fixture
def make_problem() -> MakeProblem:
    """Factory: a problem on the road, sized to the furthest location used."""

    def make(
        workers: list[Worker], visits: list[Visit], weights: CostWeights | None = None
    ) -> Problem:
        places = [v.location for v in visits] + [w.start_location for w in workers]
        n = 1 + max(places + [w.end_location for w in workers])
        durations, distances = road(max(n, 2))
        return Problem(workers, visits, durations, distances, weights or CostWeights())

    return make


@pytest.fixture
def two_worker_day(make_problem: MakeProblem) -> Problem:
    """Two workers, six visits of mixed priority, a lunch each: the everyday shape."""
    lunch = Break(TimeWindow(11 * HOUR + 1800, 13 * HOUR), 3600)
    workers = [
        worker("w1", lunch=lunch, skills=frozenset({"counselling"})),
        worker("w2", lunch=lunch),
    ]
    visits = [
        visit("a", 1, priority=Priority.URGENT),
        visit("b", 2, skills=frozenset({"counselling"})),
        visit("c", 3, windows=(TimeWindow(9 * HOUR, 10 * HOUR),)),
        visit("d", 4, priority=Priority.OVERDUE, preferred_worker="w2"),
        visit("e", 5, priority=Priority.OPTIONAL),
        visit("f", 6, windows=(TimeWindow(14 * HOUR, 15 * HOUR),)),
    ]
    return make_problem(workers, visits)
