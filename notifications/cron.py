"""RQ's cron scheduler for the declared periodic jobs, enqueuing only as the leader."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from redis import Redis
from rq.cron import CronScheduler

from notifications.context import REDIS_DOWN
from notifications.periodic import PERIODIC_JOBS, PeriodicJob, job_call

_log = logging.getLogger("notifications.cron")


def register_all(scheduler: CronScheduler, declared: tuple[PeriodicJob, ...] = PERIODIC_JOBS
                 ) -> None:
    """Register every declared job with RQ's cron scheduler."""
    for periodic in declared:
        func, queue, kwargs = job_call(periodic)
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
            registered = False
            while not stop.is_set():
                try:
                    if not registered:
                        self.register_birth()
                        registered = True
                    if self.enqueue_jobs():
                        self.save()
                    self.heartbeat()
                except REDIS_DOWN as exc:  # Redis went away: keep the schedule, try again
                    _log.warning("cron: Redis unreachable (%s)", type(exc).__name__)
                    stop.wait(5.0)
                    continue
                stop.wait(max(1.0, self.calculate_sleep_interval()))
            with contextlib.suppress(*REDIS_DOWN):
                self.register_death()

        thread = threading.Thread(target=loop, name="rq-cron", daemon=True)
        thread.start()
        return thread


def build_scheduler(redis: Redis) -> LeaderCronScheduler:
    """A cron scheduler with every declared job registered."""
    scheduler = LeaderCronScheduler(connection=redis)
    register_all(scheduler)
    return scheduler
