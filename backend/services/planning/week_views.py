"""Reading the week's plan: per day and worker the visits placed and the hours they take,
the visits left out with their reason, and the day plans the placement asked for."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from backend.errors import NotFound
from backend.models import Client, Plan, StaffAccount, WeekPlacement, WeekPlan
from backend.permissions import Actor, get_scoped, require, scoped
from backend.services import visits
from backend.services.planning.placed import latest_week
from backend.services.planning.week import week_monday
from scheduler.week import WeekWeights

_TRAVEL_ALLOWANCE_S = WeekWeights().travel_allowance_s


def get_week_plan(week_plan_id: int, *, actor: Actor) -> WeekPlan:
    """One version of a week's plan in the actor's scope."""
    require(actor, "plans.read")
    return get_scoped(WeekPlan, week_plan_id, WeekPlan.area_code, actor)


def find_week_plan(township_id: int, week: str, *, actor: Actor) -> WeekPlan:
    """The latest version of a township's week in the actor's scope; 404 when not planned."""
    require(actor, "plans.read")
    week_monday(week)  # refuses a malformed week with its own message
    plan = latest_week(township_id, week)
    if plan is None or not scoped(WeekPlan.select(), WeekPlan.area_code, actor).where(
            WeekPlan.id == plan.id).exists():
        raise NotFound("该乡镇本周尚未安排", code="week_plan_not_found")
    return plan


def week_detail(plan: WeekPlan) -> dict[str, Any]:
    """The week as staff read it: days → workers → visits, the left-out, the day plans."""
    rows = list(plan.placements.order_by(WeekPlacement.day, WeekPlacement.worker,
                                         WeekPlacement.visit_key))
    ids = {w for r in rows for w in (r.worker_id, r.partner_worker_id) if w is not None}
    staff = StaffAccount.select().where(
        (StaffAccount.township == plan.township_id) & (StaffAccount.role == "social_worker")
        | StaffAccount.id.in_(ids or {0}))
    names = {s.id: s.name for s in staff}
    clients = {c.id: c.name for c in Client.select(Client.id, Client.name).where(
        Client.id.in_({r.client_id for r in rows if r.client_id is not None} or {0}))}
    views = {r.visit_key: _placement_view(r, names, clients) for r in rows}
    return {"plan": plan, "days": _days(plan, rows, names, views),
            "placements": [views[r.visit_key] for r in rows if r.day is not None],
            "unplaced": [views[r.visit_key] for r in rows if r.day is None],
            "day_plans": _day_plans(plan)}


def _placement_view(row: WeekPlacement, names: dict[int, str], clients: dict[int, str]
                    ) -> dict[str, Any]:
    return {
        "visit_key": row.visit_key, "source": row.source, "source_id": row.source_id,
        "client": {"id": row.client_id, "name": clients.get(row.client_id or 0, "")},
        "kind": row.kind, "priority": row.priority, "earliest": row.earliest,
        "latest": row.latest, "duration_minutes": row.duration_s // 60,
        "workers_needed": row.workers_needed, "day": row.day, "worker_id": row.worker_id,
        "worker_name": names.get(row.worker_id or 0),
        "partner_worker_id": row.partner_worker_id,
        "partner_worker_name": names.get(row.partner_worker_id or 0),
        "held": row.held, "pinned": row.visit_key in row.week_plan.pins, "reason": row.reason}


def _days(plan: WeekPlan, rows: list[WeekPlacement], names: dict[int, str],
          views: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    days = []
    for n in range(7):
        day = plan.monday + timedelta(days=n)
        on_duty = {w.worker_id: w for w in visits.list_workers_for_day(plan.township_id, day)}
        workers = []
        for worker_id in sorted(names.keys() | on_duty.keys()):
            own = [r for r in rows if r.day == day and worker_id in (r.worker_id,
                                                                     r.partner_worker_id)]
            duty = on_duty.get(worker_id)
            workers.append({
                "worker_id": worker_id, "worker_name": names.get(worker_id, ""),
                "on_duty": duty is not None,
                "load_minutes": sum(r.duration_s + _TRAVEL_ALLOWANCE_S for r in own) // 60,
                "shift_minutes": (duty.shift_end_s - duty.shift_start_s) // 60 if duty else 0,
                "visits": [views[r.visit_key] for r in own]})
        days.append({"date": day, "visit_count": sum(1 for r in rows if r.day == day),
                     "workers": workers})
    return days


def _day_plans(plan: WeekPlan) -> list[dict[str, Any]]:
    """Each day plan this version asked for, with its status now."""
    ids = {int(plan_id): day for day, plan_id in plan.day_plans.items()}
    found = {p.id: p for p in Plan.select().where(Plan.id.in_(list(ids) or [0]))}
    return [{"date": date.fromisoformat(day), "plan_id": plan_id,
             "status": found[plan_id].status}
            for plan_id, day in sorted(ids.items(), key=lambda item: item[1]) if plan_id in found]
