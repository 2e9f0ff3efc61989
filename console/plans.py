"""The day's routes: plan or re-plan a date, watch the job's progress, both workers' routes on a
map, the visits left out with their reasons, and an A4 route sheet per worker."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend import runtime
from backend.errors import ValidationFailed
from backend.models import PlanStatus, StaffAccount
from backend.models.plans import DROP_REASONS, PLAN_PROGRESS, PLAN_STATUSES
from backend.permissions import require
from backend.services import planning
from backend.services.care_plans import local_today


def _day(text: str | None) -> date:
    if not text:
        return local_today() + timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("日期格式应为 2026-12-08", code="bad_date") from None


def _township_id() -> int | None:
    return StaffAccount.get_by_id(g.actor.id).township_id


def day_page() -> ResponseReturnValue:
    """The latest plan of a date (or none yet), with the form to plan it."""
    require(g.actor, "plans.read")
    day = _day(request.args.get("date"))
    latest = list(planning.list_plans(actor=g.actor, township_id=_township_id(), day=day)
                  .limit(1))
    if latest:
        return redirect(url_for("console.plan", plan_id=latest[0].id))
    return render_template("console/plans/day.html", day=day, plan=None)


def request_day() -> ResponseReturnValue:
    """Plan (or re-plan) the date; the page then follows the job."""
    township_id = _township_id()
    if township_id is None:
        raise ValidationFailed("您的账号未关联乡镇", code="no_township")
    plan = planning.request_plan(township_id, _day(request.form.get("date")), actor=g.actor)
    flash(f"已提交第 {plan.version} 版排线，正在计算", "info")
    return redirect(url_for("console.plan", plan_id=plan.id))


def plan_page(plan_id: int) -> ResponseReturnValue:
    """A plan: progress while it runs (polled), then its routes, map and left-out visits."""
    detail = planning.plan_detail(plan_id, actor=g.actor)
    running = detail["plan"].status in (PlanStatus.QUEUED, PlanStatus.RUNNING)
    polled = bool(request.headers.get("HX-Request"))
    if polled and not running:  # finished: the whole page, with its map, replaces the poll
        return Response(status=204, headers={"HX-Refresh": "true"})
    template = "console/plans/_progress.html" if polled else "console/plans/plan.html"
    settings = runtime.settings()
    return render_template(template, detail=detail, plan=detail["plan"], running=running,
                           statuses=PLAN_STATUSES, progress=PLAN_PROGRESS,
                           drop_reasons=DROP_REASONS, tile_url=settings.map_tile_url,
                           tile_attribution=settings.map_tile_attribution)


def route_sheet(plan_id: int, worker_id: int) -> ResponseReturnValue:
    """One worker's route sheet, for printing on A4."""
    detail = planning.plan_detail(plan_id, actor=g.actor)
    route = next((r for r in detail["routes"] if r["worker_id"] == worker_id), None)
    if route is None:
        raise ValidationFailed("该社工不在此路线中", code="unknown_worker")
    return render_template("console/plans/sheet.html", plan=detail["plan"], route=route)


def register(blueprint: Blueprint) -> None:
    """The planning pages."""
    blueprint.add_url_rule("/plans", "plans", day_page)
    blueprint.add_url_rule("/plans", "plan_request", request_day, methods=["POST"])
    blueprint.add_url_rule("/plans/<int:plan_id>", "plan", plan_page)
    blueprint.add_url_rule("/plans/<int:plan_id>/workers/<int:worker_id>/sheet", "route_sheet",
                           route_sheet)
