"""Requesting plans: a township's day, the whole city's, or a re-plan after staff's changes.

Each request inserts the next version of the township's plan for the day (queued) and emits
``plan.requested``, which the relay routes to the planning job. Re-planning starts from the
latest published version and carries its locks.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import peewee as pw

from backend import audit, outbox
from backend.commands.planning import AdjustPlan
from backend.db import db, is_postgres
from backend.errors import Conflict, PermissionDenied, ValidationFailed
from backend.models import Plan, Township, utcnow
from backend.permissions import Actor, get_scoped, require, scoped
from backend.services.care_plans import local_today
from backend.services.planning.job import mark_failed, plan_job_id
from backend.services.planning.views import ACTIVE_STATUSES, CityDay, city_day, latest_published

_log = logging.getLogger(__name__)

# How far ahead a day may be planned: bookings are taken 30 days ahead.
PLANNING_HORIZON_DAYS = 30
# A queued or running plan older than this lost its worker: it no longer blocks a re-plan.
STALE_AFTER = timedelta(minutes=30)
_PLAN_LOCK = 727_005  # PostgreSQL advisory lock class for "a new plan version of a township"


def check_day(day: date) -> None:
    """Refuse a day in the past or beyond the planning horizon."""
    today = local_today()
    if day < today:
        raise ValidationFailed("不能为已过去的日期排线", code="date_in_past",
                               errors={"date": ["日期已过"]})
    if day > today + timedelta(days=PLANNING_HORIZON_DAYS):
        raise ValidationFailed(f"只能为{PLANNING_HORIZON_DAYS}天内的日期排线",
                               code="date_too_far", errors={"date": ["日期太远"]})


def _fail_stale(township_id: int, day: date, actor: Actor) -> None:
    stale = Plan.select().where(Plan.township == township_id, Plan.day == day,
                                Plan.status.in_(ACTIVE_STATUSES),
                                Plan.updated_at < utcnow() - STALE_AFTER)
    for plan in stale:
        mark_failed(plan, "计算超时，任务已丢失", "stale", actor)


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
    check_day(day)
    with db.atomic():
        township = get_scoped(Township, township_id, Township.code, actor)
        base = latest_published(township.id, day)
        return _new_version(township, day, actor, base=base, locks=dict(base.locks) if base
                            else {}, action="plan.requested")


def queue_day_plan(township: Township, day: date, *, actor: Actor) -> Plan | None:
    """Queue the next version of a township's day from its latest published one; None when
    the day is already being computed (that run will see the same data)."""
    base = latest_published(township.id, day)
    try:
        return _new_version(township, day, actor, base=base,
                            locks=dict(base.locks) if base else {}, action="plan.requested")
    except Conflict:
        _log.info("township %s is already being planned for %s", township.id, day)
        return None


def plan_city_day(day: date, *, actor: Actor) -> CityDay:
    """Plan every township in scope for a day: one job each, so workers plan in parallel.

    A township whose day is already queued or being computed is not queued twice; the answer
    shows it with that plan's status, beside the townships this request queued.
    """
    require(actor, "plans.city")
    check_day(day)
    queued_now = set()
    with db.atomic():
        for township in scoped(Township.select(), Township.code, actor).order_by(Township.id):
            plan = queue_day_plan(township, day, actor=actor)
            if plan is not None:
                queued_now.add(plan.id)
        return city_day(day, actor=actor, queued_now=queued_now)


def _check_adjustable(plan: Plan) -> None:
    """Refuse changes to a plan of a past day, one not published, or one a newer one replaced."""
    check_day(plan.day)
    if plan.status != "done":
        raise Conflict("只能调整已发布的路线", code="plan_not_done")
    latest = latest_published(plan.township_id, plan.day)
    if latest is not None and latest.id != plan.id:
        raise Conflict("该路线已有更新版本，请在最新版本上调整", code="plan_superseded")


def adjustment_refusal(plan_id: int, *, actor: Actor) -> str | None:
    """Why this actor cannot adjust the plan now, in adjust_plan's words; None when they can."""
    plan = get_scoped(Plan, plan_id, Plan.area_code, actor)
    try:
        require(actor, "plans.adjust")
        _check_adjustable(plan)
    except (PermissionDenied, Conflict, ValidationFailed) as exc:
        return exc.message
    return None


def adjust_plan(plan_id: int, command: AdjustPlan, *, actor: Actor) -> Plan:
    """Move visits to another worker or lock/unlock them, then re-optimise as a new version."""
    require(actor, "plans.adjust")
    with db.atomic():
        plan = get_scoped(Plan, plan_id, Plan.area_code, actor)
        _check_adjustable(plan)
        locks = _apply_adjustments(plan, command)
        return _new_version(plan.township, plan.day, actor, base=plan, locks=locks,
                            action="plan.adjusted")


def _apply_adjustments(plan: Plan, command: AdjustPlan) -> dict[str, int]:
    stops = {stop.visit_key: stop for stop in plan.stops}
    worker_ids = {route["worker_id"] for route in plan.routes}
    locks = dict(plan.locks)
    for adjustment in command.adjustments:
        key = adjustment.visit_key
        stop = stops.get(key)
        if stop is None:
            raise ValidationFailed("该探访不在此路线中", code="unknown_visit",
                                   errors={"visit_key": [key]})
        if stop.fixed in ("finished", "started"):
            raise Conflict("已签到或已完成的探访不能调整", code="stop_fixed")
        if adjustment.action == "unlock":
            locks.pop(key, None)
            continue
        worker_id = adjustment.worker_id or stop.worker_id
        if worker_id is None:
            raise ValidationFailed("未排入路线的探访须指定社工", code="worker_required",
                                   errors={"worker_id": ["必填"]})
        if worker_id not in worker_ids:
            raise ValidationFailed("该社工当日不在岗", code="unknown_worker",
                                   errors={"worker_id": [worker_id]})
        locks[key] = worker_id
    return locks
