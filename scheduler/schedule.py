"""Exact timing of a fixed sequence of visits: earliest starts, lunch placed where it fits.

The solver only decides *who visits whom in which order*; the times shown to a worker are
computed here from the matrices, so they never depend on how OR-Tools fills its cumul values.
Earliest starts dominate with waiting allowed, and for each place the lunch could go, taking it
as early as possible there dominates too, so trying every place is exact.

A visit two workers serve together is timed on each route alone, inside a common start
window [t, t + its tolerance] (`sync`: t by visit id), so both starts fall within the
tolerance of each other; `synchronise` finds such a t where the search did not give one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scheduler.plan import Route, Stop
from scheduler.problem import Problem, TimeWindow, Visit, Worker


@dataclass(frozen=True)
class _Timing:
    route: Route
    feasible: bool


def earliest_start(windows: tuple[TimeWindow, ...], arrival: int) -> int | None:
    """The first moment at or after `arrival` inside one of the windows, or None."""
    starts = [max(arrival, w.start) for w in windows if arrival <= w.end]
    return min(starts) if starts else None


def sync_windows(visit: Visit, t: int) -> tuple[TimeWindow, ...]:
    """A visit's windows narrowed to the common start window [t, t + its tolerance] of the
    two workers who serve it together (empty when they do not meet)."""
    end = t + visit.sync_tolerance
    return tuple(
        TimeWindow(max(w.start, t), min(w.end, end))
        for w in visit.windows
        if w.start <= end and t <= w.end
    )


def time_route(
    problem: Problem, worker: Worker, visit_ids: list[str], sync: Mapping[str, int] | None = None
) -> tuple[Route, bool]:
    """The route with the earliest feasible times for this order, and whether it is feasible.

    `sync` gives the common start window of visits for two by id (see `sync_windows`);
    their other worker's route is timed apart. When no timing is feasible the returned route
    is the best effort with lunch in the first leg; the validator then names what is wrong.
    """
    options = range(len(visit_ids) + 2) if worker.lunch else [None]
    timings = [_time_with_lunch_in(problem, worker, visit_ids, leg, sync) for leg in options]
    feasible = [t for t in timings if t.feasible]
    if feasible:
        return min(feasible, key=lambda t: t.route.end).route, True
    return timings[0].route, False


def _time_with_lunch_in(
    problem: Problem,
    worker: Worker,
    visit_ids: list[str],
    lunch_leg: int | None,
    sync: Mapping[str, int] | None,
) -> _Timing:
    """Forward pass; `lunch_leg` i < len(visits) + 1 is the trip into stop i, the last is after."""
    lunch = worker.lunch
    ok = True
    stops: list[Stop] = []
    location, free_at = worker.start_location, worker.shift.start
    break_start = None
    travel_total = distance_total = 0
    for i, vid in enumerate([*visit_ids, None]):
        target = worker.end_location if vid is None else problem.visit(vid).location
        travel = problem.durations[location][target]
        travel_total += travel
        distance_total += problem.distances[location][target]
        arrival = free_at + travel
        ready = arrival
        if lunch and i == lunch_leg:
            break_start = max(free_at, lunch.window.start)
            ok &= break_start <= lunch.window.end
            if break_start < arrival:
                arrival += lunch.duration
            ready = max(arrival, break_start + lunch.duration)
        if vid is None:
            end = ready
            break
        visit = problem.visit(vid)
        windows = visit.windows if not sync or vid not in sync else sync_windows(visit, sync[vid])
        start = earliest_start(windows, ready)
        if start is None:
            ok, start = False, ready
        stops.append(Stop(vid, arrival, start, start + visit.service))
        location, free_at = visit.location, start + visit.service
    ok &= end <= worker.shift.end
    if lunch and lunch_leg == len(visit_ids) + 1:
        break_start = max(end, lunch.window.start)
        ok &= break_start <= lunch.window.end and break_start + lunch.duration <= worker.shift.end
    departure = _latest_departure(problem, worker, stops, lunch_leg)
    if stops and departure > worker.shift.start:
        stops[0] = Stop(stops[0].visit_id, stops[0].start, stops[0].start, stops[0].end)
    route = Route(worker.id, departure, end, stops, break_start, travel_total, distance_total)
    return _Timing(route, ok)


def _latest_departure(
    problem: Problem, worker: Worker, stops: list[Stop], lunch_leg: int | None
) -> int:
    """Leave the office as late as still reaches the first stop on time: no waiting at a door."""
    if not stops or lunch_leg == 0:
        return worker.shift.start
    first = problem.visit(stops[0].visit_id)
    return max(
        worker.shift.start,
        stops[0].start - problem.durations[worker.start_location][first.location],
    )


def synchronise(
    problem: Problem, routes: list[list[str]], given: Mapping[str, int] | None = None
) -> dict[str, int]:
    """The common start window of every visit for two that these routes serve on two
    workers: `given` ones kept, the others found by timing the routes.

    Where the two starts are further apart than the tolerance, the earlier one is pushed to
    the later minus the tolerance and the routes are timed again; starts only move later, so
    this ends at the earliest common starts, or (when pushing makes a route late) with the
    visit left to the validator.
    """
    sync = dict(given or {})
    where: dict[str, list[tuple[int, int]]] = {}
    for k, ids in enumerate(routes):
        for p, vid in enumerate(ids):
            if vid not in sync and problem.visit(vid).needs_two:
                where.setdefault(vid, []).append((k, p))
    open_ = {vid: at for vid, at in where.items() if len(at) == 2 and at[0][0] != at[1][0]}
    for _ in range(2 * len(open_) + 2 if open_ else 0):
        timed = [
            time_route(problem, w, ids, sync)[0]
            for w, ids in zip(problem.workers, routes, strict=True)
        ]
        pushed = False
        for vid, ((k1, p1), (k2, p2)) in open_.items():
            first, second = timed[k1].stops[p1].start, timed[k2].stops[p2].start
            t = max(first, second) - problem.visit(vid).sync_tolerance
            if t > min(first, second) and t > sync.get(vid, t - 1):
                sync[vid], pushed = t, True
        if not pushed:
            break
    return sync
