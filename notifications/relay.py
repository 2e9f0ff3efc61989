"""The outbox relay: committed events become RQ jobs, or run inline when there is no Redis.

Each event is enqueued once as job ``outbox-<id>`` with ``unique=True``, so a second relay,
a sweep or a retried request cannot queue it twice. When Redis is unreachable ``enqueue``
raises ``ConnectionError``: the events simply stay ``pending`` (the request that wrote them
has already committed and still succeeds) and the periodic sweep hands them on later.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job

from backend import outbox
from backend.models import OutboxEvent, utcnow
from notifications import jobs
from notifications.logs import job_logger

_log = job_logger(__name__)

NOTIFICATIONS_QUEUE = "notifications"
PLANNING_QUEUE = "planning"
DEFAULT_QUEUE = "default"
QUEUES = (NOTIFICATIONS_QUEUE, PLANNING_QUEUE, DEFAULT_QUEUE)
# Growing waits: a busy WeChat or a restarting database gets time to recover.
EVENT_RETRY = Retry(max=5, interval=[10, 30, 60, 300, 900])
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def event_job_id(event_id: int) -> str:
    """The one job id an outbox event can ever have."""
    return f"outbox-{event_id}"


def _mark_enqueued(event_ids: list[int]) -> None:
    if event_ids:
        # Only pending rows: a fast worker may already have marked one done.
        OutboxEvent.update(status="enqueued", dispatched_at=utcnow()).where(
            OutboxEvent.id.in_(event_ids) & (OutboxEvent.status == "pending")).execute()


class RQRelay:
    """Hands committed events to the ``notifications`` queue on Redis."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.queue = Queue(NOTIFICATIONS_QUEUE, connection=redis)

    def dispatch(self, event_ids: list[int]) -> None:
        """Enqueue each event once; on a Redis outage leave the rest pending and return."""
        handed_on: list[int] = []
        for event_id in event_ids:
            try:
                self.queue.enqueue(jobs.process_outbox_event, args=(event_id,),
                                   job_id=event_job_id(event_id), unique=True, retry=EVENT_RETRY,
                                   description=f"outbox event {event_id}")
            except DuplicateJobError:
                pass  # already queued by someone else: that is the point of the job id
            except REDIS_DOWN as exc:
                _log.warning("Redis unreachable (%s): %s events stay pending for the sweep",
                             type(exc).__name__, len(event_ids) - len(handed_on))
                break
            handed_on.append(event_id)
        _mark_enqueued(handed_on)

    def sweep(self, stale_after: timedelta = timedelta(minutes=10), limit: int = 500) -> int:
        """Enqueue pending events, and re-enqueue stale ones whose job Redis no longer has."""
        lost = [event.id for event in OutboxEvent.select(OutboxEvent.id).where(
            (OutboxEvent.status == "enqueued") &
            (OutboxEvent.dispatched_at < utcnow() - stale_after)).limit(limit)
            if not self._job_exists(event.id)]
        if lost:
            OutboxEvent.update(status="pending").where(OutboxEvent.id.in_(lost)).execute()
        ids = outbox.pending_ids(limit)
        self.dispatch(ids)
        return len(ids)

    def _job_exists(self, event_id: int) -> bool:
        try:
            Job.fetch(event_job_id(event_id), connection=self.redis)
        except NoSuchJobError:
            return False
        return True

    def enqueue_task(self, path: str, *, queue: str, issue: str = "", **kwargs: Any) -> None:
        """Queue one run of a domain task; one job per task, day and township."""
        day = jobs.local_today().isoformat()
        suffix = "-".join(str(kwargs[k]) for k in sorted(kwargs))
        job_id = f"task-{path}-{day}-{suffix}".replace(".", "_")
        try:
            Queue(queue, connection=self.redis).enqueue(
                jobs.run_task, args=(path,), kwargs={"issue": issue, **kwargs}, job_id=job_id,
                unique=True, retry=Retry(max=2, interval=[60, 300]))
        except DuplicateJobError:
            _log.info("task %s already queued", job_id)


class InlineRelay:
    """Without Redis: run each event's job in-process right after commit."""

    def dispatch(self, event_ids: list[int]) -> None:
        """Run the same job functions inline; a failure leaves its event pending."""
        for event_id in event_ids:
            try:
                jobs.process_outbox_event(event_id)
            except Exception as exc:  # the request has committed; its answer must not fail
                _log.exception("outbox event %s failed inline", event_id)
                OutboxEvent.update(last_error=type(exc).__name__).where(
                    OutboxEvent.id == event_id).execute()

    def sweep(self, stale_after: timedelta = timedelta(minutes=10), limit: int = 500) -> int:
        """Run whatever is still pending."""
        ids = outbox.pending_ids(limit)
        self.dispatch(ids)
        return len(ids)

    def enqueue_task(self, path: str, *, queue: str, issue: str = "", **kwargs: Any) -> None:
        """Run the task now."""
        jobs.run_task(path, issue=issue, **kwargs)


_relay: RQRelay | InlineRelay = InlineRelay()


def install_relay(relay: RQRelay | InlineRelay) -> None:
    """Make this the relay for the process, and the outbox's dispatcher."""
    global _relay
    _relay = relay
    outbox.install_dispatcher(relay)


def current_relay() -> RQRelay | InlineRelay:
    """The process's relay."""
    return _relay
