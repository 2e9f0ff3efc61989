"""Jobs that die without a word: RQ's failure callback tells the domain why, in staff's words.

A planning job that raises records the failure itself. One that cannot — its work horse
killed (out of memory, ``kill -9``), its worker gone (RQ later finds the job abandoned), or its
time limit reached — is reported here: ``plan_job_failed`` is the planning route's
``on_failure`` callback and marks the plan failed with the reason, so nobody polls a plan that
says ``running`` forever. RQ runs failure callbacks when a job raises and when it finds a job
abandoned, but not when the work horse is killed; ``horse_killed`` (the worker's
``work_horse_killed_handler``) runs the job's callback then too.
"""

from __future__ import annotations

import logging
import os
import signal
from types import TracebackType
from typing import Any

from redis import Redis
from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty

from backend import outbox
from backend.models import OutboxEvent
from backend.permissions import SYSTEM
from backend.services import planning
from backend.unit_of_work import scope, unit_of_work

_log = logging.getLogger(__name__)


class JobTimedOut(JobTimeoutException, TimeoutError):
    """RQ's job time limit, also a ``TimeoutError``: the domain can say "timed out" without RQ."""


class TimeLimit(UnixSignalDeathPenalty):
    """RQ's SIGALRM time limit, raising ``JobTimedOut`` when a job's own limit is reached."""

    def __init__(self, timeout: Any, exception: type[Exception] = JobTimeoutException,
                 **kwargs: Any) -> None:
        super().__init__(timeout, JobTimedOut if exception is JobTimeoutException else exception,
                         **kwargs)


class WorkHorseKilled(Exception):
    """The process running a job died from a signal (or was killed after its time limit)."""


def horse_killed(job: Job, retpid: int, ret_val: int | None, rusage: Any) -> None:
    """Worker hook: a job whose work horse died gets its failure callback, as if it raised."""
    if ret_val is None:  # RQ's monitor killed it: it overran its time limit by a minute
        exc: Exception = JobTimedOut(f"work horse killed after the job's {job.timeout} s limit")
    else:
        number = os.WTERMSIG(ret_val) if os.WIFSIGNALED(ret_val) else None
        name = signal.Signals(number).name if number else f"exit status {ret_val}"
        exc = WorkHorseKilled(f"work horse {retpid} died ({name})")
    try:
        job.execute_failure_callback(TimeLimit, type(exc), exc, None)
    except Exception:  # logged by RQ; the worker goes on failing the job as usual
        _log.warning("failure callback of job %s failed", job.id)


def _reason(exc_type: type[BaseException] | None) -> tuple[str, str]:
    """What staff read, and a code for the audit trail."""
    if exc_type is not None and issubclass(exc_type, TimeoutError | JobTimeoutException):
        return "排线计算超过时限，已停止，请重新排线", "timeout"
    if exc_type is not None and issubclass(exc_type, WorkHorseKilled):
        return "排线进程被意外终止（如内存不足），计算未完成，请重新排线", "work_horse_killed"
    if exc_type is not None and issubclass(exc_type, AbandonedJobError):
        return "执行排线的工作进程已停止，计算未完成，请重新排线", "worker_lost"
    name = exc_type.__name__ if exc_type is not None else "unknown"
    return "排线任务意外失败，请重新排线或联系管理员", name


def plan_job_failed(job: Job, connection: Redis, exc_type: type[BaseException] | None,
                    exc_value: BaseException | None, tb: TracebackType | None) -> None:
    """RQ failure callback of a planning job: its plan is marked failed, its event handled."""
    reason, code = _reason(exc_type)
    with scope(request_id=job.id), unit_of_work(actor=SYSTEM):
        event = OutboxEvent.get_or_none(OutboxEvent.id == job.args[0])
        if event is None:
            return
        failed = planning.fail_plan_job(event.payload["plan_id"], reason=reason, code=code,
                                        actor=SYSTEM)
        if event.status != outbox.EventStatus.DONE:
            outbox.mark_done(event)  # handled: its plan failed; a retry emits a new one
    _log.warning("planning job %s died (%s): plan %s %s", job.id, code,
                 event.payload["plan_id"], "marked failed" if failed else "had finished")
