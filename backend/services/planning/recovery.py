"""Plans whose job died: marked failed with the reason, and run again when the operators retry.

A planning job that raises marks its own plan failed (``job.run_plan``). One that cannot — its
work horse killed, its worker gone, its time limit hit inside the solver — is reported by the
job queue (``notifications``: RQ's failure callback) through ``fail_plan_job``; and a plan still
``running`` long after any job could be (the queue itself lost) is failed by the periodic
``fail_overrun_plans``. A failed plan no longer blocks re-planning its day; ``rerun_plan_job``
puts the same version back in the queue for the operators' retry.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from backend import audit, outbox
from backend.db import db
from backend.errors import Conflict
from backend.models import OutboxEvent, Plan, utcnow
from backend.outbox import EventStatus
from backend.permissions import Actor, require
from backend.services.planning.job import JOB_TIMEOUT_S, mark_failed
from backend.services.planning.requests import check_day
from backend.services.planning.views import ACTIVE_STATUSES

# RQ kills a job at its timeout and its worker's monitor kills the process a minute later at
# the latest; past that and a margin for clocks and slow commits, no job is computing the plan.
OVERRUN_AFTER = timedelta(seconds=JOB_TIMEOUT_S + 60 + 120)


def fail_plan_job(plan_id: int, *, reason: str, code: str, actor: Actor) -> bool:
    """Mark a queued or running plan failed because its job died; False if it had finished."""
    require(actor, "plans.recover")
    with db.atomic():
        plan = Plan.get_or_none(Plan.id == plan_id)
        if plan is None or plan.status not in ACTIVE_STATUSES:
            return False  # done or already failed: the job finished before it died
        mark_failed(plan, reason, code, actor)
    return True


def fail_overrun_plans(*, actor: Actor, now: datetime | None = None) -> int:
    """Periodic: fail plans still ``running`` past any job's time budget; answer how many."""
    require(actor, "plans.recover")
    limit = (now or utcnow()) - OVERRUN_AFTER
    minutes = round(OVERRUN_AFTER.total_seconds() / 60)
    failed = 0
    with db.atomic():
        started_long_ago = Plan.started_at.is_null(False) & (Plan.started_at < limit)
        untouched_long = Plan.started_at.is_null() & (Plan.updated_at < limit)
        overrun = Plan.select().where((Plan.status == "running")
                                      & (started_long_ago | untouched_long))
        for plan in overrun:
            mark_failed(plan, f"排线计算超过 {minutes} 分钟仍未完成，任务已丢失，请重新排线",
                        "overrun", actor)
            failed += 1
    return failed


def rerun_plan_job(job_id: str, *, actor: Actor) -> Plan | None:
    """Queue the plan of a failed job again, same version; None when the job is not a plan's."""
    require(actor, "operations.manage")
    plan = Plan.get_or_none(Plan.job_id == job_id)
    if plan is None:
        return None
    with db.atomic():
        if plan.status == "done":
            raise Conflict("该路线已发布，无需重试", code="plan_already_done")
        newer = Plan.select().where((Plan.township == plan.township_id) & (Plan.day == plan.day)
                                    & (Plan.version > plan.version)).exists()
        if newer:
            raise Conflict("该乡镇当日已有更新的路线版本，请在新版本上操作", code="plan_superseded")
        check_day(plan.day)
        before = plan.status
        plan.status, plan.progress, plan.error = "queued", "queued", None
        plan.started_at = plan.finished_at = None
        plan.touch()
        plan.save()
        _close_earlier_requests(plan.id)
        audit.record(actor=actor, action="plan.retried", entity="plan", entity_id=plan.id,
                     changes={"status": [before, "queued"]}, area_code=plan.area_code)
        outbox.emit("plan.requested", plan_id=plan.id, township_id=plan.township_id)
    return plan


def _close_earlier_requests(plan_id: int) -> None:
    # The new event carries the re-run; an old one still open would only be skipped later.
    for event in OutboxEvent.select().where((OutboxEvent.topic == "plan.requested") &
                                            (OutboxEvent.status != EventStatus.DONE)):
        if event.payload.get("plan_id") == plan_id:
            outbox.mark_done(event)
