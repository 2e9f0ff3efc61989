"""The outbox relay: every committed event becomes the job its topic is routed to.

``ROUTES`` is the table (topic → job, queue, job id, retries); a topic not in it goes to
``process_outbox_event`` on the notifications queue, which runs the event's in-process handlers
(inbox, WeChat sends) and marks it done. With Redis, each event is enqueued once under its
route's job id with ``unique=True``, so a second relay, a sweep or a retried request cannot queue
it twice; when Redis is unreachable the events simply stay ``pending`` (the request that wrote
them has committed and still succeeds) and the periodic sweep hands them on later. Without
Redis the same job functions run in-process right after commit.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from redis import Redis
from rq import Callback, Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job

from backend import outbox
from backend.models import OutboxEvent, utcnow
from backend.outbox import EventStatus
from backend.services.planning import JOB_TIMEOUT_S, plan_job_id
from backend.unit_of_work import scope
from notifications import failures, jobs
from notifications.context import REDIS_DOWN
from notifications.logs import job_logger

_log = job_logger(__name__)

NOTIFICATIONS_QUEUE = "notifications"
PLANNING_QUEUE = "planning"
DEFAULT_QUEUE = "default"
QUEUES = (NOTIFICATIONS_QUEUE, PLANNING_QUEUE, DEFAULT_QUEUE)
# Growing waits: a busy WeChat or a restarting database gets time to recover.
EVENT_RETRY = Retry(max=5, interval=[10, 30, 60, 300, 900])


def event_job_id(event: OutboxEvent) -> str:
    """The one job id an outbox event's default job can ever have."""
    return f"outbox-{event.id}"


@dataclass(frozen=True)
class Route:
    """Where one topic's events go: the job run with the event id, its queue and job id."""

    job: Callable[[int], Any]
    queue: str
    job_id: Callable[[OutboxEvent], str] = event_job_id
    retry: Retry | None = None
    timeout: int | None = None
    # Called by RQ when the job dies (raised, timed out, horse killed, worker lost).
    on_failure: Callable[..., Any] | None = None


DEFAULT_ROUTE = Route(jobs.process_outbox_event, NOTIFICATIONS_QUEUE, retry=EVENT_RETRY)
ROUTES: dict[str, Route] = {
    # Staff's resend of one delivery: the send, retried like any other while WeChat is busy.
    "delivery.resend_requested": Route(jobs.resend_delivery, NOTIFICATIONS_QUEUE,
                                       retry=EVENT_RETRY),
    # A resident's image to be checked by WeChat; busy or unreachable, asked again later.
    "content.media_check_requested": Route(jobs.media_check_requested, NOTIFICATIONS_QUEUE,
                                           retry=EVENT_RETRY),
    # A plan is computed once; a failed one is re-planned by staff, never retried behind them.
    # If its job dies without saying so, the failure callback marks the plan failed.
    "plan.requested": Route(jobs.plan_requested, PLANNING_QUEUE,
                            job_id=lambda event: plan_job_id(event.payload["plan_id"]),
                            timeout=JOB_TIMEOUT_S, on_failure=failures.plan_job_failed),
}


def route_for(topic: str) -> Route:
    """The route of a topic (the default one unless the table names it)."""
    return ROUTES.get(topic, DEFAULT_ROUTE)


def _events(event_ids: list[int]) -> list[OutboxEvent]:
    rows = OutboxEvent.select(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.payload).where(
        OutboxEvent.id.in_(event_ids))
    found = {row.id: row for row in rows}
    return [found[event_id] for event_id in event_ids if event_id in found]


def _mark_enqueued(event_ids: list[int]) -> None:
    if event_ids:
        # Only pending rows: a fast worker may already have marked one done.
        OutboxEvent.update(status=EventStatus.ENQUEUED, dispatched_at=utcnow()).where(
            OutboxEvent.id.in_(event_ids) & (OutboxEvent.status == EventStatus.PENDING)
        ).execute()


class RQRelay:
    """Hands committed events to their routes' queues on Redis."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def dispatch(self, event_ids: list[int]) -> None:
        """Enqueue each event once; on a Redis outage leave the rest pending and return."""
        handed_on: list[int] = []
        events = _events(event_ids)
        for event in events:
            route = route_for(event.topic)
            try:
                Queue(route.queue, connection=self.redis).enqueue(
                    route.job, args=(event.id,), job_id=route.job_id(event), unique=True,
                    retry=route.retry, job_timeout=route.timeout,
                    on_failure=Callback(route.on_failure) if route.on_failure else None,
                    description=f"{event.topic} (outbox event {event.id})")
            except DuplicateJobError:
                pass  # already queued by someone else: that is the point of the job id
            except REDIS_DOWN as exc:
                _log.warning("Redis unreachable (%s): %s events stay pending for the sweep",
                             type(exc).__name__, len(events) - len(handed_on))
                break
            handed_on.append(event.id)
        _mark_enqueued(handed_on)

    def sweep(self, stale_after: timedelta = timedelta(minutes=1), limit: int = 500) -> int:
        """Enqueue pending events, and re-enqueue stale ones whose job Redis no longer has."""
        stale = (OutboxEvent.select(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.payload)
                 .where((OutboxEvent.status == EventStatus.ENQUEUED) &
                        (OutboxEvent.dispatched_at < utcnow() - stale_after)).limit(limit))
        lost = [event.id for event in stale if not self._job_exists(event)]
        if lost:
            OutboxEvent.update(status=EventStatus.PENDING).where(
                OutboxEvent.id.in_(lost)).execute()
        ids = outbox.pending_ids(limit)
        self.dispatch(ids)
        return len(ids)

    def _job_exists(self, event: OutboxEvent) -> bool:
        try:
            Job.fetch(route_for(event.topic).job_id(event), connection=self.redis)
        except NoSuchJobError:
            return False
        return True

    def enqueue(self, func: Callable[..., Any], *, queue: str, job_id: str,
                **kwargs: Any) -> None:
        """Queue one run of a periodic piece of work under a job id that makes it unique."""
        try:
            Queue(queue, connection=self.redis).enqueue(
                func, kwargs=kwargs, job_id=job_id, unique=True,
                retry=Retry(max=2, interval=[60, 300]))
        except DuplicateJobError:
            _log.info("job %s already queued", job_id)


class InlineRelay:
    """Without Redis: run each event's job in-process right after commit.

    ``in_background`` (the demo) runs them one at a time on a thread of their own, so the
    request that wrote the events answers first; each job opens its own connection there.
    """

    def __init__(self, *, in_background: bool = False) -> None:
        self._background = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="inline-jobs")
                            if in_background else None)

    def dispatch(self, event_ids: list[int]) -> None:
        """Run the routed job functions inline; a failure leaves its event pending."""
        if self._background is not None:
            self._background.submit(self._run, list(event_ids))
            return
        self._run(event_ids)

    def wait(self) -> None:
        """Return once every job handed to the background thread has finished (and its
        connection closed): a test's teardown empties the tables those jobs write to."""
        if self._background is not None:
            self._background.submit(lambda: None).result()

    def _run(self, event_ids: list[int]) -> None:
        if self._background is not None:
            with scope():
                self._run_each(event_ids)
            return
        self._run_each(event_ids)

    def _run_each(self, event_ids: list[int]) -> None:
        for event in _events(event_ids):
            try:
                route_for(event.topic).job(event.id)
            except Exception as exc:  # the request has committed; its answer must not fail
                _log.exception("outbox event %s failed inline", event.id)
                OutboxEvent.update(last_error=type(exc).__name__).where(
                    OutboxEvent.id == event.id).execute()

    def sweep(self, stale_after: timedelta = timedelta(minutes=1), limit: int = 500) -> int:
        """Run whatever is still pending."""
        ids = outbox.pending_ids(limit)
        self.dispatch(ids)
        return len(ids)

    def enqueue(self, func: Callable[..., Any], *, queue: str, job_id: str,
                **kwargs: Any) -> None:
        """Run the work now."""
        func(**kwargs)


Relay = RQRelay | InlineRelay
_relay: Relay = InlineRelay()


def install_relay(relay: Relay) -> None:
    """Make this the relay for the process, and the outbox's dispatcher."""
    global _relay
    _relay = relay
    outbox.install_dispatcher(relay)


def current_relay() -> Relay:
    """The process's relay."""
    return _relay
