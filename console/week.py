"""The week's plan: place a week's care visits and bookings on days, read it by worker and day
with the visits left out and why, pin visits to days and place the week again (the API's
``plan_week`` and ``pin_week``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.commands.planning import PinWeek, WeekPin
from backend.errors import DomainError, NotFound, ValidationFailed
from backend.models import StaffAccount
from backend.models.week_plans import PLACEMENT_HELD, UNPLACED_REASONS
from backend.permissions import require
from backend.services import planning
from backend.services.care_plans import local_today
from console.forms import FORM_ERROR, FormErrors
from console.pages import refusal_status

PIN = "pin:"  # form fields "pin:<visit_key>" = "YYYY-MM-DD" | "unpin" | "" (no change)
MAX_PINS = 50  # as the API takes at once


def _week() -> str:
    """The week asked for, or the coming one (next Monday's)."""
    given = request.values.get("week")
    if given:
        return given
    today = local_today()
    return planning.iso_week(today + timedelta(days=7 - today.weekday()))


def _township_id() -> int:
    township_id = StaffAccount.get_by_id(g.actor.id).township_id
    if township_id is None:
        raise ValidationFailed("您的账号未关联乡镇", code="no_township")
    return int(township_id)


def week_page(errors: FormErrors | None = None, status: int = 200) -> ResponseReturnValue:
    """The week's latest version by worker and day (or none yet), with the form to plan it."""
    require(g.actor, "plans.read")
    week = _week()
    errors = dict(errors or {})
    detail = None
    try:
        detail = planning.week_detail(planning.find_week_plan(_township_id(), week,
                                                              actor=g.actor))
    except NotFound:
        pass
    except ValidationFailed as exc:
        errors.setdefault("week", exc.message)
        status = max(status, 422)
    return render_template("console/plans/week.html", week=week, detail=detail,
                           errors=errors, reasons=UNPLACED_REASONS, held=PLACEMENT_HELD,
                           form=request.form, weeks=_nearby_weeks(), today=local_today()), status


def _nearby_weeks() -> list[tuple[str, date]]:
    """This week and the four after it: the weeks that can be planned."""
    monday = local_today() - timedelta(days=local_today().weekday())
    return [(planning.iso_week(monday + timedelta(weeks=n)), monday + timedelta(weeks=n))
            for n in range(5)]


def request_week() -> ResponseReturnValue:
    """Place the week (staff's pins stay); the days it changed are routed afterwards."""
    try:
        plan = planning.plan_week(_township_id(), _week(), actor=g.actor)
    except NotFound:
        raise
    except DomainError as exc:
        return week_page({"week": exc.message}, refusal_status(exc))
    flash(f"已安排 {plan.week} 第 {plan.version} 版：{plan.placed_count} 个探访已排入日期，"
          f"{plan.unplaced_count} 个未能安排", "info")
    return redirect(url_for("console.week_plan", week=plan.week))


def _pins(form: Any, errors: FormErrors) -> tuple[WeekPin, ...]:
    """The pins chosen on the week page, as the API's ``pins`` list."""
    chosen = []
    for name, value in form.items():
        if not name.startswith(PIN) or not value:
            continue
        try:
            day = None if value == "unpin" else date.fromisoformat(value)
        except ValueError:
            errors[FORM_ERROR] = "固定日期选项无效，请刷新页面后重试"
            continue
        chosen.append(WeekPin(visit_key=name.removeprefix(PIN), day=day))
    if not chosen and not errors:
        errors[FORM_ERROR] = "请至少为一个探访选择固定日期或取消固定"
    if len(chosen) > MAX_PINS:
        errors[FORM_ERROR] = f"一次最多固定 {MAX_PINS} 个探访"
    return tuple(chosen)


def pin(week_plan_id: int) -> ResponseReturnValue:
    """Pin the chosen visits to days (or free them) and place the week again."""
    errors: FormErrors = {}
    pins = _pins(request.form, errors)
    if errors:
        return week_page(errors, 422)
    try:
        plan = planning.pin_week(week_plan_id, PinWeek(pins=pins), actor=g.actor)
    except NotFound:
        raise
    except DomainError as exc:
        return week_page({FORM_ERROR: exc.message}, refusal_status(exc))
    flash(f"已按 {len(pins)} 项固定重新安排，第 {plan.version} 版", "info")
    return redirect(url_for("console.week_plan", week=plan.week))


def register(blueprint: Blueprint) -> None:
    """The week's pages."""
    blueprint.add_url_rule("/plans/week", "week_plan", week_page)
    blueprint.add_url_rule("/plans/week", "week_plan_request", request_week, methods=["POST"])
    blueprint.add_url_rule("/plans/week/<int:week_plan_id>/pins", "week_plan_pins", pin,
                           methods=["POST"])
