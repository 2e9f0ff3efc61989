"""The periodic jobs without Redis (the embedded demo): the same declarations, run in-process.

RQ's cron scheduler lives in Redis, and the demo has none; yet the demo's people expect what
production does: events handed on to inboxes, care visits falling due, late stages escalated,
tomorrow's routes planned. This loop runs each job of ``PERIODIC_JOBS`` when its cron or
interval comes round, through the process's relay (inline: one at a time on this thread), and
sweeps the outbox once at start, so what the demo seeder wrote reaches its inboxes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from croniter import croniter

from notifications import relay
from notifications.periodic import PERIODIC_JOBS, PeriodicJob, job_call, sweep_outbox

_log = logging.getLogger("notifications.inline_cron")
TICK_SECONDS = 20.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


def next_run(periodic: PeriodicJob, after: datetime) -> datetime:
    """When a declared job is next due after ``after`` (cron in UTC, as RQ reads it)."""
    if periodic.cron is not None:
        return croniter(periodic.cron, after).get_next(datetime)
    assert periodic.interval is not None, f"{periodic.id} has neither cron nor interval"
    return after + timedelta(seconds=periodic.interval)


class InlineCron:
    """Runs the declared periodic jobs in this process when they fall due."""

    def __init__(self, declared: tuple[PeriodicJob, ...] = PERIODIC_JOBS,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self.declared, self.clock = declared, clock
        started = clock()
        self.due = {periodic.id: next_run(periodic, started) for periodic in declared}

    def run_due(self) -> list[str]:
        """Run every job whose time has come; answer their ids. A failing job is logged and
        tried again at its next time, never stopping the others."""
        now, ran = self.clock(), []
        for periodic in self.declared:
            if self.due[periodic.id] > now:
                continue
            self.due[periodic.id] = next_run(periodic, now)
            func, queue, kwargs = job_call(periodic)
            try:
                relay.current_relay().enqueue(func, queue=queue,
                                              job_id=f"inline-{periodic.id}", **kwargs)
            except Exception:
                _log.exception("periodic job %s failed", periodic.id)
            ran.append(periodic.id)
        return ran

    def run_in_thread(self, stop: threading.Event) -> threading.Thread:
        """Sweep the outbox once, then run due jobs until ``stop`` is set."""

        def loop() -> None:
            try:
                sweep_outbox()
            except Exception:
                _log.exception("first outbox sweep failed")
            while not stop.wait(TICK_SECONDS):
                self.run_due()

        thread = threading.Thread(target=loop, name="inline-cron", daemon=True)
        thread.start()
        return thread
