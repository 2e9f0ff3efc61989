"""The day's routes: plan or re-plan a date, watch the job's progress, both workers' routes on a
map, the visits left out with their reasons, lock or move visits and re-optimise (the API's
``adjust_plan``), and an A4 route sheet per worker."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend import runtime
from backend.commands.planning import Adjustment, AdjustPlan
from backend.errors import DomainError, NotFound, ValidationFailed
from backend.models import PlanStatus, StaffAccount
from backend.models.plans import DROP_REASONS, PLAN_PROGRESS, PLAN_STATUSES, STOP_FIXED
from backend.permissions import require
from backend.services import geography, planning
from backend.services.care_plans import local_today
from console.forms import FORM_ERROR, FormErrors
from console.pages import refusal_status

ADJUST = "adjust:"  # form fields "adjust:<visit_key>" = "lock" | "unlock" | "move:<worker id>"
MAX_ADJUSTMENTS = 50  # as the API takes at once


def _day(text: str | None) -> date:
    if not text:
        return local_today() + timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("日期格式应为 2026-12-08", code="bad_date") from None


def _township_id() -> int | None:
    return StaffAccount.get_by_id(g.actor.id).township_id


def day_page(errors: FormErrors | None = None, status: int = 200,
             day: date | None = None) -> ResponseReturnValue:
    """The latest plan of a date (or none yet), with the form to plan it."""
    require(g.actor, "plans.read")
    day = day or _day(request.args.get("date"))
    latest = list(planning.list_plans(actor=g.actor, township_id=_township_id(), day=day)
                  .limit(1))
    if latest and not errors:
        return redirect(url_for("console.plan", plan_id=latest[0].id))
    return render_template("console/plans/day.html", day=day, plan=None,
                           errors=errors or {}), status


def request_day() -> ResponseReturnValue:
    """Plan (or re-plan) the date; the page then follows the job."""
    township_id = _township_id()
    if township_id is None:
        raise ValidationFailed("您的账号未关联乡镇", code="no_township")
    day = _day(request.form.get("date"))
    try:
        plan = planning.request_plan(township_id, day, actor=g.actor)
    except NotFound:
        raise
    except DomainError as exc:
        latest = list(planning.list_plans(actor=g.actor, township_id=township_id, day=day)
                      .limit(1))
        if latest:
            return plan_page(latest[0].id, {"date": exc.message}, refusal_status(exc))
        return day_page({"date": exc.message}, refusal_status(exc), day)
    flash(f"已提交{plan.day.month}月{plan.day.day}日第 {plan.version} 版排线", "info")
    return redirect(url_for("console.plan", plan_id=plan.id))


def plan_page(plan_id: int, errors: FormErrors | None = None,
              status: int = 200) -> ResponseReturnValue:
    """A plan: progress while it runs (polled), then its routes, map and left-out visits."""
    detail = planning.plan_detail(plan_id, actor=g.actor)
    plan = detail["plan"]
    running = plan.status in (PlanStatus.QUEUED, PlanStatus.RUNNING)
    polled = bool(request.headers.get("HX-Request"))
    if polled and not running:  # finished: the whole page, with its map, replaces the poll
        return Response(status=204, headers={"HX-Refresh": "true"})
    template = "console/plans/_progress.html" if polled else "console/plans/plan.html"
    settings = runtime.settings()
    latest = planning.latest_published(plan.township_id, plan.day)
    return render_template(
        template, detail=detail, plan=plan, running=running, statuses=PLAN_STATUSES,
        progress=PLAN_PROGRESS, drop_reasons=DROP_REASONS, fixed_labels=STOP_FIXED,
        tile_url=settings.map_tile_url, tile_attribution=settings.map_tile_attribution,
        map_extra=None if polled else _map_extra(detail), latest=latest,
        refusal=None if polled else planning.adjustment_refusal(plan_id, actor=g.actor),
        errors=errors or {}, form=request.form, day=plan.day), status


def _map_extra(detail: dict[str, Any]) -> dict[str, Any]:
    """What the map draws beside the plan's GeoJSON: each worker's colour (by route order),
    who each stop is, and the township's villages for when there are no tiles to show them."""
    labels = {stop["visit_key"]: stop["client"]["name"]
              for route in detail["routes"] for stop in route["stops"]}
    labels.update({stop["visit_key"]: stop["client"]["name"] for stop in detail["dropped"]})
    villages = geography.villages_of(detail["plan"].township, actor=g.actor)
    return {"workers": [route["worker_id"] for route in detail["routes"]], "labels": labels,
            "villages": [{"name": v.name, "lat": v.lat, "lng": v.lng} for v in villages]}


def _adjustments(form: Any, errors: FormErrors) -> tuple[Adjustment, ...]:
    """The changes chosen on the plan page, as the API's ``adjustments`` list."""
    chosen = []
    for name, value in form.items():
        if not name.startswith(ADJUST) or not value:
            continue
        action, _, worker = value.partition(":")
        if action not in ("move", "lock", "unlock") or (worker and not worker.isdigit()):
            errors[FORM_ERROR] = "调整选项无效，请刷新页面后重试"
            continue
        chosen.append(Adjustment(visit_key=name.removeprefix(ADJUST), action=action,
                                 worker_id=int(worker) if worker else None))
    if not chosen and not errors:
        errors[FORM_ERROR] = "请至少为一个探访选择调整方式"
    if len(chosen) > MAX_ADJUSTMENTS:
        errors[FORM_ERROR] = f"一次最多调整 {MAX_ADJUSTMENTS} 个探访"
    return tuple(chosen)


def adjust(plan_id: int) -> ResponseReturnValue:
    """Lock or move the chosen visits and re-optimise the day as a new version."""
    errors: FormErrors = {}
    adjustments = _adjustments(request.form, errors)
    if errors:
        return plan_page(plan_id, errors, 422)
    try:
        plan = planning.adjust_plan(plan_id, AdjustPlan(adjustments=adjustments),
                                    actor=g.actor)
    except NotFound:
        raise
    except DomainError as exc:
        return plan_page(plan_id, {FORM_ERROR: exc.message}, refusal_status(exc))
    flash(f"已按 {len(adjustments)} 项调整提交第 {plan.version} 版排线", "info")
    return redirect(url_for("console.plan", plan_id=plan.id))


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
    blueprint.add_url_rule("/plans/<int:plan_id>/adjustments", "plan_adjust", adjust,
                           methods=["POST"])
    blueprint.add_url_rule("/plans/<int:plan_id>/workers/<int:worker_id>/sheet", "route_sheet",
                           route_sheet)
