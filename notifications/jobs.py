"""The jobs events are routed to: importable functions taking ids, idempotent.

RQ runs them on a worker; without Redis the relay calls the very same functions inline after
the request's commit. ``@job`` gives each run its scope — a database connection, the job id as
its request id (stamped on audit rows and on every log line) — and the body opens one unit of
work per transaction it needs.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from rq import get_current_job

from backend import outbox
from backend.models import OutboxEvent
from backend.services import messages, planning
from backend.unit_of_work import scope, unit_of_work
from notifications import content_checks, sender
from notifications.logs import job_logger

P = ParamSpec("P")
R = TypeVar("R")
log = job_logger("notifications.jobs")


def job(func: Callable[P, R]) -> Callable[P, R]:
    """Run a job function in its own scope, its job id stamped on logs and audit rows."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        current = get_current_job()
        started, outcome = time.perf_counter(), "failed"
        with scope(request_id=current.id if current else f"inline-{func.__name__}"):
            try:
                result = func(*args, **kwargs)
                outcome = "done"
                return result
            finally:
                log.info("job", extra={"job": func.__name__, "outcome": outcome,
                                       "duration_ms": round(
                                           (time.perf_counter() - started) * 1000, 1)})

    return run


@job
def process_outbox_event(event_id: int) -> str:
    """Handle one outbox event (inbox, pending sends) once, then send its subscribe messages."""
    with unit_of_work():
        processed = outbox.process_event(event_id)
    log.info("outbox event %s %s", event_id, "processed" if processed else "was already done")
    send_all(messages.unfinished_delivery_ids(event_id))
    return "processed" if processed else "already_done"


def send_all(delivery_ids: list[int]) -> None:
    """Send each delivery; after trying them all, ask RQ to retry if WeChat was busy."""
    later: sender.SendLater | None = None
    for delivery_id in delivery_ids:
        try:
            outcome = sender.send_delivery(delivery_id)
            log.info("delivery %s: %s", delivery_id, outcome)
        except sender.SendLater as exc:
            log.warning("%s; will retry", exc)
            later = exc
    if later is not None:
        raise later  # RQ's Retry runs the job again later; finished sends are skipped then


@job
def resend_delivery(event_id: int) -> str:
    """Send again the subscribe message staff asked to resend (``delivery.resend_requested``)."""
    event = OutboxEvent.get_or_none(OutboxEvent.id == event_id)
    if event is None or event.status == outbox.EventStatus.DONE:
        return "skipped"
    send_all([event.payload["delivery_id"]])  # busy WeChat: SendLater, RQ retries the job
    with unit_of_work():
        outbox.mark_done(OutboxEvent.get_by_id(event_id))
    return "resent"


@job
def media_check_requested(event_id: int) -> str:
    """Ask WeChat to check a resident's stored image (``content.media_check_requested``)."""
    return content_checks.request_media_check(event_id)


@job
def plan_requested(event_id: int) -> str:
    """Compute the plan a ``plan.requested`` event asked for; answer done, failed or skipped."""
    event = OutboxEvent.get_or_none(OutboxEvent.id == event_id)
    if event is None or event.status == outbox.EventStatus.DONE:
        return "skipped"
    outcome = planning.run_plan(event.payload["plan_id"])
    with unit_of_work():
        outbox.mark_done(OutboxEvent.get_by_id(event_id))
    log.info("plan %s (township %s): %s", event.payload["plan_id"],
             event.payload.get("township_id"), outcome)
    return outcome
