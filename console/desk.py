"""The township desk (乡镇民政办): today's dashboard and the work queue."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from backend import workflows
from backend.models import BookingStatus, StaffAccount
from backend.models.plans import PLAN_STATUSES
from backend.permissions import require
from backend.services import applications, bookings, planning
from backend.services.care_plans import local_today
from console import forms
from console.forms import FormErrors

PAGE_SIZE = 50
URGENT = 10  # the soonest-due applications the dashboard lists
DUE_WITHIN = {"0": "今天到期", "3": "3 日内到期", "7": "7 日内到期"}


def dashboard() -> ResponseReturnValue:
    """Today at the desk: work waiting by stage, bookings to decide, today's plan."""
    require(g.actor, "applications.queue")
    pending = bookings.list_bookings(actor=g.actor, status=BookingStatus.PENDING)
    staff = StaffAccount.get_by_id(g.actor.id)
    today = local_today()
    plans = (list(planning.list_plans(actor=g.actor, township_id=staff.township_id, day=today)
                  .limit(1)) if staff.township_id else [])
    return render_template(
        "console/desk/dashboard.html", stages=applications.queue_summary(actor=g.actor),
        urgent=list(applications.work_queue(actor=g.actor).limit(URGENT)),
        pending=list(pending.limit(URGENT)), pending_count=pending.count(),
        plan=plans[0] if plans else None, plan_statuses=PLAN_STATUSES, today=today,
        is_overdue=applications.is_overdue, stage_labels=workflows.STAGE_LABELS)


def _queue_filter(args: dict[str, str], errors: FormErrors) -> applications.QueueFilter:
    """The work queue's filters from the query string; a bad one is said beside its field."""
    services = workflows.guide()["services"]
    if args.get("service") and args["service"] not in services:
        errors["service"] = "没有这个事项"
    if args.get("stage") and args["stage"] not in workflows.STAGE_LABELS:
        errors["stage"] = "没有这个环节"
    if args.get("due") and args["due"] not in DUE_WITHIN:
        errors["due"] = "请选择到期范围"
    due_from, due_to = forms.day(args, "due_from", errors), forms.day(args, "due_to", errors)
    if due_from and due_to and due_from > due_to:
        errors["due_to"] = "截止日期不能早于起始日期"
    within = args.get("due")
    return applications.QueueFilter(
        service_code=args.get("service") or None, stage=args.get("stage") or None,
        overdue_only=args.get("overdue") == "1", due_from=due_from, due_to=due_to,
        due_within_days=int(within) if within in DUE_WITHIN else None)


def queue() -> ResponseReturnValue:
    """The work queue, narrowed by service, stage and due date, a page at a time."""
    args = request.args.to_dict()
    errors: FormErrors = {}
    wanted = _queue_filter(args, errors)
    query = applications.work_queue(wanted, actor=g.actor)
    page = forms.page_number(args)
    total = query.count()
    services = {code: entry["name"] for code, entry in workflows.guide()["services"].items()}
    return render_template(
        "console/desk/queue.html", items=list(query.paginate(page, PAGE_SIZE)), total=total,
        page=page, pages=max(1, -(-total // PAGE_SIZE)), services=services,
        stage_labels=workflows.STAGE_LABELS, due_within=DUE_WITHIN, filters=args,
        errors=errors, is_overdue=applications.is_overdue), 422 if errors else 200


def register(blueprint: Blueprint) -> None:
    """The desk's pages."""
    blueprint.add_url_rule("/desk", "desk", dashboard)
    blueprint.add_url_rule("/desk/queue", "desk_queue", queue)
