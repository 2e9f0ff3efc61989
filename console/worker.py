"""The social worker's day on a phone: the stops in order with arrival windows, the client in
brief (masked), call and navigation links, and where each visit stands (check in, record it,
or say why it was missed). With no route today the page offers the next planned day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import (
    Blueprint,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from backend.errors import NotFound
from backend.models import Plan, PlanStatus, StaffAccount, Visit
from backend.models.clients import CLIENT_CATEGORIES
from backend.models.visits import MISSED_REASONS
from backend.permissions import require
from backend.services import client_calls, planning, visits
from backend.services.care_plans import local_today
from console import forms, pages


def route_of(day: date) -> dict[str, Any] | None:
    """The worker's route of a day from the latest published plan, or None when unplanned."""
    try:
        return planning.my_route(day, actor=g.actor)
    except NotFound:
        return None


def next_planned_day(after: date) -> date | None:
    """The first day after ``after`` with a published plan for the worker's township."""
    township_id = StaffAccount.get_by_id(g.actor.id).township_id
    if township_id is None:
        return None
    plan = (planning.list_plans(actor=g.actor, township_id=township_id)
            .where(Plan.day > after, Plan.status == PlanStatus.DONE)
            .order_by(Plan.day).first())
    return plan.day if plan else None


def latest_visits(stops: list[dict[str, Any]]) -> dict[str, Visit]:
    """The worker's latest visit record of each stop, by the stop's visit key."""
    bookings = [s["source_id"] for s in stops if s["source"] == "booking"] or [0]
    cares = [s["source_id"] for s in stops if s["source"] == "care_visit"] or [0]
    query = visits.list_visits(actor=g.actor, worker_id=g.actor.id).where(
        Visit.booking.in_(bookings) | Visit.care_visit.in_(cares))
    found: dict[str, Visit] = {}
    for visit in query:  # newest first: a care visit missed once may be visited again
        key = (f"booking:{visit.booking_id}" if visit.booking_id
               else f"care:{visit.care_visit_id}")
        found.setdefault(key, visit)
    return found


def day_page(errors: dict[str, forms.FormErrors] | None = None, status: int = 200,
             asked: date | None = None) -> ResponseReturnValue:
    """A day's ordered stops (today unless asked), each with its visit's state."""
    require(g.actor, "route.read")
    problems: forms.FormErrors = {}
    asked = asked or forms.day(request.args, "date", problems)
    today = local_today()
    day = asked or today
    route = route_of(day)
    if route is None and asked is None and (upcoming := next_planned_day(today)):
        day, route = upcoming, route_of(upcoming)
    stops = route["stops"] if route else []
    return render_template(
        "console/worker/today.html", route=route, day=day, today=today,
        states=latest_visits(stops), errors=errors or {}, problems=problems,
        categories=CLIENT_CATEGORIES, missed_reasons=MISSED_REASONS), status


def today_page() -> ResponseReturnValue:
    """Today's stops, or the next planned day's when today has none."""
    return day_page()


def call(client_id: int) -> ResponseReturnValue:
    """The number of a client on one's round, to dial; the reveal is access-logged."""
    try:
        target = client_calls.phone_to_call(client_id, actor=g.actor)
    except NotFound as exc:
        if exc.code != "field_empty":
            raise
        flash("该服务对象及其监护人均未登记联系电话", "error")
        return redirect(url_for("console.worker_today"))
    response = make_response(render_template("console/worker/call.html", target=target))
    response.headers["Cache-Control"] = "no-store"
    return response


def local_hm(value: datetime | None) -> str:
    """A stored (naive UTC) time as Asia/Shanghai hours and minutes, ``14:05``."""
    return pages.local_time(value)[11:]


def register(blueprint: Blueprint) -> None:
    """The worker's day, and calling a client on it."""
    blueprint.add_app_template_filter(local_hm, "local_hm")
    blueprint.add_url_rule("/worker", "worker_today", today_page)
    # A POST (never a link a browser may prefetch) whose path says it reveals.
    blueprint.add_url_rule("/worker/clients/<int:client_id>/phone/reveal", "worker_call", call,
                           methods=["POST"])
