"""Periodic jobs: declared as data, each naming the function it runs (so a wrong name fails at
import), registered with RQ's cron scheduler by ``notifications.cron``.

Times are cron expressions in UTC (RQ's clock): 12:00 UTC is 20:00 in Asia/Shanghai. Our own
jobs run as they are; a domain task runs through ``run_task``, which gives it the system actor
and the day when its signature asks for them; ``per_township`` fans a task out as one job per
township, so townships are planned in parallel on many workers.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from backend import outbox, tasks
from backend.models import Booking, OutboxEvent, Township
from backend.models.base import local_today
from backend.permissions import SYSTEM
from backend.services import messages, supervision
from backend.unit_of_work import unit_of_work
from notifications import relay, sender
from notifications.jobs import job, log, send_all
from notifications.relay import DEFAULT_QUEUE, NOTIFICATIONS_QUEUE, PLANNING_QUEUE


@job
def send_pending_deliveries(limit: int = 200) -> int:
    """Retry sends left pending by a busy WeChat after their event's job gave up."""
    ids = messages.unfinished_delivery_ids(limit=limit)
    with contextlib.suppress(sender.SendLater):  # still busy: the next run tries again
        send_all(ids)
    return len(ids)


@job
def sweep_outbox(stale_minutes: int = 1) -> int:
    """Hand on events left pending (Redis was down) or whose queued job was lost."""
    count = relay.current_relay().sweep(stale_after=timedelta(minutes=stale_minutes))
    log.info("outbox sweep handed on %s events", count)
    return count


@job
def emit_visit_reminders(day: str | None = None) -> int:
    """Emit one ``visit.reminder`` per approved booking on ``day`` (default tomorrow), once."""
    target = date.fromisoformat(day) if day else local_today() + timedelta(days=1)
    bookings = Booking.select(Booking.id).where(
        (Booking.status == "approved") & (Booking.scheduled_date == target))
    emitted = 0
    with unit_of_work(actor=SYSTEM):
        for booking in bookings:
            payload = {"booking_id": booking.id, "day": target.isoformat()}
            exists = OutboxEvent.select().where((OutboxEvent.topic == "visit.reminder") &
                                                (OutboxEvent.payload == payload)).exists()
            if not exists:  # the job may run twice a day: remind once
                outbox.emit("visit.reminder", **payload)
                emitted += 1
    return emitted


@job
def run_task(task: Callable[..., Any], day_offset: int = 0, **kwargs: Any) -> str:
    """Run a domain task, giving it the system actor and the day if it asks for them."""
    params = inspect.signature(task).parameters
    if "actor" in params:
        kwargs.setdefault("actor", SYSTEM)
    for name in ("today", "day"):
        if name in params and name not in kwargs:
            kwargs[name] = local_today() + timedelta(days=day_offset)
    result = task(**kwargs)
    log.info("periodic task %s done: %s", task.__name__,
             result if isinstance(result, int | str) else "ok")
    return "done"


@job
def fan_out_townships(task: Callable[..., Any], queue: str = PLANNING_QUEUE,
                      day_offset: int = 0) -> int:
    """Queue a task once per township and day, so townships run in parallel on many workers."""
    ids = [t.id for t in Township.select(Township.id).order_by(Township.id)]
    day = local_today().isoformat()
    for township_id in ids:
        relay.current_relay().enqueue(
            run_task, queue=queue, job_id=f"task-{task.__name__}-{day}-{township_id}",
            task=task, day_offset=day_offset, township_id=township_id)
    return len(ids)


@dataclass(frozen=True)
class PeriodicJob:
    """One periodic job: what runs, how often, on which queue."""

    id: str
    func: Callable[..., Any]
    description: str
    cron: str | None = None
    interval: int | None = None  # seconds
    queue: str = DEFAULT_QUEUE
    kwargs: dict[str, Any] = field(default_factory=dict)
    per_township: bool = False  # one job per township, in parallel on ``queue``


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("outbox-sweep", sweep_outbox, "把待发送或丢失的事件重新入队", interval=60,
                queue=NOTIFICATIONS_QUEUE),
    PeriodicJob("plans-overrun", tasks.fail_overrun_plans, "把超过时限仍在计算的排线标为失败",
                cron="* * * * *"),
    PeriodicJob("retry-sends", send_pending_deliveries, "重试因微信繁忙而推迟的订阅消息",
                interval=300, queue=NOTIFICATIONS_QUEUE),
    PeriodicJob("visit-reminders", emit_visit_reminders, "上门前一天提醒居民",
                cron="0 10 * * *", queue=NOTIFICATIONS_QUEUE),
    # The week's placement first, then tomorrow's routes from it, in one job per township.
    PeriodicJob("plan-coming-week", tasks.plan_coming_week, "每晚为各乡镇安排未来一周的探访日期"
                "（只为有变化的探访重新安排），并排出次日探访路线", cron="0 12 * * *",
                queue=PLANNING_QUEUE, per_township=True),
    PeriodicJob("care-visits-due", tasks.generate_due_care_visits, "生成到期的关爱探访",
                cron="0 17 * * *"),
    PeriodicJob("re-reviews-due", tasks.open_due_re_reviews, "开启到期的定期复核",
                cron="10 17 * * *"),
    PeriodicJob("escalate-overdue", tasks.escalate_overdue_steps, "超时环节上报乡镇负责人",
                cron="0 1 * * *"),
    # The urgent track's stages are due at an hour, so they are checked every ten minutes.
    PeriodicJob("escalate-urgent", tasks.escalate_late_urgent_stages,
                "紧急救助环节按小时督办，超时即上报乡镇负责人", cron="*/10 * * * *"),
    PeriodicJob("escalate-grievances", tasks.escalate_late_grievances,
                "超期未答复的群众诉求转乡镇负责人、再转市民政局督办", cron="30 1 * * *"),
    PeriodicJob("weekly-supervision", supervision.weekly_supervision_report, "周督导报告",
                cron="0 0 * * 1"),
    PeriodicJob("monthly-bulletin", supervision.monthly_bulletin, "月通报", cron="0 0 1 * *"),
)
_OWN_JOBS = frozenset({sweep_outbox, send_pending_deliveries, emit_visit_reminders})


def job_call(periodic: PeriodicJob) -> tuple[Callable[..., Any], str, dict[str, Any]]:
    """The job function, queue and keyword arguments the scheduler enqueues for a declaration."""
    if periodic.func in _OWN_JOBS:
        return periodic.func, periodic.queue, dict(periodic.kwargs)
    if periodic.per_township:
        return fan_out_townships, DEFAULT_QUEUE, {"task": periodic.func,
                                                  "queue": periodic.queue, **periodic.kwargs}
    return run_task, periodic.queue, {"task": periodic.func, **periodic.kwargs}
