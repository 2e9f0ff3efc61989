"""Operations for the city bureau: queue lengths, failed jobs with their error, retrying one."""

from __future__ import annotations

from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry

from backend import audit, runtime
from backend.db import db
from backend.errors import NotFound, UpstreamUnavailable
from backend.permissions import Actor, require

QUEUE_NAMES = ("notifications", "planning", "default")  # as declared by notifications.relay


def _redis() -> Redis | None:
    url = runtime.settings().redis_url
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5) if url else None


def _unavailable() -> UpstreamUnavailable:
    return UpstreamUnavailable("任务队列（Redis）暂时不可用", code="queue_unavailable")


def queue_overview(*, actor: Actor) -> dict[str, Any]:
    """Each queue's waiting, running, scheduled and failed job counts."""
    require(actor, "operations.read")
    redis = _redis()
    if redis is None:
        return {"mode": "inline", "queues": []}
    try:
        queues = [_counts(Queue(name, connection=redis)) for name in QUEUE_NAMES]
    except RedisError:
        raise _unavailable() from None
    return {"mode": "redis", "queues": queues}


def _counts(queue: Queue) -> dict[str, Any]:
    return {"name": queue.name, "queued": queue.count,
            "started": queue.started_job_registry.count,
            "scheduled": queue.scheduled_job_registry.count,
            "deferred": queue.deferred_job_registry.count,
            "failed": queue.failed_job_registry.count}


def _error_of(job: Job) -> str:
    # The last line of the traceback names the exception; the rest is for the logs.
    result = job.latest_result()
    text = (result.exc_string if result is not None else None) or ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "")[:500]


def list_failed_jobs(*, actor: Actor, limit: int = 100) -> list[dict[str, Any]]:
    """Failed jobs on every queue, with the exception that stopped them."""
    require(actor, "operations.read")
    redis = _redis()
    if redis is None:
        return []
    try:
        failed = []
        for name in QUEUE_NAMES:
            registry = FailedJobRegistry(name, connection=redis)
            for job in Job.fetch_many(registry.get_job_ids(0, limit - 1), connection=redis):
                if job is not None:
                    failed.append({"id": job.id, "queue": name, "function": job.func_name,
                                   "description": job.description or "",
                                   "error": _error_of(job), "failed_at": job.ended_at})
    except RedisError:
        raise _unavailable() from None
    return failed


def retry_failed_job(job_id: str, *, actor: Actor) -> dict[str, Any]:
    """Put a failed job back on its queue; not found unless it is in a failed registry."""
    require(actor, "operations.manage")
    redis = _redis()
    if redis is None:
        raise NotFound("没有任务队列（任务在请求后直接执行）", code="no_queue")
    try:
        job = Job.fetch(job_id, connection=redis)
        registry = FailedJobRegistry(job.origin, connection=redis)
        if job_id not in registry.get_job_ids():
            raise NotFound("未找到该失败任务", code="failed_job_not_found")
        with db.atomic():
            audit.record(actor=actor, action="job.retry", entity="job", entity_id=job_id)
            registry.requeue(job_id)
    except (NoSuchJobError, InvalidJobOperation):
        raise NotFound("未找到该失败任务", code="failed_job_not_found") from None
    except RedisError:
        raise _unavailable() from None
    return {"id": job_id, "queue": job.origin, "status": "queued"}
