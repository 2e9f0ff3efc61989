"""Periodic jobs, declared as data and registered with RQ's cron scheduler.

Times are cron expressions in UTC (RQ's clock): 12:00 UTC is 20:00 in Asia/Shanghai. A
``function`` that does not exist yet (its issue is still being built) runs as a logged no-op
(``notifications.jobs.run_task``), so the schedule is complete before every task is.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from redis import Redis
from rq.cron import CronScheduler

from notifications import jobs
from notifications.relay import DEFAULT_QUEUE, NOTIFICATIONS_QUEUE, PLANNING_QUEUE


@dataclass(frozen=True)
class PeriodicJob:
    """One periodic job: what runs, how often, on which queue."""

    id: str
    function: str  # dotted path of the task
    description: str
    cron: str | None = None
    interval: int | None = None  # seconds
    queue: str = DEFAULT_QUEUE
    kwargs: dict[str, Any] = field(default_factory=dict)
    per_township: bool = False  # one job per township, in parallel on the planning queue
    issue: str = ""  # the issue that provides ``function``


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("outbox-sweep", "notifications.jobs.sweep_outbox",
                "把待发送或丢失的事件重新入队", interval=60, queue=NOTIFICATIONS_QUEUE),
    PeriodicJob("retry-sends", "notifications.jobs.send_pending_deliveries",
                "重试因微信繁忙而推迟的订阅消息", interval=300, queue=NOTIFICATIONS_QUEUE),
    PeriodicJob("visit-reminders", "notifications.jobs.emit_visit_reminders",
                "上门前一天提醒居民", cron="0 10 * * *", queue=NOTIFICATIONS_QUEUE),
    PeriodicJob("plan-next-day", "backend.tasks.plan_next_day",
                "每晚为各乡镇排出次日探访路线", cron="0 12 * * *", queue=PLANNING_QUEUE,
                per_township=True, kwargs={"day_offset": 1}, issue="#5"),
    PeriodicJob("care-visits-due", "backend.services.care_plans.generate_due_care_visits",
                "生成到期的关爱探访", cron="0 17 * * *", issue="#4"),
    PeriodicJob("re-reviews-due", "backend.services.applications.open_due_re_reviews",
                "开启到期的定期复核", cron="10 17 * * *", issue="#3"),
    PeriodicJob("escalate-overdue", "backend.services.applications.escalate_overdue_steps",
                "超时环节上报乡镇负责人", cron="0 1 * * *", issue="#3"),
    PeriodicJob("weekly-supervision", "backend.services.supervision.weekly_supervision_report",
                "周督导报告", cron="0 0 * * 1", issue="#7"),
    PeriodicJob("monthly-bulletin", "backend.services.supervision.monthly_bulletin",
                "月通报", cron="0 0 1 * *", issue="#7"),
)


def job_call(periodic: PeriodicJob) -> tuple[Any, dict[str, Any]]:
    """The job function and keyword arguments the scheduler enqueues for a declaration."""
    if periodic.function.startswith("notifications.jobs."):
        func = getattr(jobs, periodic.function.rsplit(".", 1)[1])
        return func, dict(periodic.kwargs)
    if periodic.per_township:
        return jobs.fan_out_townships, {"path": periodic.function, "issue": periodic.issue,
                                        "queue": periodic.queue, **periodic.kwargs}
    return jobs.run_task, {"path": periodic.function, "issue": periodic.issue, **periodic.kwargs}


def register_all(scheduler: CronScheduler, declared: tuple[PeriodicJob, ...] = PERIODIC_JOBS
                 ) -> None:
    """Register every declared job with RQ's cron scheduler."""
    for periodic in declared:
        func, kwargs = job_call(periodic)
        queue = DEFAULT_QUEUE if periodic.per_township else periodic.queue
        scheduler.register(func, queue, kwargs=kwargs, cron=periodic.cron,
                           interval=periodic.interval, name=periodic.id)


class LeaderCronScheduler(CronScheduler):
    """RQ's cron scheduler that enqueues only while it holds a Redis lease.

    Every worker machine may start one; only the lease holder enqueues, so a job is not queued
    once per machine, and another takes over within the lease time if the holder dies.
    """

    LEASE_KEY = "notifications:cron-leader"
    LEASE_SECONDS = 90  # longer than the scheduler's longest sleep (60 s)

    def holds_lease(self) -> bool:
        """Take or renew the lease; True while this scheduler is the leader."""
        if self.connection.set(self.LEASE_KEY, self.name, nx=True, ex=self.LEASE_SECONDS):
            return True
        holder = self.connection.get(self.LEASE_KEY)
        if isinstance(holder, bytes):
            holder = holder.decode()
        if holder == self.name:
            self.connection.expire(self.LEASE_KEY, self.LEASE_SECONDS)
            return True
        return False

    def enqueue_jobs(self) -> list[Any]:
        """Enqueue due jobs only as the leader."""
        if not self.holds_lease():
            return []
        return super().enqueue_jobs()

    def run_in_thread(self, stop: threading.Event) -> threading.Thread:
        """Run the scheduling loop beside a worker (RQ's ``start`` wants the main thread)."""

        def loop() -> None:
            self.register_birth()
            try:
                while not stop.is_set():
                    if self.enqueue_jobs():
                        self.save()
                    self.heartbeat()
                    stop.wait(max(1.0, self.calculate_sleep_interval()))
            finally:
                self.register_death()

        thread = threading.Thread(target=loop, name="rq-cron", daemon=True)
        thread.start()
        return thread


def build_scheduler(redis: Redis) -> LeaderCronScheduler:
    """A cron scheduler with every declared job registered."""
    scheduler = LeaderCronScheduler(connection=redis)
    register_all(scheduler)
    return scheduler
