"""The job queues as operations sees them: counts, failed jobs, requeueing one (RQ on Redis)."""

from __future__ import annotations

from collections.abc import Callable

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry

from backend.errors import UpstreamUnavailable
from backend.services.operations import FailedJob, QueueCounts
from notifications.relay import QUEUES


def _unavailable() -> UpstreamUnavailable:
    return UpstreamUnavailable("任务队列（Redis）暂时不可用", code="queue_unavailable")


def _error_of(job: Job) -> str:
    # The last line of the traceback names the exception; the rest is for the logs.
    result = job.latest_result()
    text = (result.exc_string if result is not None else None) or ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "")[:500]


class RQJobQueues:
    """``backend.services.operations.JobQueues`` on RQ."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def counts(self) -> list[QueueCounts]:
        """Every queue's counts."""
        try:
            return [self._counts(Queue(name, connection=self.redis)) for name in QUEUES]
        except RedisError:
            raise _unavailable() from None

    @staticmethod
    def _counts(queue: Queue) -> QueueCounts:
        return {"name": queue.name, "queued": queue.count,
                "started": queue.started_job_registry.count,
                "scheduled": queue.scheduled_job_registry.count,
                "deferred": queue.deferred_job_registry.count,
                "failed": queue.failed_job_registry.count}

    def failed_jobs(self, limit: int) -> list[FailedJob]:
        """Failed jobs on every queue, with the exception that stopped them."""
        try:
            failed: list[FailedJob] = []
            for name in QUEUES:
                registry = FailedJobRegistry(name, connection=self.redis)
                for job in Job.fetch_many(registry.get_job_ids(0, limit - 1),
                                          connection=self.redis):
                    if job is not None:
                        failed.append({"id": job.id, "queue": name, "function": job.func_name or "",
                                       "description": job.description or "",
                                       "error": _error_of(job), "failed_at": job.ended_at})
        except RedisError:
            raise _unavailable() from None
        return failed

    def requeue_failed(self, job_id: str) -> str | None:
        """Put a failed job back on its queue; None unless it is in a failed registry."""
        return self._failed(job_id, lambda job, registry: registry.requeue(job_id))

    def has_failed(self, job_id: str) -> bool:
        """Whether a job with this id is in a failed registry."""
        return self._failed(job_id, lambda job, registry: None) is not None

    def discard_failed(self, job_id: str) -> str | None:
        """Delete a failed job, so one with its id can be queued afresh; None unless it failed."""
        return self._failed(job_id, lambda job, registry: job.delete())

    def _failed(self, job_id: str, act: Callable[[Job, FailedJobRegistry], object]) -> str | None:
        try:
            job = Job.fetch(job_id, connection=self.redis)
            registry = FailedJobRegistry(job.origin, connection=self.redis)
            if job_id not in registry.get_job_ids():
                return None
            act(job, registry)
        except (NoSuchJobError, InvalidJobOperation):
            return None
        except RedisError:
            raise _unavailable() from None
        return str(job.origin)
