"""The week's plan: a township's due care visits and approved bookings placed on the days of an
ISO week (``scheduler.week``), stored as a version, then every day whose placement changed
routed by the day's plan (``requests.queue_day_plan``, through the outbox).

Staff plan a week (every placement but their pins may move) or pin visits to days (the rest
keeps its place). The nightly job plans the coming week again only when what it was computed
from changed, and then keeps what was placed, placing only what is new.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import peewee as pw

from backend import audit, runtime
from backend.commands.planning import PinWeek
from backend.db import db
from backend.errors import Conflict, ValidationFailed
from backend.models import CareVisit, Township, WeekPlacement, WeekPlan
from backend.models.base import local_today
from backend.permissions import SYSTEM, Actor, get_scoped, require
from backend.services import visits
from backend.services.planning.placed import latest_week
from backend.services.planning.problem import LUNCH_BREAK_S, two_workers_by_client
from backend.services.planning.requests import PLANNING_HORIZON_DAYS, queue_day_plan
from backend.services.visits import VisitCandidate, WorkerDay
from scheduler import Priority
from scheduler.week import DutyDay, WeekProblem, WeekVisit, check_week, place_week
from scheduler.week import WeekPlan as Placed

_log = logging.getLogger(__name__)

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
# The placement is an assignment of tens of visits: CP-SAT proves most weeks in well under it.
DEFAULT_WEEK_TIME_LIMIT_S = 2.0


def week_monday(week: str) -> date:
    """The Monday of an ISO week written ``2026-W50``; refuses anything else."""
    found = WEEK_PATTERN.match(week)
    try:
        if found is None:
            raise ValueError(week)
        return date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise ValidationFailed("周次应写作 2026-W50（ISO 周）", code="invalid_week",
                               errors={"week": ["格式应为 YYYY-Www"]}) from None


def plannable_days(monday: date) -> list[date]:
    """The week's days from today on, inside the planning horizon; refuses a week without."""
    today = local_today()
    days = [d for d in (monday + timedelta(days=n) for n in range(7))
            if today <= d <= today + timedelta(days=PLANNING_HORIZON_DAYS)]
    if not days:
        code, message = (("week_in_past", "该周已过去") if monday < today else
                         ("week_too_far", f"只能安排{PLANNING_HORIZON_DAYS}天内的周"))
        raise ValidationFailed(message, code=code, errors={"week": [message]})
    return days


@dataclass
class GatheredWeek:
    """A week's placement problem and what its ids mean."""

    problem: WeekProblem
    candidates: dict[str, VisitCandidate]
    held: dict[str, str] = field(default_factory=dict)  # key -> booking | pinned | kept
    fingerprint: str = ""


def gather_week(township_id: int, monday: date, *, pins: dict[str, str],
                previous: WeekPlan | None = None) -> GatheredWeek:
    """Workers on duty, approved bookings and due care visits of the week's days to come as a
    placement problem; ``previous``: keep its placements that are still possible."""
    days = plannable_days(monday)
    duties = [_duty(w, day) for day in days for w in visits.list_workers_for_day(township_id, day)]
    on_duty = {d.worker_id for d in duties}
    candidates: dict[str, VisitCandidate] = {}
    week_visits: dict[str, WeekVisit] = {}
    held: dict[str, str] = {}
    for day in days:
        for c in visits.list_visit_candidates(township_id, day, actor=SYSTEM):
            if c.source == "booking" or day == days[-1]:
                candidates[c.key] = c
            if c.source == "booking":
                week_visits[c.key] = _week_visit(c, day, day, Priority.URGENT, day, on_duty)
                held[c.key] = "booking"
    windows = {f"care:{row.id}": (row.earliest_date, row.latest_date) for row in CareVisit.select(
        CareVisit.id, CareVisit.earliest_date, CareVisit.latest_date).where(CareVisit.id.in_(
            [c.source_id for c in candidates.values() if c.source == "care_visit"] or [0]))}
    for key, (earliest, latest) in windows.items():
        if latest < days[0]:  # overdue: any day of the week, before anything that can wait
            span, priority = (days[0], days[-1]), Priority.OVERDUE
        else:
            span = (max(earliest, days[0]), latest)
            priority = Priority.DUE if latest <= monday + timedelta(days=6) else Priority.OPTIONAL
        pinned = _pinned_day(pins.get(key), span, days)
        week_visits[key] = _week_visit(candidates[key], *span, priority, pinned, on_duty)
        if pinned is not None:
            held[key] = "pinned"
    _need_two(candidates, week_visits)
    fingerprint = _fingerprint(duties, week_visits.values())
    if previous is not None:
        _keep(previous, week_visits, held, days)
    problem = WeekProblem(days=tuple(monday + timedelta(days=n) for n in range(7)),
                          duties=duties, visits=list(week_visits.values()))
    return GatheredWeek(problem, candidates, held, fingerprint)


def _duty(worker: WorkerDay, day: date) -> DutyDay:
    lunch = 0
    if worker.lunch_start_s is not None and worker.lunch_end_s is not None:
        lunch = min(LUNCH_BREAK_S, worker.lunch_end_s - worker.lunch_start_s)
    return DutyDay(str(worker.worker_id), day, worker.shift_end_s - worker.shift_start_s - lunch,
                   frozenset(worker.skills))


def _week_visit(c: VisitCandidate, earliest: date, latest: date, priority: Priority,
                fixed: date | None, on_duty: set[str]) -> WeekVisit:
    usual = str(c.preferred_worker_id) if c.preferred_worker_id is not None else None
    return WeekVisit(id=c.key, earliest=earliest, latest=latest, service_s=c.duration_s,
                     priority=priority, skills=frozenset(c.required_skills),
                     usual_worker=usual if usual in on_duty else None, fixed_day=fixed)


def _pinned_day(pin: str | None, span: tuple[date, date], days: list[date]) -> date | None:
    """A pin still to come and inside the visit's window; staff's pins on past days lapse."""
    day = date.fromisoformat(pin) if pin else None
    return day if day is not None and day in days and span[0] <= day <= span[1] else None


def _need_two(candidates: dict[str, VisitCandidate], week_visits: dict[str, WeekVisit]) -> None:
    """Visits to clients the care rules visit in twos need two workers (as the day's plan)."""
    twos = two_workers_by_client(candidates.values())
    for key, visit in week_visits.items():
        client_id = candidates[key].client_id
        two = twos.get(client_id) if client_id is not None else None
        if two is not None:
            week_visits[key] = replace(visit, workers_needed=2,
                                       skills=visit.skills | set(two.extra_skills),
                                       partner_skills=frozenset(two.partner_skills))


def _keep(previous: WeekPlan, week_visits: dict[str, WeekVisit], held: dict[str, str],
          days: list[date]) -> None:
    """Hold each visit the previous version placed on a day still to come where it was."""
    for row in previous.placements.where(WeekPlacement.day.is_null(False)):
        visit = week_visits.get(row.visit_key)
        if visit is None or row.visit_key in held or row.day not in days or not (
                visit.earliest <= row.day <= visit.latest):
            continue
        workers = tuple(str(w) for w in (row.worker_id, row.partner_worker_id) if w is not None)
        week_visits[row.visit_key] = replace(visit, fixed_day=row.day, kept_workers=workers)
        held[row.visit_key] = "kept"


def _fingerprint(duties: list[DutyDay], week_visits: Iterable[WeekVisit]) -> str:
    """A hash of what the placement is computed from (not of what it kept)."""
    text = json.dumps([sorted(map(repr, duties)), sorted(map(repr, week_visits))])
    return hashlib.sha256(text.encode()).hexdigest()


def plan_week(township_id: int, week: str, *, actor: Actor) -> WeekPlan:
    """Place the township's week anew (only staff's pins stay), then route the days it changed."""
    require(actor, "plans.create")
    monday = week_monday(week)
    with db.atomic():
        township = get_scoped(Township, township_id, Township.code, actor)
        previous = latest_week(township.id, week)
        gathered = gather_week(township.id, monday, pins=dict(previous.pins) if previous else {})
        return _store(township, week, monday, gathered, previous, actor,
                      action="week_plan.requested")


def replan_week_if_changed(township_id: int, week: str, *, actor: Actor) -> WeekPlan | None:
    """Nightly: place what changed since the week's latest version, keeping the rest; None
    when nothing did."""
    require(actor, "plans.create")
    monday = week_monday(week)
    with db.atomic():
        township = get_scoped(Township, township_id, Township.code, actor)
        previous = latest_week(township.id, week)
        gathered = gather_week(township.id, monday, pins=dict(previous.pins) if previous else {},
                               previous=previous)
        if previous is not None and previous.fingerprint == gathered.fingerprint:
            return None
        return _store(township, week, monday, gathered, previous, actor,
                      action="week_plan.replanned")


def pin_week(week_plan_id: int, command: PinWeek, *, actor: Actor) -> WeekPlan:
    """Pin visits to days (or unpin them) on the week's latest version, then place again
    keeping every other placement."""
    require(actor, "plans.adjust")
    with db.atomic():
        plan = get_scoped(WeekPlan, week_plan_id, WeekPlan.area_code, actor)
        latest = latest_week(plan.township_id, plan.week)
        if latest is not None and latest.id != plan.id:
            raise Conflict("该周安排已有更新版本，请在最新版本上调整", code="week_plan_superseded")
        pins = _apply_pins(plan, command)
        gathered = gather_week(plan.township_id, plan.monday, pins=pins, previous=plan)
        return _store(plan.township, plan.week, plan.monday, gathered, plan, actor,
                      action="week_plan.pinned", pins=pins)


def _apply_pins(plan: WeekPlan, command: PinWeek) -> dict[str, str]:
    rows = {row.visit_key: row for row in plan.placements}
    pins = dict(plan.pins)
    days = plannable_days(plan.monday)
    for pin in command.pins:
        row = rows.get(pin.visit_key)
        if row is None:
            raise ValidationFailed("该探访不在本周安排中", code="unknown_visit",
                                   errors={"visit_key": [pin.visit_key]})
        if row.source == "booking":
            raise ValidationFailed("预约的日期已与居民约定，不能改动", code="booking_date_fixed",
                                   errors={"visit_key": [pin.visit_key]})
        if pin.day is None:
            pins.pop(pin.visit_key, None)
        elif pin.day not in days or not row.earliest <= pin.day <= row.latest:
            raise ValidationFailed("只能固定在本周尚未过去、且在探访期限内的日期",
                                   code="day_outside_window", errors={"day": [str(pin.day)]})
        else:
            pins[pin.visit_key] = pin.day.isoformat()
    return pins


def _store(township: Township, week: str, monday: date, gathered: GatheredWeek,
           previous: WeekPlan | None, actor: Actor, *, action: str,
           pins: dict[str, str] | None = None) -> WeekPlan:
    """Place, check, store the next version and queue a day plan for each day it changed."""
    problem = gathered.problem
    result = place_week(problem, time_limit=_time_limit())
    broken = check_week(problem, result)
    if broken:  # CP-SAT and our rules disagree: a bug, never a plan to publish
        raise RuntimeError(f"the week's placement breaks its rules: {broken[:3]}")
    pins = pins if pins is not None else (dict(previous.pins) if previous else {})
    try:
        with db.atomic():  # a savepoint: a lost race must not poison the outer transaction
            plan = WeekPlan.create(
                township=township, area_code=township.code, week=week, monday=monday,
                version=(previous.version if previous else 0) + 1, pins=pins,
                requested_by_kind=actor.kind, requested_by_id=actor.id,
                keep_placements="kept" in gathered.held.values(),
                placed_count=len(result.placements), unplaced_count=len(result.unplaced),
                optimal=result.optimal, solve_seconds=result.solve_seconds,
                fingerprint=gathered.fingerprint)
    except pw.IntegrityError as exc:
        raise Conflict("该乡镇本周安排正在计算，请稍后再试", code="week_plan_in_progress") from exc
    rows = _placement_rows(plan, gathered, result)
    WeekPlacement.insert_many(rows).execute()
    changed = _changed_days(previous, rows)
    queued = {day: queue_day_plan(township, day, actor=actor) for day in changed}
    plan.day_plans = {day.isoformat(): p.id for day, p in queued.items() if p is not None}
    plan.save()
    audit.record(actor=actor, action=action, entity="week_plan", entity_id=plan.id,
                 changes={"version": [previous.version if previous else None, plan.version],
                          "pins": [previous.pins if previous else {}, pins],
                          "unplaced": [None, plan.unplaced_count]},
                 area_code=township.code)
    _log.info("week %s of township %s: %s", week, township.id, result.summary())
    return plan


def _placement_rows(plan: WeekPlan, gathered: GatheredWeek, result: Placed
                    ) -> list[dict[str, Any]]:
    reasons = {u.visit_id: str(u.reason) for u in result.unplaced}
    rows = []
    for visit in gathered.problem.visits:
        c = gathered.candidates[visit.id]
        placement = result.placement(visit.id)
        workers = [int(w) for w in placement.workers] if placement else []
        rows.append({
            "week_plan": plan.id, "visit_key": visit.id, "source": c.source,
            "source_id": c.source_id, "client": c.client_id, "area_code": c.area_code,
            "kind": c.kind, "priority": str(visit.priority), "earliest": visit.earliest,
            "latest": min(visit.latest, plan.monday + timedelta(days=6)),
            "duration_s": visit.service_s, "workers_needed": visit.workers_needed,
            "day": placement.day if placement else None,
            "worker": workers[0] if workers else None,
            "partner_worker": workers[1] if len(workers) > 1 else None,
            "held": gathered.held.get(visit.id) if placement else None,
            "reason": reasons.get(visit.id)})
    return rows


def _changed_days(previous: WeekPlan | None, rows: list[dict[str, Any]]) -> list[date]:
    """Days whose visits or workers differ from the previous version (all placed days when
    there is none): only they are routed again."""
    def by_day(items: list[tuple[date | None, str, int | None, int | None]]
               ) -> dict[date, set[tuple[str, int | None, int | None]]]:
        found: dict[date, set[tuple[str, int | None, int | None]]] = {}
        for day, key, worker, partner in items:
            if day is not None:
                found.setdefault(day, set()).add((key, worker, partner))
        return found

    now = by_day([(r["day"], r["visit_key"], r["worker"], r["partner_worker"]) for r in rows])
    before = by_day([(r.day, r.visit_key, r.worker_id, r.partner_worker_id)
                     for r in previous.placements] if previous else [])
    today = local_today()
    return sorted(d for d in set(now) | set(before)
                  if d >= today and now.get(d) != before.get(d))


def _time_limit() -> float:
    return float(runtime.settings().extra.get("week_planning_time_limit",
                                              DEFAULT_WEEK_TIME_LIMIT_S))
