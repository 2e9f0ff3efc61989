"""The problem in visit indices, converted once per search process for every step to share.

Visit i is `problem.visits[i]` and worker k `problem.workers[k]`; a route is a list of visit
indices. `to_ids` and `to_indices` are the one place routes change between indices and ids.
"""

from __future__ import annotations

from dataclasses import astuple, replace

from scheduler.problem import Problem
from scheduler.rules import COST_SCALE, allowed_workers, drop_penalties

Routes = list[list[int]]


class Instance:
    """Plain lists by visit index: where, when, how long, how much, who may and who is wished."""

    def __init__(self, problem: Problem) -> None:
        visits = problem.visits
        self.problem = problem
        self.workers = problem.workers
        self.durations, self.distances = problem.durations, problem.distances
        self.weights = w = problem.weights
        self.ids = [v.id for v in visits]
        self.index = {v.id: i for i, v in enumerate(visits)}
        self.location = [v.location for v in visits]
        self.service = [v.service for v in visits]
        self.windows = [sorted((tw.start, tw.end) for tw in v.windows) for v in visits]
        # Most visits have one window: the hot loops test it inline instead of calling
        # `timing.earliest` (a third of ruin and recreate's time went to that call).
        self.single = [ws[0] if len(ws) == 1 else None for ws in self.windows]
        # Travel times into each location (the matrix's columns), for insertions.
        self.into = [list(column) for column in zip(*problem.durations, strict=True)]
        self.load = [v.load for v in visits]
        by_priority = drop_penalties(problem)
        self.penalty = [by_priority[v.priority.value] for v in visits]
        self.mandatory = [v.priority.mandatory for v in visits]
        self.all_penalties = sum(self.penalty)
        self.mandatory_penalties = sum(
            p for p, m in zip(self.penalty, self.mandatory, strict=True) if m
        )
        worker_ids = [wk.id for wk in problem.workers]
        self.allowed = [
            {worker_ids.index(wk.id) for wk in allowed_workers(problem, v)} for v in visits
        ]
        self.pinned = {i for i, v in enumerate(visits) if v.pinned_worker is not None}
        self.pinned_positions = any(v.pinned_position is not None for v in visits)
        # Cost units of each arc (travel weights only), by location.
        self.arc = [
            [
                COST_SCALE * (w.travel_second * s + w.travel_metre * m)
                for s, m in zip(rs, rm, strict=True)
            ]
            for rs, rm in zip(problem.durations, problem.distances, strict=True)
        ]
        self.arc_into = [list(column) for column in zip(*self.arc, strict=True)]
        self.wish = [
            [
                COST_SCALE * w.not_preferred_worker
                if v.preferred_worker not in (None, wid)
                else 0.0
                for v in visits
            ]
            for wid in worker_ids
        ]
        # Workers alike in every rule and wish: of their empty routes only the first need be
        # tried, since the others offer the very same places.
        kinds: dict[tuple[object, ...], int] = {}
        self.kind = [
            kinds.setdefault((*astuple(replace(wk, id="")), tuple(self.wish[k])), len(kinds))
            for k, wk in enumerate(problem.workers)
        ]

    def to_ids(self, routes: Routes) -> list[list[str]]:
        """Visit ids per worker for routes of visit indices."""
        ids = self.ids
        return [[ids[i] for i in order] for order in routes]

    def to_indices(self, routes: list[list[str]]) -> Routes:
        """Visit indices per worker for routes of visit ids."""
        index = self.index
        return [[index[v] for v in order] for order in routes]
