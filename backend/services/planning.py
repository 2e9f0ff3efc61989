"""Daily routes: gather a township's day into a scheduler problem, solve it, store and publish it.

A request creates a versioned ``Plan`` row (queued) and emits ``plan.requested``, which the relay
routes to the planning job: on the ``planning`` queue with Redis, right after commit without.
The job moves the row through gathering → solving → storing, so anyone polling sees progress,
then writes the stops, the residents' arrival windows and the ``plan.published`` /
``visit.planned`` events.
Re-planning makes a new version from the latest published one: stops already checked in stay
at the head of their worker's route, locked or moved visits stay with their worker, and visits
that arrived since (urgent bookings) are inserted.
"""

from __future__ import annotations

import itertools
import logging
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import peewee as pw

import scheduler
from backend import audit, outbox, runtime
from backend.db import db, is_postgres
from backend.errors import Conflict, DomainError, NotFound, ValidationFailed
from backend.models import (
    Booking,
    Client,
    ClientCategory,
    Plan,
    PlanStop,
    StaffAccount,
    Township,
    Visit,
    utcnow,
)
from backend.permissions import SYSTEM, Actor, get_scoped, require, scoped
from backend.services import visits
from backend.services.care_plans import LOCAL_TZ, local_today
from backend.services.visits import VisitCandidate, WorkerDay
from backend.unit_of_work import unit_of_work
from scheduler.travel import OsrmError, osrm_matrices, straight_line_matrices

_log = logging.getLogger(__name__)

ACTIVE_STATUSES = ("queued", "running")
# How far ahead a day may be planned: bookings are taken 30 days ahead.
PLANNING_HORIZON_DAYS = 30
# Solver wall-clock budget; settings may override it ("planning_time_limit").
DEFAULT_TIME_LIMIT_S = 5.0
JOB_TIMEOUT_S = 600
# A queued or running plan older than this lost its worker: it no longer blocks a re-plan.
STALE_AFTER = timedelta(minutes=30)
# The shift model gives a lunch *window* (12:00–13:30 by default); the break itself is shorter.
LUNCH_BREAK_S = 45 * 60
# What a resident and a worker are told: the planned start minus 15, plus 45 minutes, kept
# inside the visit's own window (a promise to the resident is never widened by the plan).
ARRIVAL_BEFORE_S = 15 * 60
ARRIVAL_AFTER_S = 45 * 60
TRAVEL_MODE = "e_bike"
NAVIGATION_URL = "https://uri.amap.com/navigation"
_PLAN_LOCK = 727_005  # PostgreSQL advisory lock class for "a new plan version of a township"


def plan_job_id(plan_id: int) -> str:
    """The one RQ job id a plan's computation can have."""
    return f"plan-{plan_id}"


# --- requesting plans ------------------------------------------------------------------------

def _check_day(day: date) -> None:
    today = local_today()
    if day < today:
        raise ValidationFailed("不能为已过去的日期排线", code="date_in_past",
                               errors={"date": ["日期已过"]})
    if day > today + timedelta(days=PLANNING_HORIZON_DAYS):
        raise ValidationFailed(f"只能为{PLANNING_HORIZON_DAYS}天内的日期排线",
                               code="date_too_far", errors={"date": ["日期太远"]})


def _latest_done(township_id: int, day: date) -> Plan | None:
    return (Plan.select().where(Plan.township == township_id, Plan.day == day,
                                Plan.status == "done")
            .order_by(Plan.version.desc()).first())


def _fail_stale(township_id: int, day: date, actor: Actor) -> None:
    stale = Plan.select().where(Plan.township == township_id, Plan.day == day,
                                Plan.status.in_(ACTIVE_STATUSES),
                                Plan.updated_at < utcnow() - STALE_AFTER)
    for plan in stale:
        _set_failed(plan, "计算超时，任务已丢失", "stale", actor)


def _new_version(township: Township, day: date, actor: Actor, *, base: Plan | None,
                 locks: dict[str, int], action: str) -> Plan:
    """Insert the next version (queued); the caller holds the transaction."""
    if is_postgres():
        # "Nothing running, so insert" is a check-then-act: serialise it per township (SQLite
        # already serialises writers, its transactions take the write lock when they begin).
        db.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)", (_PLAN_LOCK, township.id))
    _fail_stale(township.id, day, actor)
    busy = Plan.select().where(Plan.township == township, Plan.day == day,
                               Plan.status.in_(ACTIVE_STATUSES)).exists()
    if busy:
        raise Conflict("该乡镇当日路线正在计算，请稍后再试", code="plan_in_progress")
    last = (Plan.select(pw.fn.MAX(Plan.version)).where(Plan.township == township, Plan.day == day)
            .scalar()) or 0
    try:
        with db.atomic():  # a savepoint: a lost race must not poison the outer transaction
            plan = Plan.create(township=township, area_code=township.code, day=day,
                               version=last + 1, based_on=base, locks=locks,
                               requested_by_kind=actor.kind, requested_by_id=actor.id)
    except pw.IntegrityError as exc:
        raise Conflict("该乡镇当日路线正在计算，请稍后再试", code="plan_in_progress") from exc
    plan.job_id = plan_job_id(plan.id)
    plan.save()
    audit.record(actor=actor, action=action, entity="plan", entity_id=plan.id,
                 changes={"status": [None, "queued"], "version": [None, plan.version],
                          "locks": [base.locks if base else {}, locks]})
    outbox.emit("plan.requested", plan_id=plan.id, township_id=township.id)
    return plan


def request_plan(township_id: int, day: date, *, actor: Actor) -> Plan:
    """Plan (or re-plan) a township's day; the plan runs now or on the planning queue."""
    require(actor, "plans.create")
    _check_day(day)
    with db.atomic():
        township = get_scoped(Township, township_id, Township.code, actor)
        base = _latest_done(township.id, day)
        return _new_version(township, day, actor, base=base, locks=dict(base.locks) if base
                            else {}, action="plan.requested")


def plan_city_day(day: date, *, actor: Actor) -> list[Plan]:
    """Plan every township in scope for a day: one job each, so workers plan in parallel."""
    require(actor, "plans.city")
    _check_day(day)
    created = []
    with db.atomic():
        for township in scoped(Township.select(), Township.code, actor).order_by(Township.id):
            base = _latest_done(township.id, day)
            try:
                created.append(_new_version(township, day, actor, base=base,
                                            locks=dict(base.locks) if base else {},
                                            action="plan.requested"))
            except Conflict:
                _log.info("township %s is already being planned for %s", township.id, day)
    return created


def adjust_plan(plan_id: int, adjustments: list[dict[str, Any]], *, actor: Actor) -> Plan:
    """Move visits to another worker or lock/unlock them, then re-optimise as a new version."""
    require(actor, "plans.adjust")
    with db.atomic():
        plan = get_scoped(Plan, plan_id, Plan.area_code, actor)
        _check_day(plan.day)
        if plan.status != "done":
            raise Conflict("只能调整已发布的路线", code="plan_not_done")
        latest = _latest_done(plan.township_id, plan.day)
        if latest is not None and latest.id != plan.id:
            raise Conflict("该路线已有更新版本，请在最新版本上调整", code="plan_superseded")
        locks = _apply_adjustments(plan, adjustments)
        return _new_version(plan.township, plan.day, actor, base=plan, locks=locks,
                            action="plan.adjusted")


def _apply_adjustments(plan: Plan, adjustments: list[dict[str, Any]]) -> dict[str, int]:
    stops = {stop.visit_key: stop for stop in plan.stops}
    worker_ids = {route["worker_id"] for route in plan.routes}
    locks = dict(plan.locks)
    for adjustment in adjustments:
        key, action = adjustment["visit_key"], adjustment["action"]
        stop = stops.get(key)
        if stop is None:
            raise ValidationFailed("该探访不在此路线中", code="unknown_visit",
                                   errors={"visit_key": [key]})
        if stop.fixed in ("finished", "started"):
            raise Conflict("已签到或已完成的探访不能调整", code="stop_fixed")
        if action == "unlock":
            locks.pop(key, None)
            continue
        worker_id = adjustment.get("worker_id") or stop.worker_id
        if worker_id is None:
            raise ValidationFailed("未排入路线的探访须指定社工", code="worker_required",
                                   errors={"worker_id": ["必填"]})
        if worker_id not in worker_ids:
            raise ValidationFailed("该社工当日不在岗", code="unknown_worker",
                                   errors={"worker_id": [worker_id]})
        locks[key] = worker_id
    return locks


# --- running a plan (the job) ----------------------------------------------------------------

def _set_progress(plan_id: int, progress: str) -> None:
    # Progress is shown while the job runs; the status changes around it are the audited ones.
    Plan.update(progress=progress, updated_at=utcnow()).where(Plan.id == plan_id).execute()


def _set_failed(plan: Plan, message: str, code: str, actor: Actor) -> None:
    before = plan.status
    plan.status, plan.progress, plan.error, plan.finished_at = "failed", "failed", message, utcnow()
    plan.touch()
    plan.save()
    audit.record(actor=actor, action="plan.failed", entity="plan", entity_id=plan.id,
                 changes={"status": [before, "failed"]}, reason=code)
    outbox.emit("plan.failed", plan_id=plan.id, township_id=plan.township_id)


def run_plan(plan_id: int) -> str:
    """The job: gather, solve, store and publish one queued plan; answer what became of it.

    Three units of work: the plan starts, the solution is stored (or the failure recorded);
    between them progress is written as it happens and nothing holds a transaction open.
    """
    with unit_of_work(actor=SYSTEM):
        plan = Plan.get_or_none(Plan.id == plan_id)
        if plan is None or plan.status != "queued":
            return "skipped"  # already run (a retried or duplicated job)
        plan.status, plan.progress, plan.started_at = "running", "gathering", utcnow()
        plan.touch()
        plan.save()
        audit.record(actor=SYSTEM, action="plan.started", entity="plan", entity_id=plan.id,
                     changes={"status": ["queued", "running"]})
    try:
        day = gather_day(plan)
        _set_progress(plan_id, "solving")
        result = scheduler.solve(day.problem, time_limit=_time_limit(),
                                 processes=runtime.settings().extra.get("planning_processes"))
        _set_progress(plan_id, "storing")
        store_plan(plan_id, day, result)
        outcome = "done"
    except Exception as exc:  # whatever happens, the plan row must not stay "running"
        if isinstance(exc, DomainError | scheduler.NoPlanError):
            _log.warning("plan %s failed: %s", plan_id, exc)
        else:
            _log.exception("plan %s failed unexpectedly", plan_id)
        with unit_of_work(actor=SYSTEM):
            _set_failed(Plan.get_by_id(plan_id), _failure_message(exc), type(exc).__name__,
                        SYSTEM)
        outcome = "failed"
    return outcome


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, scheduler.NoPlanError):
        return "已签到或已完成的探访无法保持原位，请检查后重试"
    return "排线计算出错，请稍后重试或联系管理员"


def _time_limit() -> float:
    return float(runtime.settings().extra.get("planning_time_limit", DEFAULT_TIME_LIMIT_S))


# --- gathering the day -----------------------------------------------------------------------

@dataclass
class GatheredDay:
    """A plan's problem and what its ids mean: candidates by key, workers, coordinates."""

    problem: scheduler.Problem
    candidates: dict[str, VisitCandidate]
    fixed: dict[str, str] = field(default_factory=dict)  # key -> finished | started | locked
    points: list[tuple[float, float]] = field(default_factory=list)  # (lat, lng) by location
    depot: dict[str, int] = field(default_factory=dict)  # worker id -> location
    travel_source: str = "straight_line"  # models.plans.TRAVEL_SOURCES


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
    candidates = {c.key: c for c in visits.list_visit_candidates(plan.township_id, plan.day,
                                                                 actor=SYSTEM)}
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
    for key, candidate in candidates.items():
        points.append((candidate.lat, candidate.lng))
        problem_visits.append(_problem_visit(candidate, len(points) - 1, held.get(key),
                                             positions.get(key), plan.locks.get(key),
                                             worker_ids, earliest))
    durations, distances, travel_source = travel_matrices(points)
    problem = scheduler.Problem(
        workers=[_problem_worker(w, depot[str(w.worker_id)]) for w in workers],
        visits=problem_visits, durations=durations, distances=distances)
    fixed = {key: stop.reason for key, stop in held.items()}
    fixed.update({key: "locked" for key in plan.locks if key in candidates and key not in held})
    return GatheredDay(problem=problem, candidates=candidates, fixed=fixed, points=points,
                       depot=depot, travel_source=travel_source)


def travel_matrices(points: list[tuple[float, float]]
                    ) -> tuple[list[list[int]], list[list[int]], str]:
    """Durations, distances and their source: OSRM's road network when ``OSRM_URL`` is set,
    straight-line estimates otherwise.

    An OSRM server that is down or refuses the table does not stop the day's plan: it is made
    on estimates and says so (``straight_line_fallback``), so staff know to re-plan later.
    """
    url = runtime.settings().osrm_url
    if url:
        try:
            durations, distances = osrm_matrices(points, base_url=url)
            return durations, distances, "osrm"
        except OsrmError as exc:  # its code only: OSRM's message may quote the coordinates
            _log.warning("OSRM unavailable (%s), planning on straight-line estimates", exc.code)
    durations, distances = straight_line_matrices(points, mode=TRAVEL_MODE)
    return durations, distances, "straight_line_fallback" if url else "straight_line"


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
    stops = {stop.visit_key: stop for stop in base.stops if stop.worker_id is not None}
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
        stop = stops.get(key)
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
                          client_id=stop.client_id, kind=stop.kind, lat=stop.lat, lng=stop.lng,
                          windows=windows, duration_s=stop.duration_s, priority=stop.priority,
                          required_skills=tuple(stop.required_skills), preferred_worker_id=None)


def _now_seconds() -> int:
    now = datetime.now(LOCAL_TZ)
    return now.hour * 3600 + now.minute * 60 + now.second


# --- storing and publishing ------------------------------------------------------------------

def local_moment(day: date, seconds: int) -> datetime:
    """A time of day (seconds since local midnight) as an aware Asia/Shanghai datetime."""
    return datetime.combine(day, time(), tzinfo=LOCAL_TZ) + timedelta(seconds=seconds)


def _utc(day: date, seconds: int) -> datetime:
    return local_moment(day, seconds).astimezone(UTC).replace(tzinfo=None)


def arrival_window(windows: list[list[int]] | list[tuple[int, int]], start: int
                   ) -> tuple[int, int]:
    """What people are told: around the planned start, inside the window that holds it."""
    low, high = next(((s, e) for s, e in windows if s <= start <= e), (start, start))
    return max(low, start - ARRIVAL_BEFORE_S), min(high, start + ARRIVAL_AFTER_S)


def _stop_rows(plan: Plan, day: GatheredDay, result: scheduler.Plan) -> list[dict[str, Any]]:
    rows = []
    durations, distances = day.problem.durations, day.problem.distances
    client_ids = {c.client_id for c in day.candidates.values()} or {0}
    areas = {c.id: c.area_code for c in Client.select(Client.id, Client.area_code)
             .where(Client.id.in_(client_ids))}
    for route in result.routes:
        previous = day.depot[route.worker_id]
        for position, stop in enumerate(route.stops):
            visit = day.problem.visit(stop.visit_id)
            rows.append(_row(plan, day, areas, stop.visit_id, worker_id=int(route.worker_id),
                             position=position, arrival_s=stop.arrival, start_s=stop.start,
                             end_s=stop.end, travel_s=durations[previous][visit.location],
                             distance_m=distances[previous][visit.location],
                             fixed=day.fixed.get(stop.visit_id)))
            previous = visit.location
    for dropped in result.dropped:
        rows.append(_row(plan, day, areas, dropped.visit_id, drop_reason=dropped.reason.value,
                         fixed=day.fixed.get(dropped.visit_id)))
    return rows


def _row(plan: Plan, day: GatheredDay, areas: dict[int, str], key: str,
         **values: Any) -> dict[str, Any]:
    c = day.candidates[key]
    return {"plan": plan.id, "visit_key": key, "source": c.source, "source_id": c.source_id,
            "client": c.client_id, "area_code": areas[c.client_id], "kind": c.kind,
            "priority": c.priority, "lat": c.lat, "lng": c.lng,
            "windows": [list(w) for w in c.windows], "duration_s": c.duration_s,
            "required_skills": list(c.required_skills), **values}


def store_plan(plan_id: int, day: GatheredDay, result: scheduler.Plan) -> None:
    """Write the stops and arrival windows, mark the plan done, audit and publish it."""
    with unit_of_work(actor=SYSTEM):
        plan = Plan.get_by_id(plan_id)
        if plan.status != "running":
            return  # failed meanwhile (stale): a newer version is in charge
        rows = _stop_rows(plan, day, result)
        for row in rows:
            PlanStop.create(**row)
        plan.routes = [{"worker_id": int(r.worker_id), "start": r.start, "end": r.end,
                        "break_start": r.break_start, "travel_time": r.travel_time,
                        "distance": r.distance} for r in result.routes]
        plan.objective = {k: round(v, 3) for k, v in result.objective.items()}
        plan.feasible = result.is_feasible()
        plan.visit_count = len(result.served())
        plan.dropped_count = len(result.dropped)
        plan.solve_seconds = round(result.solve_seconds, 3)
        plan.travel_source = day.travel_source
        plan.status, plan.progress, plan.finished_at = "done", "done", utcnow()
        plan.touch()
        plan.save()
        _publish_arrival_windows(plan, rows)
        audit.record(actor=SYSTEM, action="plan.published", entity="plan", entity_id=plan.id,
                     changes={"status": ["running", "done"],
                              "visit_count": [None, plan.visit_count],
                              "dropped_count": [None, plan.dropped_count]})
        outbox.emit("plan.published", plan_id=plan.id, township_id=plan.township_id,
                    worker_ids=sorted(int(r.worker_id) for r in result.routes if r.stops))
        _emit_planned(plan, rows)


def _publish_arrival_windows(plan: Plan, rows: list[dict[str, Any]]) -> None:
    """Bookings carry their planned arrival window: that is what the resident sees."""
    for row in rows:
        if row["source"] != "booking":
            continue
        if row.get("start_s") is None:
            start = end = None
        else:
            low, high = arrival_window(row["windows"], row["start_s"])
            start, end = _utc(plan.day, low), _utc(plan.day, high)
        (Booking.update(arrival_start=start, arrival_end=end, updated_at=utcnow())
         .where(Booking.id == row["source_id"]).execute())


def _emit_planned(plan: Plan, rows: list[dict[str, Any]]) -> None:
    """One ``visit.planned`` per booked stop that is new or moved since the previous version.

    Bookings only: the event tells the resident who asked when to expect us; care visits reach
    their workers through ``plan.published``.
    """
    before = {}
    if plan.based_on_id:
        before = {s.visit_key: (s.worker_id, s.start_s) for s in
                  PlanStop.select().where(PlanStop.plan == plan.based_on_id)}
    for row in rows:
        if row.get("worker_id") is None or row["source"] != "booking":
            continue
        if before.get(row["visit_key"]) == (row["worker_id"], row["start_s"]):
            continue
        outbox.emit("visit.planned", plan_id=plan.id, booking_id=row["source_id"],
                    client_id=row["client"], worker_id=row["worker_id"])


# --- reading ---------------------------------------------------------------------------------

def get_plan(plan_id: int, *, actor: Actor) -> Plan:
    """One plan in the actor's scope."""
    require(actor, "plans.read")
    return get_scoped(Plan, plan_id, Plan.area_code, actor)


def list_plans(*, actor: Actor, township_id: int | None = None,
               day: date | None = None) -> pw.ModelSelect[Plan]:
    """Plans in scope, newest first."""
    require(actor, "plans.read")
    query = scoped(Plan.select(), Plan.area_code, actor)
    if township_id is not None:
        query = query.where(Plan.township == township_id)
    if day is not None:
        query = query.where(Plan.day == day)
    return query.order_by(Plan.day.desc(), Plan.version.desc(), Plan.id.desc())


def plan_detail(plan_id: int, *, actor: Actor) -> dict[str, Any]:
    """A plan with its routes, dropped visits and a GeoJSON map of stops and legs."""
    plan = get_plan(plan_id, actor=actor)
    stops = _stops_with_clients(PlanStop.select().where(PlanStop.plan == plan))
    township = plan.township
    names = {s.id: s.name for s in StaffAccount.select().where(
        StaffAccount.id.in_([r["worker_id"] for r in plan.routes] or [0]))}
    routes = []
    for route in plan.routes:
        own = sorted((s for s in stops if s["worker_id"] == route["worker_id"]),
                     key=lambda s: s["position"])
        routes.append({**_route_times(plan.day, route), "worker_name":
                       names.get(route["worker_id"], ""), "stops": own})
    dropped = [s for s in stops if s["worker_id"] is None]
    return {"plan": plan, "routes": routes, "dropped": dropped,
            "geojson": _geojson(routes, dropped, (township.lat, township.lng))}


def _route_times(day: date, route: dict[str, Any]) -> dict[str, Any]:
    break_start = route.get("break_start")
    return {**route, "start_at": local_moment(day, route["start"]),
            "end_at": local_moment(day, route["end"]),
            "break_start_at": local_moment(day, break_start) if break_start is not None else None}


def my_route(day: date, *, actor: Actor) -> dict[str, Any]:
    """A social worker's ordered stops for a day, from the latest published plan."""
    require(actor, "route.read")
    worker = StaffAccount.get_by_id(actor.id)
    plan = _latest_done(worker.township_id, day) if worker.township_id else None
    if plan is None:
        raise NotFound("当日路线尚未排出", code="route_not_planned")
    route = next((r for r in plan.routes if r["worker_id"] == actor.id),
                 {"worker_id": actor.id, "start": None, "end": None, "break_start": None,
                  "travel_time": 0, "distance": 0})
    stops = _stops_with_clients(PlanStop.select().where(PlanStop.plan == plan,
                                                        PlanStop.worker == actor.id)
                                .order_by(PlanStop.position))
    replanning = Plan.select().where(Plan.township == plan.township_id, Plan.day == day,
                                     Plan.status.in_(ACTIVE_STATUSES)).exists()
    times = _route_times(day, route) if route["start"] is not None else {
        **route, "start_at": None, "end_at": None, "break_start_at": None}
    return {**times, "date": day, "plan_id": plan.id, "version": plan.version,
            "replanning": replanning, "stops": stops}


def _stops_with_clients(query: pw.ModelSelect[PlanStop]) -> list[dict[str, Any]]:
    stops = list(query.order_by(PlanStop.worker, PlanStop.position, PlanStop.id))
    ids = {s.client_id for s in stops} or {0}
    clients = {c.id: c for c in Client.select().where(Client.id.in_(ids))}
    categories: dict[int, list[str]] = {}
    for row in (ClientCategory.select().where(ClientCategory.client.in_(ids),
                                              ClientCategory.ended_on.is_null())
                .order_by(ClientCategory.id)):
        categories.setdefault(row.client_id, []).append(row.category)
    day = stops[0].plan.day if stops else None
    return [_stop_view(s, clients[s.client_id], categories.get(s.client_id, []), day)
            for s in stops]


def _stop_view(stop: PlanStop, client: Client, categories: list[str], day: date | None
               ) -> dict[str, Any]:
    view: dict[str, Any] = {
        "visit_key": stop.visit_key, "source": stop.source, "source_id": stop.source_id,
        "worker_id": stop.worker_id, "position": stop.position, "kind": stop.kind,
        "priority": stop.priority, "fixed": stop.fixed, "drop_reason": stop.drop_reason,
        "duration_s": stop.duration_s, "travel_s": stop.travel_s, "distance_m": stop.distance_m,
        "windows": [{"start": local_moment(day, s), "end": local_moment(day, e)}
                    for s, e in stop.windows] if day else [],
        "arrival_s": stop.arrival_s, "start_s": stop.start_s, "end_s": stop.end_s,
        "client": {"id": client.id, "name": client.name, "phone": client.phone_masked,
                   "categories": categories},
        "address": client.address, "lat": stop.lat, "lng": stop.lng,
        "navigation_url": navigation_url(stop.lat, stop.lng, client.name),
    }
    if (day is not None and stop.start_s is not None and stop.arrival_s is not None
            and stop.end_s is not None):
        low, high = arrival_window(stop.windows, stop.start_s)
        view.update(arrival_at=local_moment(day, stop.arrival_s),
                    planned_start=local_moment(day, stop.start_s),
                    planned_end=local_moment(day, stop.end_s),
                    arrival_window_start=local_moment(day, low),
                    arrival_window_end=local_moment(day, high))
    return view


def navigation_url(lat: float, lng: float, name: str) -> str:
    """An AMap riding-navigation link to the client's door (opens the app or the web)."""
    query = urllib.parse.urlencode({"to": f"{lng:.6f},{lat:.6f},{name}", "mode": "ride",
                                    "coordinate": "gaode", "callnative": 1})
    return f"{NAVIGATION_URL}?{query}"


def _geojson(routes: list[dict[str, Any]], dropped: list[dict[str, Any]],
             depot: tuple[float, float]) -> dict[str, Any]:
    """Stops as Points and legs as LineStrings ([lng, lat], RFC 7946), for a map."""
    home = [depot[1], depot[0]]
    features: list[dict[str, Any]] = [_point(home, {"role": "depot"})]
    for route in routes:
        worker_id, path = route["worker_id"], [home]
        for stop in route["stops"]:
            path.append([stop["lng"], stop["lat"]])
            features.append(_point(path[-1], {
                "role": "stop", "worker_id": worker_id, "position": stop["position"],
                "visit_key": stop["visit_key"], "kind": stop["kind"],
                "planned_start": stop["planned_start"].strftime("%H:%M")}))
        path.append(home)
        for leg, (a, b) in enumerate(itertools.pairwise(path)):
            features.append({"type": "Feature", "geometry": {"type": "LineString",
                                                             "coordinates": [a, b]},
                             "properties": {"role": "leg", "worker_id": worker_id, "leg": leg}})
    for stop in dropped:
        features.append(_point([stop["lng"], stop["lat"]], {
            "role": "dropped", "visit_key": stop["visit_key"], "reason": stop["drop_reason"]}))
    return {"type": "FeatureCollection", "features": features}


def _point(coordinates: list[float], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates},
            "properties": properties}


def planned_window_for_booking(booking_id: int) -> tuple[datetime, datetime] | None:
    """The planned arrival window (UTC) of a booking, once a published plan serves it."""
    booking = Booking.get_or_none(Booking.id == booking_id)
    if booking is None or booking.arrival_start is None or booking.arrival_end is None:
        return None
    return booking.arrival_start, booking.arrival_end

