"""Operations for the city bureau: queue lengths, failed jobs with their error, retrying one.

Retrying a planning job first puts its plan back to ``queued`` and emits a new
``plan.requested``: the failed job is dropped and the relay queues the plan's job again after
the commit, so the job never starts before the plan says it may run.

The queues themselves belong to ``notifications`` (the one place Redis is connected): it
installs a ``JobQueues`` here when the process starts. Without Redis there are no queues —
jobs run inline after commit — and the overview says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypedDict

from backend import audit
from backend.db import db
from backend.errors import NotFound
from backend.permissions import Actor, require
from backend.services import planning


class QueueCounts(TypedDict):
    """One queue's jobs by state."""

    name: str
    queued: int
    started: int
    scheduled: int
    deferred: int
    failed: int


class FailedJob(TypedDict):
    """A job that stopped with an exception."""

    id: str
    queue: str
    function: str
    description: str
    error: str
    failed_at: datetime | None


class JobQueues(Protocol):
    """What operations needs from the job queues; raises ``UpstreamUnavailable`` when down."""

    def counts(self) -> list[QueueCounts]:
        """Every queue's counts."""

    def failed_jobs(self, limit: int) -> list[FailedJob]:
        """Failed jobs on every queue."""

    def requeue_failed(self, job_id: str) -> str | None:
        """Put a failed job back; answer its queue, or None when no failed job has that id."""

    def has_failed(self, job_id: str) -> bool:
        """Whether a job with this id is in a failed registry."""

    def discard_failed(self, job_id: str) -> str | None:
        """Delete a failed job (it is queued afresh); its queue, or None when there is none."""


_queues: JobQueues | None = None


def install_job_queues(queues: JobQueues | None) -> None:
    """The process's job queues (None: jobs run inline, there are no queues)."""
    global _queues
    _queues = queues


def queue_overview(*, actor: Actor) -> dict[str, Any]:
    """Each queue's waiting, running, scheduled and failed job counts."""
    require(actor, "operations.read")
    if _queues is None:
        return {"mode": "inline", "queues": []}
    return {"mode": "redis", "queues": _queues.counts()}


def list_failed_jobs(*, actor: Actor, limit: int = 100) -> list[FailedJob]:
    """Failed jobs on every queue, with the exception that stopped them."""
    require(actor, "operations.read")
    return [] if _queues is None else _queues.failed_jobs(limit)


def retry_failed_job(job_id: str, *, actor: Actor) -> dict[str, Any]:
    """Put a failed job back on its queue (a plan's: its plan too); 404 unless it failed."""
    require(actor, "operations.manage")
    if _queues is None:
        raise NotFound("没有任务队列（任务在请求后直接执行）", code="no_queue")
    with db.atomic():
        audit.record(actor=actor, action="job.retry", entity="job", entity_id=job_id)
        if not _queues.has_failed(job_id):
            raise NotFound("未找到该失败任务", code="failed_job_not_found")
        if planning.rerun_plan_job(job_id, actor=actor) is not None:
            queue = _queues.discard_failed(job_id)
        else:
            queue = _queues.requeue_failed(job_id)
        if queue is None:
            raise NotFound("未找到该失败任务", code="failed_job_not_found")
    return {"id": job_id, "queue": queue, "status": "queued"}
