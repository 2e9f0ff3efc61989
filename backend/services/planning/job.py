"""The planning job: one queued plan gathered, solved, stored and published, its progress
written as it goes, and a failure recorded whatever goes wrong."""

from __future__ import annotations

import logging

import scheduler
from backend import audit, outbox, runtime
from backend.errors import DomainError
from backend.models import Plan, utcnow
from backend.permissions import SYSTEM, Actor
from backend.services.planning.problem import gather_day
from backend.services.planning.storage import store_plan
from backend.unit_of_work import unit_of_work

_log = logging.getLogger(__name__)

# Solver wall-clock budget; settings may override it ("planning_time_limit").
DEFAULT_TIME_LIMIT_S = 5.0
# A day's budget follows its size: a 7-visit day has its plan long before 5 s, a 50-visit day
# uses them all (benchmarks/README: from 2 s on, days of up to 100 visits are within 2% of
# their 5 s plan). At city size the nightly run is 200 of these, so the seconds add up.
SECONDS_PER_VISIT = 0.1
MIN_TIME_LIMIT_S = 1.0
JOB_TIMEOUT_S = 600


def plan_job_id(plan_id: int) -> str:
    """The one RQ job id a plan's computation can have."""
    return f"plan-{plan_id}"


def _set_progress(plan_id: int, progress: str) -> None:
    # Progress is shown while the job runs; the status changes around it are the audited ones.
    Plan.update(progress=progress, updated_at=utcnow()).where(Plan.id == plan_id).execute()


def mark_failed(plan: Plan, message: str, code: str, actor: Actor) -> None:
    """Mark a plan failed with the reason shown to staff; audited, and ``plan.failed`` emitted."""
    before = plan.status
    plan.status, plan.progress, plan.error, plan.finished_at = "failed", "failed", message, utcnow()
    plan.touch()
    plan.save()
    audit.record(actor=actor, action="plan.failed", entity="plan", entity_id=plan.id,
                 changes={"status": [before, "failed"]}, reason=code, area_code=plan.area_code)
    outbox.emit("plan.failed", plan_id=plan.id, township_id=plan.township_id)


def run_plan(plan_id: int) -> str:
    """The job: gather, solve, store and publish one queued plan; answer what became of it.

    Three units of work: the plan starts, the solution is stored (or the failure recorded);
    between them progress is written as it happens and nothing holds a transaction open.
    """
    with unit_of_work(actor=SYSTEM):
        plan = Plan.get_or_none(Plan.id == plan_id)
        if plan is None or plan.status != "queued":
            return "skipped"  # already run (a retried or duplicated job)
        plan.status, plan.progress, plan.started_at = "running", "gathering", utcnow()
        plan.touch()
        plan.save()
        audit.record(actor=SYSTEM, action="plan.started", entity="plan", entity_id=plan.id,
                     changes={"status": ["queued", "running"]})
    try:
        day = gather_day(plan)
        _set_progress(plan_id, "solving")
        result = scheduler.solve(day.problem,
                                 time_limit=time_limit_for(len(day.problem.visits), _time_limit()),
                                 processes=runtime.settings().planning_processes or None)
        _set_progress(plan_id, "storing")
        store_plan(plan_id, day, result)
        outcome = "done"
    except Exception as exc:  # whatever happens, the plan row must not stay "running"
        if isinstance(exc, DomainError | scheduler.NoPlanError | TimeoutError):
            _log.warning("plan %s failed: %s", plan_id, exc)
        else:
            _log.exception("plan %s failed unexpectedly", plan_id)
        with unit_of_work(actor=SYSTEM):
            mark_failed(Plan.get_by_id(plan_id), _failure_message(exc), type(exc).__name__,
                        SYSTEM)
        outcome = "failed"
    return outcome


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, scheduler.NoPlanError):
        return "已签到或已完成的探访无法保持原位，请检查后重试"
    if isinstance(exc, TimeoutError):  # the job queue's time limit (it raises one)
        return "排线计算超过时限，已停止，请重新排线或联系管理员"
    return "排线计算出错，请稍后重试或联系管理员"


def time_limit_for(visit_count: int, ceiling: float = DEFAULT_TIME_LIMIT_S) -> float:
    """The solver's budget for a day of ``visit_count`` visits, never above ``ceiling``."""
    return min(ceiling, max(MIN_TIME_LIMIT_S, visit_count * SECONDS_PER_VISIT))


def _time_limit() -> float:
    return float(runtime.settings().extra.get("planning_time_limit", DEFAULT_TIME_LIMIT_S))
