"""The one adapter from the domain to ``scheduler``: a township's day (candidates, shifts,
stops already held, staff's locks) and its travel matrices as a ``scheduler.Problem``.

Re-planning keeps stops already checked in at the head of their worker's route, locked or
moved visits with their worker, and inserts visits that arrived since (urgent bookings).

A visit to a client the care rules visit in twos (a category such as left-behind children,
or the client's flag: a safety risk, a psychological crisis) needs two workers who arrive
together (``care_plans.two_workers``). Once one of them has checked in, the visit is held on
that worker's route alone: the other is free to be planned again.

When the township's week is planned, a care visit it placed on another day still to come is
left to that day, and one it placed here goes to the worker it chose (``placed``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

import peewee as pw

import scheduler
from backend import runtime
from backend.errors import ValidationFailed
from backend.models import Client, ClientCategory, Plan, PlanStop, Visit
from backend.permissions import SYSTEM
from backend.services import care_plans, visits
from backend.services.care_plans import LOCAL_TZ, local_today
from backend.services.planning import placed
from backend.services.visits import VisitCandidate, WorkerDay
from scheduler.travel import OsrmError, osrm_matrices, straight_line_matrices

_log = logging.getLogger(__name__)

# The shift model gives a lunch *window* (12:00–13:30 by default); the break itself is shorter.
LUNCH_BREAK_S = 45 * 60
TRAVEL_MODE = "e_bike"


@dataclass
class GatheredDay:
    """A plan's problem and what its ids mean: candidates by key, workers, coordinates."""

    problem: scheduler.Problem
    candidates: dict[str, VisitCandidate]
    fixed: dict[str, str] = field(default_factory=dict)  # key -> finished | started | locked
    points: list[tuple[float, float]] = field(default_factory=list)  # (lat, lng) by location
    depot: dict[str, int] = field(default_factory=dict)  # worker id -> location
    travel_source: str = "straight_line"  # models.plans.TRAVEL_SOURCES
    travel_fallback_reason: str | None = None  # OsrmError's code when OSRM failed


@dataclass(frozen=True)
class _Held:
    candidate: VisitCandidate
    worker_id: int
    reason: str  # finished | started


def gather_day(plan: Plan) -> GatheredDay:
    """Candidates, shifts and the travel matrix (OSRM's roads, or straight lines by e-bike)
    as a scheduler problem."""
    workers = visits.list_workers_for_day(plan.township_id, plan.day)
    if not workers:
        raise ValidationFailed("当日没有在岗社工", code="no_workers_on_duty")
    worker_ids = {w.worker_id for w in workers}
    held = _held_stops(plan, worker_ids)
    candidates = placed.as_placed(plan.township_id, plan.day, {
        c.key: c for c in visits.list_visit_candidates(plan.township_id, plan.day, actor=SYSTEM)})
    for key, stop in held.items():
        candidates[key] = stop.candidate  # a done visit is no candidate any more: keep it
    points: list[tuple[float, float]] = []
    depot = {}
    for w in workers:
        spot = (w.start_lat, w.start_lng)
        if spot not in points:
            points.append(spot)
        depot[str(w.worker_id)] = points.index(spot)
    earliest = _now_seconds() if plan.day == local_today() else None
    problem_visits = []
    positions = _positions(held)
    twos = two_workers_by_client(candidates.values())
    for key, candidate in candidates.items():
        points.append((candidate.lat, candidate.lng))
        visit = _problem_visit(candidate, len(points) - 1, held.get(key), positions.get(key),
                               plan.locks.get(key), worker_ids, earliest)
        two = twos.get(candidate.client_id) if candidate.client_id is not None else None
        if two is not None and key not in held:
            visit = replace(visit, workers_needed=2, skills=visit.skills | set(two.extra_skills),
                            partner_skills=frozenset(two.partner_skills),
                            sync_tolerance=two.sync_tolerance_s)
        problem_visits.append(visit)
    travel = travel_matrices(points)
    problem = scheduler.Problem(
        workers=[_problem_worker(w, depot[str(w.worker_id)]) for w in workers],
        visits=problem_visits, durations=travel.durations, distances=travel.distances)
    fixed = {key: stop.reason for key, stop in held.items()}
    fixed.update({key: "locked" for key in plan.locks if key in candidates and key not in held})
    return GatheredDay(problem=problem, candidates=candidates, fixed=fixed, points=points,
                       depot=depot, travel_source=travel.source,
                       travel_fallback_reason=travel.fallback_reason)


class Travel(NamedTuple):
    """A day's travel matrices and where they came from (models.plans.TRAVEL_SOURCES)."""

    durations: list[list[int]]
    distances: list[list[int]]
    source: str
    fallback_reason: str | None = None  # OsrmError's code when OSRM was configured but failed


def travel_matrices(points: list[tuple[float, float]]) -> Travel:
    """Durations, distances and their source: OSRM's road network when ``OSRM_URL`` is set,
    straight-line estimates otherwise.

    An OSRM server that is down or refuses the table does not stop the day's plan: it is made
    on estimates and says so (``straight_line_fallback`` with OSRM's error code), so staff
    know to re-plan later.
    """
    url = runtime.settings().osrm_url
    reason = None
    if url:
        try:
            return Travel(*osrm_matrices(points, base_url=url), source="osrm")
        except OsrmError as exc:  # its code only: OSRM's message may quote the coordinates
            _log.warning("OSRM unavailable (%s), planning on straight-line estimates", exc.code)
            reason = exc.code[:32]
    durations, distances = straight_line_matrices(points, mode=TRAVEL_MODE)
    if url:
        return Travel(durations, distances, "straight_line_fallback", reason)
    return Travel(durations, distances, "straight_line")


def two_workers_by_client(candidates: Iterable[VisitCandidate]
                          ) -> dict[int, care_plans.TwoWorkers]:
    """Clients among the candidates whose home visits need two workers, by client id."""
    ids = {c.client_id for c in candidates if c.client_id is not None} or {0}
    flags: dict[int, str | None] = {
        c.id: c.two_worker_flag
        for c in Client.select(Client.id, Client.two_worker_flag).where(Client.id.in_(ids))}
    categories: dict[int, list[str]] = {}
    for row in (ClientCategory.select(ClientCategory.client, ClientCategory.category)
                .where(ClientCategory.client.in_(ids), ClientCategory.ended_on.is_null())):
        categories.setdefault(row.client_id, []).append(row.category)
    found = {}
    for client_id in ids:
        two = care_plans.two_workers(categories.get(client_id, []), flags.get(client_id))
        if two is not None:
            found[client_id] = two
    return found


def _positions(held: dict[str, _Held]) -> dict[str, int]:
    """Held stops' pinned positions: the order in which their worker checked in."""
    count: dict[int, int] = {}
    positions = {}
    for key, stop in held.items():
        positions[key] = count.get(stop.worker_id, 0)
        count[stop.worker_id] = positions[key] + 1
    return positions


def _problem_worker(w: WorkerDay, depot: int) -> scheduler.Worker:
    lunch = None
    if w.lunch_start_s is not None and w.lunch_end_s is not None:
        duration = min(LUNCH_BREAK_S, w.lunch_end_s - w.lunch_start_s)
        lunch = scheduler.Break(scheduler.TimeWindow(w.lunch_start_s, w.lunch_end_s - duration),
                                duration)
    return scheduler.Worker(id=str(w.worker_id), start_location=depot, end_location=depot,
                            shift=scheduler.TimeWindow(w.shift_start_s, w.shift_end_s),
                            lunch=lunch, skills=frozenset(w.skills))


def _problem_visit(c: VisitCandidate, location: int, held: _Held | None, position: int | None,
                   lock: int | None, worker_ids: set[int], earliest: int | None
                   ) -> scheduler.Visit:
    windows = [scheduler.TimeWindow(s, e) for s, e in c.windows]
    if held is None and earliest is not None:
        # Re-planning today: what is left cannot start in the past.
        windows = [scheduler.TimeWindow(max(w.start, earliest), w.end) for w in windows
                   if w.end >= earliest] or [scheduler.TimeWindow(earliest, earliest)]
    priority = scheduler.Priority(c.priority)
    pinned = None
    if held is not None:
        pinned = str(held.worker_id)
    elif lock is not None and lock in worker_ids:
        pinned = str(lock)
        priority = scheduler.Priority.URGENT  # staff put it there: keep it in the plan
    preferred = str(c.preferred_worker_id) if c.preferred_worker_id in worker_ids else None
    return scheduler.Visit(id=c.key, location=location, windows=tuple(windows),
                           service=c.duration_s, priority=priority,
                           skills=frozenset(c.required_skills), preferred_worker=preferred,
                           pinned_worker=pinned, pinned_position=position)


def _held_stops(plan: Plan, worker_ids: set[int]) -> dict[str, _Held]:
    """Stops of the previous version already checked in: they stay at the head of the route."""
    base = plan.based_on
    if base is None:
        return {}
    # A visit for two has a stop on each worker's route: the one who checked in is held.
    rows = {(stop.visit_key, stop.worker_id): stop for stop in base.stops
            if stop.worker_id is not None}
    stops = {key: stop for (key, _), stop in rows.items()}  # any worker's, when another came
    if not stops:
        return {}
    # Since the first version of the day existed: a check-in before it belongs to another day.
    since = (Plan.select(pw.fn.MIN(Plan.created_at))
             .where(Plan.township == plan.township_id, Plan.day == plan.day).scalar())
    bookings = [s.source_id for s in stops.values() if s.source == "booking"]
    cares = [s.source_id for s in stops.values() if s.source == "care_visit"]
    records = (Visit.select().where((Visit.check_in_at >= since) & (
        Visit.booking.in_(bookings or [0]) | Visit.care_visit.in_(cares or [0])))
        .order_by(Visit.check_in_at, Visit.id))
    held: dict[str, _Held] = {}
    last_start: dict[int, int] = {}
    for record in records:
        key = (f"booking:{record.booking_id}" if record.booking_id
               else f"care:{record.care_visit_id}")
        stop = rows.get((key, record.worker_id), stops.get(key))
        if stop is None or key in held or record.worker_id not in worker_ids:
            continue
        windows = [tuple(w) for w in stop.windows]
        # Same worker, in planned order: keep the planned time too, so the stop is unchanged.
        if stop.worker_id == record.worker_id and stop.start_s >= last_start.get(
                record.worker_id, 0):
            windows = [(stop.start_s, stop.start_s)]
            last_start[record.worker_id] = stop.start_s
        held[key] = _Held(candidate=_candidate_of(stop, tuple(windows)),
                          worker_id=record.worker_id,
                          reason="started" if record.status == "in_progress" else "finished")
    return held


def _candidate_of(stop: PlanStop, windows: tuple[tuple[int, int], ...]) -> VisitCandidate:
    return VisitCandidate(key=stop.visit_key, source=stop.source, source_id=stop.source_id,
                          client_id=stop.client_id, area_code=stop.area_code, kind=stop.kind,
                          lat=stop.lat, lng=stop.lng,
                          windows=windows, duration_s=stop.duration_s, priority=stop.priority,
                          required_skills=tuple(stop.required_skills), preferred_worker_id=None)


def _now_seconds() -> int:
    now = datetime.now(LOCAL_TZ)
    return now.hour * 3600 + now.minute * 60 + now.second
