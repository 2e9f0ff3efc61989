"""Exact timing of a fixed sequence of visits: earliest starts, lunch placed where it fits.

The solver only decides *who visits whom in which order*; the times shown to a worker are
computed here from the matrices, so they never depend on how OR-Tools fills its cumul values.
Earliest starts dominate with waiting allowed, and for each place the lunch could go, taking it
as early as possible there dominates too, so trying every place is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.plan import Route, Stop
from scheduler.problem import Problem, TimeWindow, Worker


@dataclass(frozen=True)
class _Timing:
    route: Route
    feasible: bool


def earliest_start(windows: tuple[TimeWindow, ...], arrival: int) -> int | None:
    """The first moment at or after `arrival` inside one of the windows, or None."""
    starts = [max(arrival, w.start) for w in windows if arrival <= w.end]
    return min(starts) if starts else None


def time_route(problem: Problem, worker: Worker, visit_ids: list[str]) -> tuple[Route, bool]:
    """The route with the earliest feasible times for this order, and whether it is feasible.

    When no timing is feasible the returned route is the best effort with lunch in the first
    leg; the validator then names what is wrong.
    """
    options = range(len(visit_ids) + 2) if worker.lunch else [None]
    timings = [_time_with_lunch_in(problem, worker, visit_ids, leg) for leg in options]
    feasible = [t for t in timings if t.feasible]
    if feasible:
        return min(feasible, key=lambda t: t.route.end).route, True
    return timings[0].route, False


def _time_with_lunch_in(
    problem: Problem, worker: Worker, visit_ids: list[str], lunch_leg: int | None
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
        start = earliest_start(visit.windows, ready)
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
