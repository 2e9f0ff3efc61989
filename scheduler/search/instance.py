"""The problem in visit indices, converted once per search process for every step to share.

Visit i < n is `problem.visits[i]` and worker k `problem.workers[k]`; a route is a list of
visit indices. `to_ids` and `to_indices` are the one place routes change between indices and
ids.

A visit for two has two halves: its own index i (the half with its skills, penalty and wish)
and a second one after the visits (`rules.halves`), as the OR-Tools model numbers them. On a
route the search holds instead a pair of *synchronised* halves (`synchronised`): the same
visit with its start window narrowed to [t, t + tolerance] for a t both routes can keep, so
each route is timed alone and every step's timing and costs work on them unchanged. Each
such pair gets indices of its own, added to the lists below as the search meets it.
"""

from __future__ import annotations

from dataclasses import astuple, replace

from scheduler.problem import Problem, TimeWindow
from scheduler.rules import COST_SCALE, allowed_workers, drop_penalties, halves, partner_workers
from scheduler.schedule import sync_windows

Routes = list[list[int]]


class Instance:
    """Plain lists by visit index: where, when, how long, how much, who may and who is wished."""

    def __init__(self, problem: Problem) -> None:
        visits = problem.visits
        nodes = halves(problem)
        self.problem = problem
        self.n = len(visits)
        self.workers = problem.workers
        self.durations, self.distances = problem.durations, problem.distances
        self.weights = w = problem.weights
        self.ids = [v.id for v in nodes]
        self.index = {v.id: i for i, v in enumerate(visits)}
        self.location = [v.location for v in nodes]
        self.service = [v.service for v in nodes]
        self.windows = [sorted((tw.start, tw.end) for tw in v.windows) for v in nodes]
        # Most visits have one window: the hot loops test it inline instead of calling
        # `timing.earliest` (a third of ruin and recreate's time went to that call).
        self.single = [ws[0] if len(ws) == 1 else None for ws in self.windows]
        # Travel times into each location (the matrix's columns), for insertions.
        self.into = [list(column) for column in zip(*problem.durations, strict=True)]
        self.load = [v.load for v in nodes]
        by_priority = drop_penalties(problem)
        # The second half of a visit for two is free to leave out: its first half pays.
        seconds = len(nodes) - self.n
        self.penalty = [by_priority[v.priority.value] for v in visits] + [0] * seconds
        self.mandatory = [v.priority.mandatory for v in visits] + [False] * seconds
        self.all_penalties = sum(self.penalty)
        self.mandatory_penalties = sum(
            p for p, m in zip(self.penalty, self.mandatory, strict=True) if m
        )
        worker_ids = [wk.id for wk in problem.workers]
        self.allowed = [
            {worker_ids.index(wk.id) for wk in allowed_workers(problem, v)} for v in visits
        ]
        self.allowed += [
            {worker_ids.index(wk.id) for wk in partner_workers(problem, v)}
            for v in visits
            if v.needs_two
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
            + [0.0] * seconds
            for wid in worker_ids
        ]
        # Workers alike in every rule and wish: of their empty routes only the first need be
        # tried, since the others offer the very same places.
        kinds: dict[tuple[object, ...], int] = {}
        self.kind = [
            kinds.setdefault((*astuple(replace(wk, id="")), tuple(self.wish[k])), len(kinds))
            for k, wk in enumerate(problem.workers)
        ]
        self._pairs_init(problem)

    def _pairs_init(self, problem: Problem) -> None:
        """Which indices are halves of a visit for two, and of which (see the module)."""
        pairs = [i for i, v in enumerate(problem.visits) if v.needs_two]
        self.pairs = pairs
        # For every index: the visit it serves (its first half's index), the other half's
        # index (-1: a visit one worker serves) and, for synchronised halves, the start of
        # their common window.
        self.base = list(range(self.n)) + pairs
        self.twin = [-1] * len(self.ids)
        for j, i in enumerate(pairs, start=self.n):
            self.twin[i], self.twin[j] = j, i
        self.sync: list[int | None] = [None] * len(self.ids)
        self.tolerance = {i: problem.visits[i].sync_tolerance for i in pairs}
        worker_ids = [wk.id for wk in problem.workers]
        wished = {i: problem.visits[i].preferred_worker for i in pairs}
        self.preferred = {i: None if w is None else worker_ids.index(w) for i, w in wished.items()}
        self._synchronised: dict[tuple[int, int, bool], tuple[int, int] | None] = {}

    def synchronised(self, i: int, t: int, with_preferred: bool) -> tuple[int, int] | None:
        """The indices of the two halves of visit for two i starting in [t, t + tolerance]
        (None when that misses its windows); `with_preferred`: one of its two workers is the
        preferred one, so its first half carries no wish."""
        key = (i, t, with_preferred)
        if key in self._synchronised:
            return self._synchronised[key]
        windows = sync_windows(self.problem.visits[i], t)
        found = None
        if windows:
            first = self._add_half(i, t, windows, with_preferred)
            second = self._add_half(self.twin[i], t, windows, True)
            self.twin[first], self.twin[second] = second, first
            found = (first, second)
        self._synchronised[key] = found
        return found

    def _add_half(self, half: int, t: int, windows: tuple[TimeWindow, ...], no_wish: bool) -> int:
        """A new index: base half `half` synchronised at t (these windows)."""
        new = len(self.ids)
        spans = sorted((tw.start, tw.end) for tw in windows)
        self.ids.append(self.ids[half])
        self.location.append(self.location[half])
        self.service.append(self.service[half])
        self.windows.append(spans)
        self.single.append(spans[0] if len(spans) == 1 else None)
        self.load.append(self.load[half])
        self.penalty.append(self.penalty[half])
        self.mandatory.append(self.mandatory[half])
        self.allowed.append(self.allowed[half])
        for row in self.wish:
            row.append(0.0 if no_wish else row[half])
        self.base.append(self.base[half])
        self.twin.append(-1)
        self.sync.append(t)
        return new

    def sync_of(self, routes: Routes) -> dict[str, int]:
        """The common start window of each visit for two these routes serve, by visit id."""
        if not self.pairs:
            return {}
        sync, ids = self.sync, self.ids
        return {ids[i]: t for order in routes for i in order if (t := sync[i]) is not None}

    def to_ids(self, routes: Routes) -> list[list[str]]:
        """Visit ids per worker for routes of visit indices."""
        ids = self.ids
        return [[ids[i] for i in order] for order in routes]

    def to_indices(self, routes: list[list[str]]) -> Routes:
        """Visit indices per worker for routes of visit ids: a visit for two's first half
        where its worker has its skills, the second half on its other route."""
        index = self.index
        found = [[index[v] for v in order] for order in routes]
        if not self.pairs:
            return found
        where: dict[int, list[tuple[int, int]]] = {}
        for k, order in enumerate(found):
            for p, i in enumerate(order):
                if self.twin[i] >= 0:
                    where.setdefault(i, []).append((k, p))
        for i, at in where.items():
            if len(at) != 2:
                continue
            second = at[1] if at[0][0] in self.allowed[i] else at[0]
            found[second[0]][second[1]] = self.twin[i]
        return found
