"""The township desk (乡镇民政办): today's dashboard and the work queue."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from backend import workflows
from backend.models import Application, BookingStatus, StaffAccount
from backend.permissions import require
from backend.services import applications, bookings, planning
from backend.services.care_plans import local_today

PAGE_SIZE = 50


def dashboard() -> ResponseReturnValue:
    """Today at the desk: work waiting by stage, bookings to decide, today's plan."""
    require(g.actor, "applications.queue")
    waiting = list(applications.work_queue(actor=g.actor).limit(PAGE_SIZE))
    by_stage = Counter(a.stage for a in waiting)
    pending = list(bookings.list_bookings(actor=g.actor, status=BookingStatus.PENDING)
                   .limit(PAGE_SIZE))
    staff = StaffAccount.get_by_id(g.actor.id)
    today = local_today()
    plans = (list(planning.list_plans(actor=g.actor, township_id=staff.township_id, day=today)
                  .limit(1)) if staff.township_id else [])
    return render_template(
        "console/desk/dashboard.html", waiting=waiting, by_stage=by_stage,
        stage_labels=workflows.STAGE_LABELS, pending=pending, plan=plans[0] if plans else None,
        today=today, overdue=sum(applications.is_overdue(a) for a in waiting))


def queue() -> ResponseReturnValue:
    """The work queue, narrowed by service, stage and whether it is overdue."""
    args = request.args
    query = applications.work_queue(actor=g.actor, overdue_only=args.get("overdue") == "1")
    if args.get("service"):
        query = query.where(Application.service_code == args["service"])
    if args.get("stage"):
        query = query.where(Application.stage == args["stage"])
    services = {code: entry["name"] for code, entry in workflows.guide()["services"].items()}
    return render_template("console/desk/queue.html", items=list(query.limit(PAGE_SIZE)),
                           services=services, stage_labels=workflows.STAGE_LABELS,
                           filters=args, is_overdue=applications.is_overdue)


def register(blueprint: Blueprint) -> None:
    """The desk's pages."""
    blueprint.add_url_rule("/desk", "desk", dashboard)
    blueprint.add_url_rule("/desk/queue", "desk_queue", queue)
