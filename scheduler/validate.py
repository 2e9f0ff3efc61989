"""Our own feasibility check of a plan, recomputed from the problem's matrices.

Independent of OR-Tools on purpose: a modelling slip in the solver shows up here as a violation
instead of reaching a social worker's phone as an impossible route. It reads a plan by the
shape below (what `scheduler.plan` holds), so that `plan` depends on it and not the reverse.

A visit for two is on exactly two workers' routes (or dropped), who between them hold its
skills and partner skills, start within its tolerance of each other and name each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from scheduler.problem import Problem, Visit, Worker


class StopLike(Protocol):
    """A served visit as a plan reports it."""

    @property
    def visit_id(self) -> str: ...
    @property
    def arrival(self) -> int: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def partner_worker_id(self) -> str | None: ...


class RouteLike(Protocol):
    """A worker's day as a plan reports it."""

    @property
    def worker_id(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def stops(self) -> Sequence[StopLike]: ...
    @property
    def break_start(self) -> int | None: ...
    @property
    def travel_time(self) -> int: ...
    @property
    def distance(self) -> int: ...


class DroppedLike(Protocol):
    """A visit a plan leaves out."""

    @property
    def visit_id(self) -> str: ...


class PlanLike(Protocol):
    """What the validator reads of a plan."""

    @property
    def routes(self) -> Sequence[RouteLike]: ...
    @property
    def dropped(self) -> Sequence[DroppedLike]: ...


def violations(problem: Problem, plan: PlanLike) -> list[str]:
    """Every hard rule the plan breaks, as readable messages; empty when it is feasible."""
    known = {v.id for v in problem.visits}
    found = _coverage(problem, plan, known)
    for route in plan.routes:
        # A stop of an unknown visit is reported by `_coverage`; its rules cannot be read.
        if all(s.visit_id in known for s in route.stops):
            found += _route_violations(problem, route)
    if problem.has_pairs:
        found += _pair_violations(problem, plan)
    return found


def _coverage(problem: Problem, plan: PlanLike, known: set[str]) -> list[str]:
    counts = Counter(s.visit_id for r in plan.routes for s in r.stops)
    counts.update(d.visit_id for d in plan.dropped)
    pairs = {v.id for v in problem.visits if v.needs_two}
    found = [
        f"visit {vid} appears {n} times"
        for vid, n in counts.items()
        if n > (2 if vid in pairs else 1)
    ]
    found += [f"unknown visit {vid}" for vid in counts if vid not in known]
    found += [f"visit {vid} is neither served nor dropped" for vid in known - counts.keys()]
    worker_counts = Counter(r.worker_id for r in plan.routes)
    found += [f"worker {wid} has {n} routes" for wid, n in worker_counts.items() if n > 1]
    found += [
        f"unknown worker {wid}"
        for wid in worker_counts
        if wid not in {w.id for w in problem.workers}
    ]
    return found


def _route_violations(problem: Problem, route: RouteLike) -> list[str]:
    try:
        worker = problem.worker(route.worker_id)
    except StopIteration:
        return []
    if not route.stops:
        return []
    found = _rule_violations(problem, route, worker)
    found += _timing_violations(problem, route, worker)
    return found


def _rule_violations(problem: Problem, route: RouteLike, worker: Worker) -> list[str]:
    found = []
    wid = worker.id
    for position, stop in enumerate(route.stops):
        visit = problem.visit(stop.visit_id)
        if visit.needs_two:
            continue  # who may serve it is a question for both its workers: `_pair_violations`
        if not visit.skills <= worker.skills:
            found.append(
                f"{wid} lacks skills {sorted(visit.skills - worker.skills)} for {visit.id}"
            )
        if visit.pinned_worker is not None and visit.pinned_worker != wid:
            found.append(f"{visit.id} is pinned to {visit.pinned_worker}, served by {wid}")
        if visit.pinned_position is not None and visit.pinned_position != position:
            found.append(f"{visit.id} is pinned at {visit.pinned_position}, found at {position}")
    if worker.max_visits is not None and len(route.stops) > worker.max_visits:
        found.append(f"{wid} has {len(route.stops)} visits, more than {worker.max_visits}")
    load = sum(problem.visit(s.visit_id).load for s in route.stops)
    if worker.capacity is not None and load > worker.capacity:
        found.append(f"{wid} carries {load}, more than its capacity {worker.capacity}")
    return found


def _timing_violations(problem: Problem, route: RouteLike, worker: Worker) -> list[str]:
    wid = worker.id
    found = []
    if route.start < worker.shift.start:
        found.append(f"{wid} leaves at {route.start}, before the shift starts")
    if route.end > worker.shift.end:
        found.append(f"{wid} is back at {route.end}, after the shift ends at {worker.shift.end}")
    legs = _legs(problem, route, worker)
    lunch_leg, lunch_found = _place_lunch(route, worker, legs)
    found += lunch_found
    for i, leg in enumerate(legs):
        lunch = worker.lunch.duration if (worker.lunch and i == lunch_leg) else 0
        if leg.arrive_by - leg.free_at < leg.travel + lunch:
            found.append(f"{wid} cannot reach {leg.to} by {leg.arrive_by}: too little time")
    for i, (stop, leg) in enumerate(zip(route.stops, legs, strict=False)):
        visit = problem.visit(stop.visit_id)
        if stop.arrival != route_arrival(leg, route, worker, i == lunch_leg):
            found.append(f"{wid} reports arriving at {visit.id} at {stop.arrival}: wrong")
        if not any(w.contains(stop.start) for w in visit.windows):
            found.append(f"{wid} starts {visit.id} at {stop.start}, outside its time windows")
        if stop.end != stop.start + visit.service:
            found.append(f"{visit.id} ends at {stop.end}, not start + service")
    travel = sum(leg.travel for leg in legs)
    distance = sum(leg.distance for leg in legs)
    if (route.travel_time, route.distance) != (travel, distance):
        found.append(
            f"{wid} reports travel {route.travel_time} s / {route.distance} m, "
            f"recomputed {travel} s / {distance} m"
        )
    return found


def _pair_violations(problem: Problem, plan: PlanLike) -> list[str]:
    """Visits for two: served by two different workers or dropped, never half of it; the
    two hold the skills between them, start within the tolerance and name each other."""
    stops: dict[str, list[tuple[str, StopLike]]] = {}
    for route in plan.routes:
        for stop in route.stops:
            stops.setdefault(stop.visit_id, []).append((route.worker_id, stop))
    dropped = {d.visit_id for d in plan.dropped}
    found = []
    for visit in problem.visits:
        served = stops.get(visit.id, [])
        if not visit.needs_two or not served or len(served) > 2:
            continue  # nothing to check, or reported by `_coverage` (served more than twice)
        if len(served) == 1:
            also = " and is also dropped" if visit.id in dropped else ""
            found.append(
                f"visit {visit.id} needs two workers but only {served[0][0]} serves it{also}"
            )
            continue
        if visit.id in dropped:
            found.append(f"visit {visit.id} is dropped but its two workers serve it")
        found += _team_violations(problem, visit, served)
    return found


def _team_violations(
    problem: Problem, visit: Visit, served: list[tuple[str, StopLike]]
) -> list[str]:
    (first, a), (second, b) = served
    if first == second:
        return [f"visit {visit.id} needs two workers but both halves are on {first}"]
    found = []
    skills = {wid: problem.worker(wid).skills for wid in (first, second) if _known(problem, wid)}
    if len(skills) == 2 and not any(
        visit.skills <= skills[lead] and visit.partner_skills <= skills[other]
        for lead, other in ((first, second), (second, first))
    ):
        found.append(
            f"{first} and {second} lack the skills for {visit.id}: one needs "
            f"{sorted(visit.skills)}, the other {sorted(visit.partner_skills)}"
        )
    if visit.pinned_worker is not None and visit.pinned_worker not in (first, second):
        found.append(
            f"{visit.id} is pinned to {visit.pinned_worker}, served by {first} and {second}"
        )
    gap = abs(a.start - b.start)
    if gap > visit.sync_tolerance:
        found.append(
            f"{visit.id} needs two workers together: {first} starts at {a.start} and "
            f"{second} at {b.start}, {gap} s apart, more than its tolerance of "
            f"{visit.sync_tolerance} s"
        )
    for wid, stop, other in ((first, a, second), (second, b, first)):
        if stop.partner_worker_id != other:
            found.append(
                f"{wid}'s stop at {visit.id} names partner {stop.partner_worker_id}, "
                f"but {other} serves it with {wid}"
            )
    return found


def _known(problem: Problem, worker_id: str) -> bool:
    return any(w.id == worker_id for w in problem.workers)


@dataclass(frozen=True)
class Leg:
    """One trip: free to leave at `free_at`, must arrive by `arrive_by` (the next start)."""

    to: str
    free_at: int
    arrive_by: int
    travel: int
    distance: int


def _legs(problem: Problem, route: RouteLike, worker: Worker) -> list[Leg]:
    legs = []
    location, free_at = worker.start_location, route.start
    for stop in route.stops:
        visit = problem.visit(stop.visit_id)
        legs.append(_leg(problem, location, visit.location, visit.id, free_at, stop.start))
        location, free_at = visit.location, stop.end
    legs.append(_leg(problem, location, worker.end_location, "the end", free_at, route.end))
    return legs


def _leg(problem: Problem, a: int, b: int, to: str, free_at: int, arrive_by: int) -> Leg:
    return Leg(to, free_at, arrive_by, problem.durations[a][b], problem.distances[a][b])


def route_arrival(leg: Leg, route: RouteLike, worker: Worker, has_lunch: bool) -> int:
    """When the worker reaches the end of a leg: travel right away, lunch on the way if due."""
    arrival = leg.free_at + leg.travel
    if has_lunch and worker.lunch and route.break_start is not None and route.break_start < arrival:
        arrival += worker.lunch.duration
    return arrival


def _place_lunch(route: RouteLike, worker: Worker, legs: list[Leg]) -> tuple[int | None, list[str]]:
    """The leg holding the lunch (None if before/after the route) and any lunch violations."""
    if worker.lunch is None:
        return None, []
    wid = worker.id
    if route.break_start is None:
        return None, [f"{wid} has no lunch break"]
    start, end = route.break_start, route.break_start + worker.lunch.duration
    found = []
    if not worker.lunch.window.contains(start):
        found.append(f"{wid}'s lunch starts at {start}, outside its window")
    if worker.shift.start <= start and end <= route.start:
        return None, found
    if route.end <= start and end <= worker.shift.end:
        return None, found
    for i, leg in enumerate(legs):
        if leg.free_at <= start and end <= leg.arrive_by:
            return i, found
    return None, [*found, f"{wid}'s lunch {start}-{end} overlaps a visit"]
